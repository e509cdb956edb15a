/**
 * RFC 9457 problem details: the single place where errors become HTTP statuses.
 */
import { HttpError } from '@middy/util';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Problem } from '../contract/answers.js';
import {
  CallerMismatchError,
  type Dependency,
  DependencyUnavailableError,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  NotificationRefusedError,
  RequestInFlightError,
  TokenRecordNotFoundError,
  UserDeletedError,
} from '../domain/errors.js';
import { DataPageTooLargeError, HumanDataNotFoundError, ReconnectRequiredError } from '../domain/human-data-errors.js';
import {
  type FieldIssue,
  InvalidCallerIdError,
  MalformedBodyError,
  PayloadTooLargeError,
  RequestError,
  RequestParameterError,
  RequestValidationError,
  UnexpectedBodyError,
  UnsupportedMediaTypeError,
} from '../domain/request-errors.js';

/** Headers on every answer: nothing here may be cached or sniffed. */
export const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

const PROBLEM_TYPE_BASE = 'urn:humanconnect:problem:';

function problem(
  status: number,
  slug: string,
  title: string,
  detail?: string,
  errors?: readonly FieldIssue[],
): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${slug}`,
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    ...(errors === undefined ? {} : { errors: [...errors] }),
  };
}

/**
 * Maps any thrown value to its problem (the table in docs/api.md#errors). Each family maps as a
 * whole, with the members that answer differently first. Messages are exposed only for the
 * errors this code base raises with messages written for callers; anything else is a generic 500.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof RequestError) return requestProblem(error);
  if (error instanceof NotificationRefusedError) {
    return problem(401, 'notification-refused', 'Unauthorized', error.message);
  }
  if (error instanceof ForeignClientIdError) return problem(403, 'foreign-client-id', 'Forbidden', error.message);
  if (error instanceof CallerMismatchError) return problem(403, 'caller-mismatch', 'Forbidden', error.message);
  if (error instanceof TokenRecordNotFoundError) return problem(404, 'no-token-record', 'Not found', error.message);
  if (error instanceof RequestInFlightError) return problem(409, 'session-in-flight', 'Conflict', error.message);
  if (error instanceof UserDeletedError) return problem(409, 'user-deleted', 'Conflict', error.message);
  if (error instanceof ReconnectRequiredError) {
    return problem(409, 'reconnect-required', 'The user must connect again', error.message);
  }
  if (error instanceof HumanDataNotFoundError) return problem(404, 'humanapi-not-found', 'Not found', error.message);
  if (error instanceof DataPageTooLargeError) return problem(502, 'data-page-too-large', 'Bad gateway', error.message);
  if (error instanceof HumanApiError) return humanApiProblem(error);
  if (error instanceof DependencyUnavailableError) return dependencyProblem(error.dependency);
  // Body parsers (middy) raise HttpErrors for unparseable bodies and forbidden keys.
  if (error instanceof HttpError && error.statusCode === 415) {
    return requestProblem(new UnsupportedMediaTypeError());
  }
  if (error instanceof HttpError && error.statusCode >= 400 && error.statusCode < 500) {
    return requestProblem(new MalformedBodyError());
  }
  return problem(500, 'internal', 'Internal server error');
}

/** The request's own faults: 400, 413 or 415, each with its message. */
function requestProblem(error: RequestError): Problem {
  if (error instanceof RequestValidationError) {
    return problem(400, 'validation-failed', 'Invalid request body', error.message, error.issues);
  }
  if (error instanceof RequestParameterError) {
    return problem(400, 'invalid-parameter', 'Invalid request parameter', error.message, error.issues);
  }
  if (error instanceof UnexpectedBodyError) {
    return problem(400, 'unexpected-body', 'Unexpected request body', error.message);
  }
  if (error instanceof InvalidCallerIdError) {
    return problem(400, 'invalid-caller-id', 'Invalid caller identity', error.message, error.issues);
  }
  if (error instanceof PayloadTooLargeError) {
    return problem(413, 'payload-too-large', 'Payload too large', error.message);
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return problem(415, 'unsupported-media-type', 'Unsupported media type', error.message);
  }
  return problem(400, 'malformed-body', 'Malformed request body', error.message);
}

/** 503 naming the service that failed: "Secrets Manager is unavailable". */
function dependencyProblem(dependency: Dependency): Problem {
  return problem(
    503,
    'dependency-unavailable',
    `${dependency} is unavailable`,
    'A service this API depends on failed after retries; nothing was changed. Try again later.',
  );
}

/**
 * Human API's outcomes: a rejected token or humanId is the caller's (422); a rate limit is 503
 * with Human API's `Retry-After`; a timeout is 504; everything else (refused credentials, 5xx, broken answers) is 502. 502 and 504 feed the
 * `HumanApiFailure` alarm (docs/deploy.md#alarms).
 */
function humanApiProblem(error: HumanApiError): Problem {
  if (error instanceof HumanApiRejectedError) {
    const answer = upstreamAnswer(error.upstreamStatus, error.upstreamError);
    return problem(
      422,
      'humanapi-rejected',
      'Human API rejected the request',
      `Human API answered ${answer} and did not accept the session token or humanId. A session token works once: open Human Connect again for a new one.`,
    );
  }
  if (error instanceof HumanApiRateLimitedError) {
    return problem(
      503,
      'humanapi-rate-limited',
      'Human API is rate limiting this app',
      `Human API answered 429; try again in ${error.retryAfterSeconds} s.`,
    );
  }
  if (error instanceof HumanApiTimeoutError) {
    return problem(504, 'humanapi-timeout', 'Gateway timeout', `${error.message} Try again later.`);
  }
  if (error instanceof HumanApiAuthError) {
    return problem(
      502,
      'humanapi-failed',
      'Bad gateway',
      `Human API answered ${error.upstreamStatus} to this app's credentials, also after the client secret was read again: the deployment's client ID or secret is wrong.`,
    );
  }
  if (error instanceof HumanApiFailedError && error.upstreamStatus !== undefined) {
    return problem(
      502,
      'humanapi-failed',
      'Bad gateway',
      `Human API answered ${error.upstreamStatus}; try again later.`,
    );
  }
  // The other Human API failures carry messages this code base wrote (no answer, unreadable answer, …).
  return problem(502, 'humanapi-failed', 'Bad gateway', `${error.message} Try again later.`);
}

/** "400" or "400 (invalid_token: Session token expired)". */
function upstreamAnswer(status: number | undefined, upstreamError: string | undefined): string {
  const code = status === undefined ? 'a refusal' : String(status);
  return upstreamError === undefined ? code : `${code} (${upstreamError})`;
}

/** Builds an API Gateway answer with a JSON body and the security headers. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  contentType = 'application/json',
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'Content-Type': contentType, ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

/**
 * Builds the `application/problem+json` answer for a thrown value.
 *
 * @param requestId - API Gateway's request id, quoted in the body for support tickets
 */
export function problemResponse(error: unknown, requestId?: string): APIGatewayProxyStructuredResultV2 {
  const body = toProblem(error);
  const response = jsonResponse(
    body.status,
    requestId === undefined ? body : { ...body, requestId },
    'application/problem+json',
  );
  // Human API's own back-off, passed on so callers wait as long as it asked.
  if (error instanceof HumanApiRateLimitedError) {
    return { ...response, headers: { ...response.headers, 'Retry-After': String(error.retryAfterSeconds) } };
  }
  return response;
}
