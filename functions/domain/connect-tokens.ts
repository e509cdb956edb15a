import { logger } from '../commons/observability.js';
import type { ConnectSessionToken } from '../contract/answers.js';
import type { ConnectTokenRequest } from '../contract/requests.js';
import { assertCallerIs, type Caller } from './caller.js';
import { HumanApiFailedError, HumanApiRejectedError } from './errors.js';
import type { ConnectUser, ConnectUserStore } from './ports.js';
import { RequestValidationError } from './request-errors.js';
import type { ClientSecretSource, ConnectToken, HumanApiAuth } from './service-ports.js';
import { withClientSecret } from './with-client-secret.js';

/** What {@link createConnectToken} needs. */
export interface CreateConnectTokenDependencies {
  /** This app's Human API client ID. */
  readonly clientId: string;
  readonly humanApiAuth: HumanApiAuth;
  readonly secrets: ClientSecretSource;
  readonly connectUsers: ConnectUserStore;
  readonly now?: () => Date;
}

type Minted = { readonly mode: 'create' | 'edit'; readonly token: ConnectToken };

const emailRequired = () =>
  new RequestValidationError([{ path: 'email', message: 'Required for a user who is not connected' }]);

/** The user the request is about: the signed-in caller, or the `clientUserId` a trusted back end names. */
function userOf(request: ConnectTokenRequest, caller: Caller): string {
  if (caller.kind === 'user') {
    if (request.clientUserId !== undefined) assertCallerIs(caller, request.clientUserId);
    return caller.userId;
  }
  if (request.clientUserId === undefined) {
    throw new RequestValidationError([{ path: 'clientUserId', message: 'Required: the user to open Connect for' }]);
  }
  return request.clientUserId;
}

/**
 * Mints the token a current-generation Connect opens with (docs/design.md#connect-flows): an id
 * token (`edit`) when the user's record shows a connection, else a session token (`create`).
 * The back end never sees the popup, so the record can lag behind Human API either way:
 * - a user Human API already knows (a humanId is stored, or Human API refuses a session for them)
 *   is tried with an id token, which Human API grants only to a user who connected;
 * - a user the record shows connected whom Human API refuses an id token (deleted there, or every
 *   source removed) is no longer connected: the record says so, and the answer is a session token
 *   (create), for which the e-mail is required as for any new user. The user is never stuck.
 * The humanId is recorded, and `connectedAt` once an id token was granted; nothing is written
 * when Human API fails.
 *
 * @throws {RequestValidationError} naming `clientUserId` (trusted caller without one) or `email`
 *   (a user not known to have connected, without one)
 * @throws {CallerMismatchError} when a signed-in caller names another user
 */
export async function createConnectToken(
  request: ConnectTokenRequest,
  caller: Caller,
  { clientId, humanApiAuth, secrets, connectUsers, now = () => new Date() }: CreateConnectTokenDependencies,
): Promise<ConnectSessionToken> {
  const clientUserId = userOf(request, caller);
  const { email } = request;
  const user = await connectUsers.getConnectUser(clientUserId);

  const edit = async (): Promise<Minted> => ({
    mode: 'edit',
    token: await withClientSecret(secrets, (clientSecret) =>
      humanApiAuth.mintIdToken({ clientId, clientSecret, clientUserId, email }),
    ),
  });
  const create = async (address: string): Promise<Minted> => ({
    mode: 'create',
    token: await withClientSecret(secrets, (clientSecret) =>
      humanApiAuth.mintSessionToken({ clientId, clientSecret, clientUserId, email: address }),
    ),
  });

  let minted: Minted;
  // Marked by an earlier call: Human API may know the user under a new humanId by now.
  let reconnecting = user?.reconnectRequired === true;
  if (user?.connected === true) {
    try {
      minted = await edit();
    } catch (error) {
      if (!(error instanceof HumanApiRejectedError)) throw error;
      // Human API no longer grants this user an id token: not connected any more.
      await connectUsers.markReconnectRequired(clientUserId, now());
      logger.info('Human API refused an id token to a connected user; Connect opens in create mode');
      if (email === undefined) throw emailRequired();
      reconnecting = true;
      minted = await create(email);
    }
  } else if (email === undefined) {
    if (user?.humanId === undefined) throw emailRequired();
    minted = await editOr(edit, emailRequired);
  } else {
    minted = await createOrEdit(() => create(email), edit);
  }

  // A user who reconnects may be a new human at Human API: the stored humanId is not theirs any more.
  const humanId = humanIdOf(minted.token, user, reconnecting);
  const connected = minted.mode === 'edit';
  if (user?.humanId === undefined || reconnecting || humanId !== user.humanId || (connected && !user.connected)) {
    await connectUsers.recordConnectUser({ clientUserId, humanId, clientId, connected, now: now() });
  }
  return { token: minted.token.token, mode: minted.mode, expiresIn: minted.token.expiresIn, humanId };
}

/** An id_token for a user who may have connected since; when Human API says no, `otherwise`'s error. */
async function editOr(edit: () => Promise<Minted>, otherwise: () => Error): Promise<Minted> {
  try {
    return await edit();
  } catch (error) {
    if (error instanceof HumanApiRejectedError) throw otherwise();
    throw error;
  }
}

/**
 * A session token; when Human API refuses it (a user it already knows: its error answers are not
 * documented, so any refusal that is not about the app credentials counts), an id_token. If that is refused too, the
 * session's refusal is the answer.
 */
async function createOrEdit(create: () => Promise<Minted>, edit: () => Promise<Minted>): Promise<Minted> {
  try {
    return await create();
  } catch (refusal) {
    if (!(refusal instanceof HumanApiRejectedError)) throw refusal;
    try {
      return await edit();
    } catch (error) {
      if (error instanceof HumanApiRejectedError) throw refusal;
      throw error;
    }
  }
}

/** The user's humanId: Human API's answer, checked against the stored one, or the stored one. */
function humanIdOf(token: ConnectToken, user: ConnectUser | undefined, reconnecting: boolean): string {
  const stored = user?.humanId;
  // A reconnecting user may be a new human at Human API: its answer wins over the stored humanId.
  if (!reconnecting && token.humanId !== undefined && stored !== undefined && token.humanId !== stored) {
    throw new HumanApiFailedError('Human API answered another humanId than the stored one.');
  }
  const humanId = token.humanId ?? stored;
  if (humanId === undefined) throw new HumanApiFailedError('Human API answered without a humanId.');
  return humanId;
}
