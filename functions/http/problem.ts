/**
 * RFC 9457 problem details: the single place where errors become HTTP statuses.
 */
import { HttpError } from '@middy/util';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  CallerMismatchError,
  DependencyUnavailableError,
  type FieldIssue,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  MalformedBodyError,
  PayloadTooLargeError,
  RequestValidationError,
  SessionInFlightError,
  TokenRecordNotFoundError,
  UnsupportedMediaTypeError,
} from '../commons/errors.js';

/** The body of an `application/problem+json` answer. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly FieldIssue[];
}

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
    ...(errors === undefined ? {} : { errors }),
  };
}

/**
 * Whether `error` is the Powertools Idempotency error named `name`. By name, not `instanceof`,
 * so that recoverPublicToken, which never uses Idempotency, need not bundle it (and JMESPath)
 * to recognise its errors (docs/performance.md); neither class mapped here has subclasses.
 */
function isIdempotencyError(
  error: unknown,
  name: 'IdempotencyAlreadyInProgressError' | 'IdempotencyPersistenceLayerError',
): boolean {
  return error instanceof Error && error.name === name;
}

/**
 * Maps any thrown value to its problem. Messages are exposed only for the
 * errors this code base raises with messages written for callers; anything
 * else is a generic 500.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof RequestValidationError) {
    return problem(400, 'validation-failed', 'Invalid request body', error.message, error.issues);
  }
  if (error instanceof MalformedBodyError)
    return problem(400, 'malformed-body', 'Malformed request body', error.message);
  if (error instanceof ForeignClientIdError) return problem(403, 'foreign-client-id', 'Forbidden', error.message);
  if (error instanceof CallerMismatchError) return problem(403, 'caller-mismatch', 'Forbidden', error.message);
  if (error instanceof TokenRecordNotFoundError) return problem(404, 'no-token-record', 'Not found', error.message);
  if (error instanceof SessionInFlightError || isIdempotencyError(error, 'IdempotencyAlreadyInProgressError')) {
    return problem(409, 'session-in-flight', 'Conflict', new SessionInFlightError().message);
  }
  if (error instanceof PayloadTooLargeError)
    return problem(413, 'payload-too-large', 'Payload too large', error.message);
  if (error instanceof UnsupportedMediaTypeError) {
    return problem(415, 'unsupported-media-type', 'Unsupported media type', error.message);
  }
  if (error instanceof HumanApiRejectedError) {
    return problem(422, 'humanapi-rejected', 'Human API rejected the request', error.message);
  }
  if (error instanceof HumanApiAuthError || error instanceof HumanApiFailedError) {
    return problem(502, 'humanapi-failed', 'Bad gateway', 'Human API failed; try again later.');
  }
  // Powertools Idempotency could not read or write its records in DynamoDB.
  if (error instanceof DependencyUnavailableError || isIdempotencyError(error, 'IdempotencyPersistenceLayerError')) {
    return problem(
      503,
      'dependency-unavailable',
      'Service unavailable',
      'A storage service is unavailable; try again later.',
    );
  }
  if (error instanceof HumanApiRateLimitedError) {
    return problem(503, 'humanapi-rate-limited', 'Service unavailable', error.message);
  }
  if (error instanceof HumanApiTimeoutError) {
    return problem(504, 'humanapi-timeout', 'Gateway timeout', 'Human API did not answer in time; try again later.');
  }
  // Body parsers (middy) raise HttpErrors for unparseable bodies and forbidden keys.
  if (error instanceof HttpError && error.statusCode === 415) {
    return toProblem(new UnsupportedMediaTypeError());
  }
  if (error instanceof HttpError && error.statusCode >= 400 && error.statusCode < 500) {
    return toProblem(new MalformedBodyError());
  }
  return problem(500, 'internal', 'Internal server error');
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

/** Builds the `application/problem+json` answer for a thrown value. */
export function problemResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const body = toProblem(error);
  const response = jsonResponse(body.status, body, 'application/problem+json');
  // Human API's own back-off, passed on so callers wait as long as it asked.
  if (error instanceof HumanApiRateLimitedError) {
    return { ...response, headers: { ...response.headers, 'Retry-After': String(error.retryAfterSeconds) } };
  }
  return response;
}
