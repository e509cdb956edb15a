/**
 * The data gateway's own outcomes (docs/api.md#get-usersclientuseridhumanpath), beside the error
 * families of errors.ts; `functions/http/problem.ts` maps them with the rest.
 */
/**
 * The data gateway: Human API refused the user's access token (401) and no other can be had, or
 * Human API mints none: the user must connect again, and their record now says so
 * (docs/api.md#get-usersclientuseridhumanpath).
 */
export class ReconnectRequiredError extends Error {
  /** Human API's status: 401 for a refused token; absent when Human API would mint none. */
  readonly upstreamStatus: number | undefined;

  constructor(upstreamStatus?: number, options?: ErrorOptions) {
    super('Human API no longer accepts this user\u2019s access token: the user must connect again.', options);
    this.name = 'ReconnectRequiredError';
    this.upstreamStatus = upstreamStatus;
  }
}

/** The data gateway: Human API has no such record for the user (its 404). */
export class HumanDataNotFoundError extends Error {
  readonly upstreamStatus = 404;

  constructor() {
    super('Human API has no such record for this user.');
    this.name = 'HumanDataNotFoundError';
  }
}

/** The data gateway: Human API's page is larger than a Lambda answer can carry; a smaller `limit` fits. */
export class DataPageTooLargeError extends Error {
  /** Human API's status of the answer that was too large. */
  readonly upstreamStatus: number;

  constructor(maxBytes: number, upstreamStatus: number, options?: ErrorOptions) {
    super(
      `Human API's answer is larger than the ${maxBytes} bytes this gateway can answer; ask a smaller page (limit).`,
      options,
    );
    this.name = 'DataPageTooLargeError';
    this.upstreamStatus = upstreamStatus;
  }
}
