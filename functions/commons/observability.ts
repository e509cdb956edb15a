/**
 * Structured JSON logging, metrics and traces, shared by every function.
 *
 * Nothing logged anywhere in this code base may contain a token, a session
 * token or the client secret: log names, statuses and IDs only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { HUMAN_API_LATENCY_METRIC, METRICS_NAMESPACE, SERVICE_NAME } from './telemetry.js';

/** The service's logger (Powertools reads `POWERTOOLS_*` and `AWS_LAMBDA_LOG_LEVEL` itself). */
export const logger = new Logger({ serviceName: SERVICE_NAME });

/** The service's metrics, published as CloudWatch EMF after each request (`functions/http/http-handler.ts`). */
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });

/**
 * The service's X-Ray tracer (active tracing on the functions; `POWERTOOLS_TRACE_ENABLED=false`
 * and outside Lambda it does nothing). The handler's response is never captured: it holds the
 * publicToken.
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME, captureHTTPsRequests: false });

/**
 * Runs one Human API call as an X-Ray subsegment (`Human API <path>`, annotated with the path and
 * Human API's status, never a body, token or secret) and records its duration as
 * {@link HUMAN_API_LATENCY_METRIC}.
 *
 * @param path - the Human API path called, e.g. `/v1/connect/tokens`
 * @param call - the call; it resolves Human API's status, or throws
 */
export async function traceHumanApiCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  const subsegment = parent?.addNewSubsegment(`Human API ${path}`);
  if (subsegment !== undefined) {
    tracer.setSegment(subsegment);
    subsegment.addAnnotation('humanApiPath', path);
  }
  try {
    return await call();
  } catch (error) {
    const { upstreamStatus } = errorFields(error);
    if (upstreamStatus !== undefined) subsegment?.addAnnotation('upstreamStatus', upstreamStatus);
    // The error's name only: messages are ours, but the X-Ray default would add a stack.
    subsegment?.addAnnotation('errorName', error instanceof Error ? error.name : typeof error);
    throw error;
  } finally {
    metrics.addMetric(HUMAN_API_LATENCY_METRIC, MetricUnit.Milliseconds, Math.round(performance.now() - started));
    if (subsegment !== undefined && parent !== undefined) {
      subsegment.close();
      tracer.setSegment(parent);
    }
  }
}

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

/**
 * The {@link ErrorFields} of any caught value. Human API's errors carry `upstreamStatus`
 * (functions/domain/errors.ts); it is read by name so that this module knows no error class.
 */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { errorName: typeof error };
  const status: unknown = 'upstreamStatus' in error ? error.upstreamStatus : undefined;
  const upstreamStatus = typeof status === 'number' ? status : undefined;
  return {
    errorName: error.name,
    ...(error.cause instanceof Error ? { causeName: error.cause.name } : {}),
    ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
  };
}
