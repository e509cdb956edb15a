/**
 * Typed errors of the domain and its adapters. Adapters translate SDK and HTTP
 * failures into these; `problem.ts` maps them to HTTP statuses in one place.
 */

/** One field that failed validation. */
export interface FieldIssue {
  /** Dotted path of the field (`''` for the body itself). */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/** The request body could not be parsed (broken JSON or form encoding). */
export class MalformedBodyError extends Error {
  constructor(message = 'The request body is not valid JSON or form-urlencoded data.', options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedBodyError';
  }
}

/** The request body parsed but failed validation. */
export class RequestValidationError extends Error {
  /** Each failing field. */
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super('The request body failed validation.');
    this.name = 'RequestValidationError';
    this.issues = issues;
  }
}

/** The request body is larger than the API accepts. */
export class PayloadTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The request's content type is neither JSON nor form-urlencoded. */
export class UnsupportedMediaTypeError extends Error {
  constructor() {
    super('Send the body as application/json or application/x-www-form-urlencoded.');
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** The request names a Human API client ID other than this app's. */
export class ForeignClientIdError extends Error {
  constructor() {
    super('The clientId is not this app\u2019s.');
    this.name = 'ForeignClientIdError';
  }
}

/** The authenticated caller is not the user the request is about. */
export class CallerMismatchError extends Error {
  constructor() {
    super('The caller is not the user this request is about.');
    this.name = 'CallerMismatchError';
  }
}

/** No token record exists for the user. */
export class TokenRecordNotFoundError extends Error {
  constructor() {
    super('No token record exists for this user; open Human Connect in create mode.');
    this.name = 'TokenRecordNotFoundError';
  }
}

/** The same session token is being exchanged by another request right now. */
export class SessionInFlightError extends Error {
  constructor(options?: ErrorOptions) {
    super('This session is being finished by another request; retry shortly.', options);
    this.name = 'SessionInFlightError';
  }
}

/** Human API rejected the session token or humanId (a 4xx other than 401/403). */
export class HumanApiRejectedError extends Error {
  /** Human API's status code. */
  readonly upstreamStatus: number;

  constructor(upstreamStatus: number) {
    super('Human API rejected the session token or humanId.');
    this.name = 'HumanApiRejectedError';
    this.upstreamStatus = upstreamStatus;
  }
}

/** Human API rejected the app credentials (401/403). */
export class HumanApiAuthError extends Error {
  /** Human API's status code. */
  readonly upstreamStatus: number;

  constructor(upstreamStatus: number) {
    super('Human API rejected the app credentials.');
    this.name = 'HumanApiAuthError';
    this.upstreamStatus = upstreamStatus;
  }
}

/** Human API failed: a 5xx, a broken connection, or an unreadable or wrong-shaped answer. */
export class HumanApiFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HumanApiFailedError';
  }
}

/** Human API did not answer within the timeout. */
export class HumanApiTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Human API did not answer within ${timeoutMs} ms.`);
    this.name = 'HumanApiTimeoutError';
  }
}

/** A backing AWS service failed after the SDK's retries. */
export type Dependency = 'DynamoDB' | 'Secrets Manager';

/** DynamoDB or Secrets Manager is unavailable (after the SDK's retries) or misconfigured. */
export class DependencyUnavailableError extends Error {
  /** Which dependency failed. */
  readonly dependency: Dependency;

  constructor(dependency: Dependency, options?: ErrorOptions) {
    super(`${dependency} is unavailable.`, options);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

/** Human API answered 429: too many requests; callers may retry after {@link retryAfterSeconds}. */
export class HumanApiRateLimitedError extends Error {
  /** Seconds to wait before retrying (Human API's `Retry-After`, or a default). */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Human API is rate limiting this app; try again later.');
    this.name = 'HumanApiRateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
