/** The issues' performance targets, as the benchmark's pieces check them. */

/** One target and whether the run met it. */
export interface TargetCheck {
  readonly id: string;
  readonly target: string;
  readonly measured: number;
  readonly met: boolean;
}

/** A target met when `measured` is at most `limit`. */
export const atMost = (id: string, target: string, measured: number, limit: number): TargetCheck => ({
  id,
  target,
  measured,
  met: measured <= limit,
});
