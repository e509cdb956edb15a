/**
 * The names the functions' logs and metrics carry, which the stack's alarms and dashboard read
 * (infra/alarms.ts, infra/dashboard.ts). Constants only: the stack imports this file at synth time.
 */

/** Service name: the logs' `service` key and the metrics' `service` dimension. */
export const SERVICE_NAME = 'humanapi-connect';
/** CloudWatch namespace of the service's metrics. */
export const METRICS_NAMESPACE = 'HumanConnect';
/** Name of the metric holding each Human API call's duration, in milliseconds. */
export const HUMAN_API_LATENCY_METRIC = 'HumanApiLatency';
/**
 * Name of the metric counting requests that failed because of Human API (answered 502 or 504:
 * its 5xx, timeouts, broken answers, credentials refused even after re-reading the secret).
 * A 401 that the secret re-read fixes is not a failure: rotations do not trip the alarm.
 */
export const HUMAN_API_FAILURE_METRIC = 'HumanApiFailure';
/** The data gateway's calls, one per request (docs/deploy.md#alarms). */
export const HUMAN_DATA_CALLS_METRIC = 'HumanDataCalls';
/** The data gateway's requests that failed because of Human API (answered 502 or 504), which its alarm watches. */
export const HUMAN_DATA_UPSTREAM_FAILURE_METRIC = 'HumanDataUpstreamFailures';
/** The bytes of health data the data gateway answered. */
export const HUMAN_DATA_BYTES_METRIC = 'HumanDataBytes';
