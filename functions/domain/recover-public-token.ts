import type { UserPublicToken } from '../contract/answers.js';
import type { PublicTokenRequest } from '../contract/requests.js';
import { assertCallerIs, type Caller } from './caller.js';
import { HumanApiFailedError, TokenRecordNotFoundError } from './errors.js';
import type { RecoveryRecord, RecoveryStore } from './ports.js';
import type { ClientSecretSource, HumanApiConnect } from './service-ports.js';
import { withClientSecret } from './with-client-secret.js';

/** What {@link recoverPublicToken} needs. */
export interface RecoverPublicTokenDependencies {
  /** This app's Human API client ID. */
  readonly clientId: string;
  readonly humanApi: HumanApiConnect;
  readonly secrets: ClientSecretSource;
  readonly recovery: RecoveryStore;
  readonly now?: () => Date;
}

const toUserPublicToken = ({ humanId, clientUserId, publicToken }: RecoveryRecord): UserPublicToken => ({
  humanId,
  clientUserId,
  publicToken,
});

/**
 * Recovers a returning user's publicToken (docs/design.md#connect-flows): the stored one, or a
 * fresh one from Human API when none is stored or `refresh` is asked. The
 * fresh token replaces the stored one only if it was issued later; the answer is the stored
 * publicToken after the write (a concurrent finish's, when Human API issued that one later).
 *
 * @throws {CallerMismatchError} when a signed-in caller asks about another user
 * @throws {TokenRecordNotFoundError} when the user has no record
 */
export async function recoverPublicToken(
  request: PublicTokenRequest,
  caller: Caller,
  { clientId, humanApi, secrets, recovery, now = () => new Date() }: RecoverPublicTokenDependencies,
): Promise<UserPublicToken> {
  // Recovery reads only what its role may read: never an access token (docs/security.md).
  let record: RecoveryRecord | undefined;
  if ('clientUserId' in request) {
    // Refused before the read: a signed-in user learns nothing about another user's record.
    assertCallerIs(caller, request.clientUserId);
    record = await recovery.getByClientUserId(request.clientUserId);
  } else {
    record = await recovery.findByHumanId(request.humanId);
  }
  if (record === undefined) throw new TokenRecordNotFoundError();
  assertCallerIs(caller, record.clientUserId);

  if (request.refresh !== true && record.publicToken) return toUserPublicToken(record);

  const grant = await withClientSecret(secrets, (clientSecret) =>
    humanApi.createPublicToken({ humanId: record.humanId, clientId, clientSecret }),
  );
  // Issued when Human API answered: it replaces only a publicToken issued before (a finish racing
  // this refresh keeps its accessToken, and its publicToken only if issued later).
  const publicTokenIssuedAt = now().toISOString();
  if (grant.humanId !== record.humanId) throw new HumanApiFailedError('Human API answered for another user.');
  const stored = await recovery.storePublicToken(
    { clientUserId: record.clientUserId, humanId: record.humanId, publicToken: grant.publicToken, publicTokenIssuedAt },
    now(),
  );
  if (stored === undefined) throw new TokenRecordNotFoundError();
  return toUserPublicToken(stored);
}
