/**
 * The ranges the functions, the CDK stack and local mode all enforce, each
 * defined once (docs/deploy.md#configuration).
 */

/** An inclusive whole-number range. */
export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
}

/** API Gateway HTTP API's integration limit: the function must answer before it. */
export const API_GATEWAY_TIMEOUT_SECONDS = 30;

/**
 * Time allowed for one Human API call, in milliseconds. The top is the longest
 * timeout whose Lambda timeout (two calls plus storage, see time-budget.ts)
 * stays under {@link API_GATEWAY_TIMEOUT_SECONDS}: 2 × 12 s + 5 s = 29 s.
 */
export const HUMAN_API_TIMEOUT_MS_RANGE: WholeNumberRange = { min: 100, max: 12_000 };

/** How long the client secret may be cached, in seconds: 0 (re-read every call) to one day. */
export const SECRET_TTL_SECONDS_RANGE: WholeNumberRange = { min: 0, max: 86_400 };
