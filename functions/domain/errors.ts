/**
 * Typed errors of the domain and its adapters, in families: what a domain rule refused, what
 * Human API did ({@link HumanApiError}), and which AWS dependency failed
 * ({@link DependencyUnavailableError}); what the request itself got wrong is in
 * ./request-errors.ts. Adapters translate SDK and HTTP failures into these;
 * `functions/http/problem.ts` maps them to HTTP statuses in one place.
 */

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

/** Human API refused a call, failed, or did not answer (docs/design.md#human-api). */
export abstract class HumanApiError extends Error {
  /** Human API's HTTP status, when it answered one. */
  readonly upstreamStatus: number | undefined;

  constructor(message: string, options?: ErrorOptions & { readonly upstreamStatus?: number | undefined }) {
    super(message, options);
    this.upstreamStatus = options?.upstreamStatus;
  }
}

/** Human API rejected the session token, humanId or user (a 4xx other than 401/403/429). */
export class HumanApiRejectedError extends HumanApiError {
  /** Human API's error code or message, when it is safe to repeat (see adapters/upstream-detail.ts). */
  readonly upstreamError: string | undefined;

  constructor(upstreamStatus: number, upstreamError?: string) {
    super('Human API rejected the session token or humanId.', { upstreamStatus });
    this.name = 'HumanApiRejectedError';
    this.upstreamError = upstreamError;
  }
}

/** Human API rejected the app credentials (401/403). */
export class HumanApiAuthError extends HumanApiError {
  constructor(upstreamStatus: number) {
    super('Human API rejected the app credentials.', { upstreamStatus });
    this.name = 'HumanApiAuthError';
  }
}

/** Human API failed: a 5xx, a broken connection, or an unreadable or wrong-shaped answer. */
export class HumanApiFailedError extends HumanApiError {
  constructor(message: string, options?: ErrorOptions & { readonly upstreamStatus?: number }) {
    super(message, options);
    this.name = 'HumanApiFailedError';
  }
}

/** Human API could not be reached, or the connection broke before a whole answer arrived. */
export class HumanApiUnreachableError extends HumanApiFailedError {
  constructor(options?: ErrorOptions) {
    super('Could not reach Human API.', options);
    this.name = 'HumanApiUnreachableError';
  }
}

/** Human API's answer was larger than the caller reads; it was cut off, unread. */
export class HumanApiAnswerTooLargeError extends HumanApiFailedError {
  /** The cap the answer went over, in bytes. */
  readonly maxBytes: number;

  constructor(maxBytes: number, upstreamStatus: number) {
    super(`Human API's answer is larger than ${maxBytes} bytes.`, { upstreamStatus });
    this.name = 'HumanApiAnswerTooLargeError';
    this.maxBytes = maxBytes;
  }
}

/** Human API did not answer within the timeout. */
export class HumanApiTimeoutError extends HumanApiError {
  constructor(timeoutMs: number) {
    super(`Human API did not answer within ${timeoutMs} ms.`);
    this.name = 'HumanApiTimeoutError';
  }
}

/** A backing service failed after the SDK's retries; named as the 503 title names it ("<dependency> is unavailable"). */
export type Dependency = 'DynamoDB' | 'Secrets Manager' | 'KMS' | 'the outbox' | 'the notifications queue';

/**
 * The family of AWS dependency failures: DynamoDB, Secrets Manager, KMS, the outbox or the notifications queue is unavailable (after the
 * SDK's retries), misconfigured, or answered data this code cannot use.
 */
export class DependencyUnavailableError extends Error {
  /** Which dependency failed. */
  readonly dependency: Dependency;

  constructor(dependency: Dependency, options?: ErrorOptions) {
    super(`${dependency} is unavailable.`, options);
    this.name = 'DependencyUnavailableError';
    this.dependency = dependency;
  }
}

/**
 * DynamoDB answered a token record that is not of the stored shape (a manual edit, a
 * half-migrated item): treated as a DynamoDB failure, never answered or logged with its contents.
 */
export class UnreadableTokenRecordError extends DependencyUnavailableError {
  /** The fields that failed to parse (names only, never values). */
  readonly fields: readonly string[];

  constructor(fields: readonly string[]) {
    super('DynamoDB');
    this.name = 'UnreadableTokenRecordError';
    this.fields = fields;
  }
}

/** Human API answered 429: too many requests; callers may retry after {@link retryAfterSeconds}. */
export class HumanApiRateLimitedError extends HumanApiError {
  /** Seconds to wait before retrying (Human API's `Retry-After`, or a default). */
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('Human API is rate limiting this app; try again later.', { upstreamStatus: 429 });
    this.name = 'HumanApiRateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The same request (the same idempotency key) is being worked on by another invocation right
 * now: a duplicate in flight (409). Raised by `functions/adapters/idempotency.ts`, which
 * translates Powertools Idempotency's own errors so nothing else needs to know them.
 */
export class RequestInFlightError extends Error {
  constructor(options?: ErrorOptions) {
    super('This session is being finished by another request; retry shortly.', options);
    this.name = 'RequestInFlightError';
  }
}

/**
 * The user has a record but no access token: they never finished connecting a source (or, in the
 * current generation, Human API refuses to mint one: not connected, or deleted there).
 */
export class NotConnectedError extends Error {
  constructor(options?: ErrorOptions) {
    super('The user has a token record but no access token: they have not connected a source.', options);
    this.name = 'NotConnectedError';
  }
}

/** The stored access token could not be decrypted (wrong record, wrong key, or KMS refused). */
export class AccessTokenUndecryptableError extends Error {
  constructor(options?: ErrorOptions) {
    super('The stored access token could not be decrypted for this user.', options);
    this.name = 'AccessTokenUndecryptableError';
  }
}

/**
 * The user was deleted (docs/design.md#deleting-a-user) after Human API issued these tokens: they
 * are not stored, and the user must connect again.
 */
export class UserDeletedError extends Error {
  constructor() {
    super('This user was deleted while the session finished; nothing was stored. Open Human Connect again.');
    this.name = 'UserDeletedError';
  }
}

/** Why a notification was refused (docs/notifications.md#verification). */
export type NotificationRefusal =
  /** The URL's path secret is not this deployment's (current, or previous within its grace). */
  | 'path-secret'
  /** `X-HumanAPI-Signature` came without a usable `X-HumanAPI-Timestamp` or `X-HumanAPI-Nonce`. */
  | 'signature-headers'
  /** The signed timestamp is outside the replay window. */
  | 'signature-stale'
  /** The signature matches no client secret of this app (current, or previous within its grace). */
  | 'signature-mismatch';

/**
 * A notification that cannot be shown to come from Human API for this app: 401, nothing queued.
 * Its message, written for ops, comes from the receiver (functions/domain/receive-notification.ts),
 * so the other functions' bundles do not carry it.
 */
export class NotificationRefusedError extends Error {
  /** What failed. */
  readonly reason: NotificationRefusal;

  constructor(reason: NotificationRefusal, message: string) {
    super(message);
    this.name = 'NotificationRefusedError';
    this.reason = reason;
  }
}
