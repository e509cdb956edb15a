/**
 * Structured JSON logging and metrics, shared by both functions.
 *
 * Nothing logged anywhere in this code base may contain a token, a session
 * token or the client secret: log names, statuses and IDs only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HumanApiAuthError, HumanApiFailedError, HumanApiRejectedError } from './errors.js';

/** Service name: the logs' `service` key and the metrics' `service` dimension (the stack's alarms use it). */
export const SERVICE_NAME = 'humanapi-connect';
/** CloudWatch namespace of the service's metrics (the stack's alarms use it). */
export const METRICS_NAMESPACE = 'HumanConnect';

/** The service's logger (Powertools reads `POWERTOOLS_*` and `AWS_LAMBDA_LOG_LEVEL` itself). */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/** The service's metrics, published as CloudWatch EMF after each request (`functions/http/http-handler.ts`). */
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

/**
 * Name of the metric counting requests that failed because of Human API (answered 502 or 504:
 * its 5xx, timeouts, broken answers, credentials refused even after re-reading the secret).
 * A 401 that the secret re-read fixes is not a failure: rotations do not trip the alarm.
 */
export const HUMAN_API_FAILURE_METRIC = 'HumanApiFailure';

/**
 * The log fields naming a caught value and its cause: names only, never messages (they may echo
 * input), plus Human API's status when Human API answered one.
 */
export type ErrorFields = {
  readonly errorName: string;
  readonly causeName?: string;
  /** Human API's HTTP status, for its failures and refusals. */
  readonly upstreamStatus?: number;
};

/** The {@link ErrorFields} of any caught value. */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const upstreamStatus =
    error instanceof HumanApiRejectedError || error instanceof HumanApiAuthError || error instanceof HumanApiFailedError
      ? error.upstreamStatus
      : undefined;
  return {
    errorName: error.name,
    ...(error.cause instanceof Error ? { causeName: error.cause.name } : {}),
    ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
  };
}
