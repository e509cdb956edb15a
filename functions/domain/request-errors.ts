/**
 * What the request itself got wrong (its body, parameters, size or content type, or the signed-in
 * user's id it carries): the caller must change it. `functions/http/problem.ts` answers each as a
 * 400, 413 or 415 problem; the domain's other errors are in ./errors.ts.
 */

/** One field that failed validation. */
export interface FieldIssue {
  /** Dotted path of the field (`''` for the body itself). */
  readonly path: string;
  /** What is wrong with it. */
  readonly message: string;
}

/**
 * The request itself is wrong (its body, size or content type, or the signed-in user's id it
 * carries): the caller must change it.
 */
export abstract class RequestError extends Error {}

/** The request body could not be parsed (broken JSON or form encoding). */
export class MalformedBodyError extends RequestError {
  constructor(message = 'The request body is not valid JSON or form-urlencoded data.', options?: ErrorOptions) {
    super(message, options);
    this.name = 'MalformedBodyError';
  }
}

/** The request body parsed but failed validation. */
export class RequestValidationError extends RequestError {
  /** Each failing field. */
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super('The request body failed validation.');
    this.name = 'RequestValidationError';
    this.issues = issues;
  }
}

/**
 * A path parameter, query parameter or header of the request breaks the route's rules (the body
 * has {@link RequestValidationError}): each issue's path names it, as `path.clientUserId`,
 * `query.limit` or `header.x-humanapi-signature`.
 */
export class RequestParameterError extends RequestError {
  /** Each failing parameter. */
  readonly issues: readonly FieldIssue[];

  constructor(issues: readonly FieldIssue[]) {
    super(`The request's ${issues.map((issue) => issue.path).join(', ')} failed validation.`);
    this.name = 'RequestParameterError';
    this.issues = issues;
  }
}

/** A route that takes no body was sent one (a GET or DELETE with content). */
export class UnexpectedBodyError extends RequestError {
  constructor() {
    super('This route takes no request body.');
    this.name = 'UnexpectedBodyError';
  }
}

/**
 * In JWT mode, the claim naming the signed-in user is a string but not a usable clientUserId
 * (too long, control characters, a lone surrogate): the token table could not key a record by
 * it, so the request is refused before any work (docs/api.md#errors).
 */
export class InvalidCallerIdError extends RequestError {
  /** The JWT claim that names the user (`sub` by default). */
  readonly claim: string;
  /** What is wrong with its value, each with the claim as its path. */
  readonly issues: readonly FieldIssue[];

  constructor(claim: string, issues: readonly FieldIssue[]) {
    super(`The signed-in user\u2019s id (JWT claim "${claim}") cannot be used as a clientUserId.`);
    this.name = 'InvalidCallerIdError';
    this.claim = claim;
    this.issues = issues;
  }
}

/** The request body is larger than the API accepts. */
export class PayloadTooLargeError extends RequestError {
  constructor(limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
    this.name = 'PayloadTooLargeError';
  }
}

/** The request's content type is neither JSON nor form-urlencoded. */
export class UnsupportedMediaTypeError extends RequestError {
  constructor() {
    super('Send the body as application/json or application/x-www-form-urlencoded.');
    this.name = 'UnsupportedMediaTypeError';
  }
}
