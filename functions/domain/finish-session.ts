import type { ClientSecretSource } from '../adapters/client-secret.js';
import type { HumanApiClient } from '../adapters/human-api.js';
import type { TokenStore } from '../adapters/token-store.js';
import { ForeignClientIdError, HumanApiFailedError } from '../commons/errors.js';
import type { SessionTokenObject } from '../http/schemas.js';
import { assertCallerIs, type Caller } from './caller.js';
import type { UnsavedExchanges } from './unsaved-exchanges.js';
import { withClientSecret } from './with-client-secret.js';

/** What the front end learns from a finished session: never the accessToken. */
export interface UserPublicToken {
  readonly humanId: string;
  readonly clientUserId: string;
  readonly publicToken: string;
}

/** What {@link finishSession} needs. */
export interface FinishSessionDependencies {
  /** This app's Human API client ID. */
  readonly clientId: string;
  readonly humanApi: HumanApiClient;
  readonly secrets: ClientSecretSource;
  readonly tokenStore: TokenStore;
  readonly unsavedExchanges: UnsavedExchanges;
  readonly now?: () => Date;
}

/**
 * What makes two finishes the same request: one exchange per session token and caller, so a
 * replay answers the stored result and a duplicate in flight is refused (docs/api.md#errors).
 * A type alias (not an interface) so it is a plain object of JSON scalars.
 */
export type FinishSessionKey = {
  readonly sessionToken: string;
  /** The signed-in user, or `null` for a trusted caller. */
  readonly callerId: string | null;
};

/** The idempotency key of finishing `session` for `caller`. */
export function finishSessionKey(session: SessionTokenObject, caller: Caller): FinishSessionKey {
  return { sessionToken: session.sessionToken, callerId: caller.kind === 'user' ? caller.userId : null };
}

/**
 * Refuses a sessionTokenObject of another app (403). Runs before anything is
 * written, idempotency records included, so such a request changes nothing.
 *
 * @throws {ForeignClientIdError} when the session names another app
 */
export function assertOwnClientId(session: SessionTokenObject, clientId: string): void {
  if (session.clientId !== clientId) throw new ForeignClientIdError();
}

/**
 * Finishes a Human Connect session (docs/design.md#connect-flows): signs the sessionTokenObject
 * with the client secret, exchanges it with Human API, and upserts the user's
 * tokens. Call {@link assertOwnClientId} first.
 *
 * @throws {CallerMismatchError} when a signed-in caller is not the session's user
 */
export async function finishSession(
  session: SessionTokenObject,
  caller: Caller,
  { clientId, humanApi, secrets, tokenStore, unsavedExchanges, now = () => new Date() }: FinishSessionDependencies,
): Promise<UserPublicToken> {
  // A retry after a failed write stores the exchange held for it: the session token is spent.
  const held = unsavedExchanges.find(session.sessionToken);
  const exchange =
    held?.exchange ??
    (await withClientSecret(secrets, (clientSecret) =>
      humanApi.exchangeSessionToken({
        humanId: session.humanId,
        clientId: session.clientId,
        sessionToken: session.sessionToken,
        clientSecret,
      }),
    ));
  const exchangedAt = held?.exchangedAt ?? now();
  if (exchange.clientId !== clientId) throw new HumanApiFailedError('Human API answered for another app.');
  assertCallerIs(caller, exchange.clientUserId);

  let record: Awaited<ReturnType<TokenStore['upsertTokenRecord']>>;
  try {
    // Tokens from a later exchange (a racing finish) stand, and are answered.
    record = await tokenStore.upsertTokenRecord(exchange, { exchangedAt, now: now() });
  } catch (error) {
    unsavedExchanges.keep(session.sessionToken, exchange, exchangedAt);
    throw error;
  }
  unsavedExchanges.forget(session.sessionToken);
  return { humanId: record.humanId, clientUserId: record.clientUserId, publicToken: record.publicToken };
}
