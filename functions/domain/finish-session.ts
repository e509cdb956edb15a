import { errorFields, logger } from '../commons/observability.js';
import { type UserPublicToken, userPublicTokenSchema } from '../contract/answers.js';
import { clientUserIdSchema } from '../contract/fields.js';
import type { SessionTokenObject } from '../contract/requests.js';
import { assertCallerIs, type Caller } from './caller.js';
import { DependencyUnavailableError, ForeignClientIdError, HumanApiFailedError, UserDeletedError } from './errors.js';
import type { GrantStore, IdempotencyRecordRef, TokenGrant } from './ports.js';
import type {
  ClientSecretSource,
  GrantOutbox,
  HumanApiConnect,
  SessionExchange,
  TokenCipher,
} from './service-ports.js';
import type { UnsavedExchanges } from './unsaved-exchanges.js';
import { withClientSecret } from './with-client-secret.js';

/** What {@link finishSession} needs. */
export interface FinishSessionDependencies {
  /** This app's Human API client ID. */
  readonly clientId: string;
  readonly humanApi: HumanApiConnect;
  readonly secrets: ClientSecretSource;
  readonly grants: GrantStore;
  /** Encrypts the accessToken right after Human API answered: plaintext stays in memory only. */
  readonly tokenCipher: TokenCipher;
  /** Where a grant goes when the token write fails (docs/design.md#outbox). */
  readonly outbox: GrantOutbox;
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
 * Checks Human API's exchange answer before anything is stored (docs/design.md#human-api): it
 * must be about the posted humanId, for this app, and name a clientUserId the API itself would
 * accept as input (and DynamoDB as a key).
 *
 * @throws {HumanApiFailedError} when the answer is inconsistent (502)
 */
export function assertConsistentExchange(
  exchange: SessionExchange,
  session: SessionTokenObject,
  clientId: string,
): void {
  if (exchange.humanId !== session.humanId) throw new HumanApiFailedError('Human API answered for another humanId.');
  if (exchange.clientId !== clientId) throw new HumanApiFailedError('Human API answered for another app.');
  if (!clientUserIdSchema.safeParse(exchange.clientUserId).success) {
    throw new HumanApiFailedError('Human API answered a clientUserId this API cannot store.');
  }
}

/**
 * Finishes a Human Connect session (docs/design.md#connect-flows): signs the sessionTokenObject
 * with the client secret, exchanges it with Human API, encrypts the accessToken, and upserts the
 * user's tokens, each only if newer than the stored one (docs/design.md#storage-and-integrity).
 * When the write fails after the SDK's retries, the grant goes to the outbox and the answer is
 * still the publicToken (docs/design.md#outbox); only when the outbox fails too is the exchange
 * held in memory for the client's retry, and the error thrown (503). Call
 * {@link assertOwnClientId} first.
 *
 * @throws {CallerMismatchError} when a signed-in caller is not the session's user
 * @throws {HumanApiFailedError} when Human API's answer is inconsistent
 * @param idempotencyRecord - the record that will hold the answer, listed with the tokens so a
 *   deletion of the user removes it (docs/design.md#deleting-a-user)
 * @throws {UserDeletedError} when the user was deleted after Human API answered (nothing stored)
 */
export async function finishSession(
  session: SessionTokenObject,
  caller: Caller,
  {
    clientId,
    humanApi,
    secrets,
    grants,
    tokenCipher,
    outbox,
    unsavedExchanges,
    now = () => new Date(),
  }: FinishSessionDependencies,
  idempotencyRecord?: IdempotencyRecordRef,
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
  // Both tokens were issued when Human API answered: this time orders them against every other write.
  const exchangedAt = held?.exchangedAt ?? now();
  assertConsistentExchange(exchange, session, clientId);
  assertCallerIs(caller, exchange.clientUserId);

  let grant: TokenGrant | undefined;
  try {
    const issuedAt = exchangedAt.toISOString();
    grant = {
      clientUserId: exchange.clientUserId,
      humanId: exchange.humanId,
      clientId: exchange.clientId,
      accessTokenCiphertext: await tokenCipher.encrypt(exchange.clientUserId, exchange.accessToken),
      accessTokenIssuedAt: issuedAt,
      publicToken: exchange.publicToken,
      publicTokenIssuedAt: issuedAt,
    };
    // A token issued later (a racing finish or refresh) stands, and is answered.
    const stored = await grants.storeGrant(grant, now(), idempotencyRecord);
    unsavedExchanges.forget(session.sessionToken);
    if (stored === undefined) throw new UserDeletedError();
    return { humanId: stored.humanId, clientUserId: stored.clientUserId, publicToken: stored.publicToken };
  } catch (error) {
    if (grant !== undefined && error instanceof DependencyUnavailableError) {
      try {
        await outbox.send(grant);
        logger.warn('The token write failed; the grant went to the outbox', errorFields(error));
        unsavedExchanges.forget(session.sessionToken);
        return { humanId: grant.humanId, clientUserId: grant.clientUserId, publicToken: grant.publicToken };
      } catch (outboxError) {
        logger.error('The outbox failed too; the exchange is held in memory', errorFields(outboxError));
      }
    }
    unsavedExchanges.keep(session.sessionToken, exchange, exchangedAt);
    throw error;
  }
}

/**
 * What a replay of a finished session answers (docs/api.md): the user's current publicToken,
 * which a later finish or refresh may have replaced since the stored answer was written. The
 * stored answer stands when the record is not there (yet: its grant may still be in the outbox)
 * or belongs to another humanId, unless the user was deleted since: a deleted user's publicToken
 * is never answered again, whatever idempotency record still holds it (docs/design.md#deleting-a-user).
 *
 * @param replayed - the stored answer, as read from the idempotency table
 * @throws {UserDeletedError} when the user's record is gone to a deletion (a tombstone, or a
 *   reconnection as another humanId)
 */
export async function currentPublicToken(replayed: unknown, grants: GrantStore): Promise<UserPublicToken> {
  const parsed = userPublicTokenSchema.safeParse(replayed);
  // Only this code writes idempotency records; one of another shape is a storage fault.
  if (!parsed.success) throw new DependencyUnavailableError('DynamoDB');
  const stored = parsed.data;
  const current = await grants.currentPublicToken(stored.clientUserId);
  if (current !== undefined && current.humanId === stored.humanId) {
    return { humanId: current.humanId, clientUserId: current.clientUserId, publicToken: current.publicToken };
  }
  if ((await grants.deletedAt(stored.clientUserId)) !== undefined) throw new UserDeletedError();
  return stored;
}
