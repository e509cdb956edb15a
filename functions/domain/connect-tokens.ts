import type { ClientSecretSource } from '../adapters/client-secret.js';
import type { ConnectUser, ConnectUserStore } from '../adapters/connect-user-store.js';
import type { ConnectToken, HumanApiAuthClient } from '../adapters/human-api-auth.js';
import { HumanApiFailedError, HumanApiRejectedError, RequestValidationError } from '../commons/errors.js';
import type { ConnectTokenRequest } from '../http/schemas.js';
import { assertCallerIs, type Caller } from './caller.js';
import { withClientSecret } from './with-client-secret.js';

/** What {@link createConnectToken} needs. */
export interface CreateConnectTokenDependencies {
  /** This app's Human API client ID. */
  readonly clientId: string;
  readonly humanApiAuth: HumanApiAuthClient;
  readonly secrets: ClientSecretSource;
  readonly connectUsers: ConnectUserStore;
  readonly now?: () => Date;
}

/** The answer of `POST /connect-tokens`: what the front end opens Connect with. */
export interface ConnectSessionToken {
  /** For `HumanConnect.open({ token })`. */
  readonly token: string;
  /** `create`: a session token for a new user; `edit`: an id_token for a user who connected. */
  readonly mode: 'create' | 'edit';
  /** Seconds until the token expires. */
  readonly expiresIn: number;
  readonly humanId: string;
}

type Minted = { readonly mode: 'create' | 'edit'; readonly token: ConnectToken };

const emailRequired = () =>
  new RequestValidationError([{ path: 'email', message: 'Required for a user who has not connected yet' }]);

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
 * Mints the token a current-generation Connect opens with (docs/design.md#connect-flows): an
 * id_token (`edit`) when the user's record shows a connection, else a session token (`create`).
 * The back end never sees the popup, so the record can lag behind Human API: a user Human API
 * already knows (a humanId is stored, or Human API refuses a session for them) is tried with an
 * id_token, which Human API grants only to a user who connected. The humanId is recorded, and
 * `connectedAt` once an id_token was granted; nothing is written when Human API fails.
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
  if (user?.connected === true) {
    minted = await edit();
  } else if (email === undefined) {
    if (user?.humanId === undefined) throw emailRequired();
    minted = await editOr(edit, emailRequired);
  } else {
    minted = await createOrEdit(() => create(email), edit);
  }

  const humanId = humanIdOf(minted.token, user);
  const connected = minted.mode === 'edit';
  if (user?.humanId === undefined || (connected && !user.connected)) {
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
function humanIdOf(token: ConnectToken, user: ConnectUser | undefined): string {
  const stored = user?.humanId;
  if (token.humanId !== undefined && stored !== undefined && token.humanId !== stored) {
    throw new HumanApiFailedError('Human API answered another humanId than the stored one.');
  }
  const humanId = token.humanId ?? stored;
  if (humanId === undefined) throw new HumanApiFailedError('Human API answered without a humanId.');
  return humanId;
}
