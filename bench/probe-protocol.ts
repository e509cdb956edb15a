/** What the cold-start probe (`cold-start-probe.ts`) prints, shared with the benchmark that reads it. */

/** The marker in front of the probe's result line on stdout. */
export const PROBE_MARKER = 'BENCH_PROBE ';

/** What the probe measured. */
export interface ProbeResult {
  /** `import()` of the bundle: parse, compile, and its module-scope code. */
  readonly loadMs: number;
  /** The first invocation, until its answer. */
  readonly firstInvokeMs: number;
  readonly statusCode: number;
}
