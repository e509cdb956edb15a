/**
 * The data gateway's ports (docs/design.md#the-data-gateway), beside the others in ports.ts: the
 * access-token reader and Human API's data API, as the gateway's domain names them.
 */
/** A user's access token as the data gateway reads it (the access-token reader, functions/reader/). */
export interface UserAccessToken {
  /** Plain text: sent to Human API as a Bearer token, never logged, answered or stored. */
  readonly accessToken: string;
  /** `v1`: the exchange's, which a refusal ends; `minted`: another can be minted. */
  readonly kind: 'v1' | 'minted';
  /** When a minted token expires (ISO 8601). */
  readonly expiresAt?: string | undefined;
}

/** Where the data gateway gets a user's access token: the access-token reader. */
export interface AccessTokenSource {
  /**
   * The user's access token; `mintAgain` mints a new one for a current-generation user.
   *
   * @throws {TokenRecordNotFoundError} without a record
   * @throws {NotConnectedError} when the record holds no v1 token and Human API mints none
   */
  read(user: { readonly clientUserId: string }, options?: { readonly mintAgain?: boolean }): Promise<UserAccessToken>;
}

/** One answer of Human API's data API: its status, headers (lower-case names) and body, bounded in size. */
export interface HumanDataAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Human API's data API (docs/design.md#the-data-gateway). */
export interface HumanDataApi {
  /**
   * `GET /v1/human/{path}?{query}` with the user's token, no redirect followed.
   *
   * @param request.pathTemplate - what traces name (no ids)
   * @throws {HumanApiRateLimitedError} on a 429, with its `Retry-After`
   * @throws {HumanApiTimeoutError} when no whole answer arrived in time
   * @throws {HumanApiUnreachableError} when the connection failed or broke
   * @throws {HumanApiAnswerTooLargeError} when the answer is over the cap
   * @throws {HumanApiFailedError} on a redirect
   */
  get(request: {
    readonly pathAndQuery: string;
    readonly pathTemplate: string;
    readonly accessToken: string;
  }): Promise<HumanDataAnswer>;
}
