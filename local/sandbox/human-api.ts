/**
 * The Human API sandbox (docs/local-mode.md): an offline stand-in for Human API's v1
 * Connect endpoints that behaves like it where it matters: 401 for a wrong
 * clientId or secret, 400 for an unknown or used session token, 404 for an
 * unknown humanId, a humanId stable per clientUserId, and a new publicToken on
 * every connection and every publictokens call. Faults can be queued, and
 * the secret rotated as ops would, through the test hooks (`./hooks.ts`).
 * The access tokens it issues are remembered, so the data API sandbox
 * (`./human-data.ts`, docs/local-mode.md#data-api-sandbox) can accept them until a test revokes them.
 * State is kept in `.data/` (or memory).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import { openJsonFile } from '../json-file.js';
import { type KeyedState, keyedState } from './keyed-state.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A fault applied to the next calls of the tokens/publictokens endpoints. */
export interface HumanApiFault {
  /** Status to answer instead of the real answer. */
  readonly status?: number;
  /** Wait this long first. */
  readonly delayMs?: number;
  /** Number of calls affected. @default 1 */
  readonly count?: number;
  /** Raw body to answer with `status` (default 200), e.g. broken or wrong-shaped JSON. */
  readonly body?: string;
  /**
   * Answer `status` (default 200) with a JSON array of one string, exactly this many bytes long:
   * an answer larger than a caller reads, which a hook body could not carry.
   */
  readonly bodyBytes?: number;
  /** Drop the connection without answering. */
  readonly reset?: boolean;
  /** Seconds sent as `Retry-After` with `status` (or `body`), as Human API does with a 429. */
  readonly retryAfter?: number;
}

/** The sandbox's state; each map is keyed by values callers send, so it has no prototype (./keyed-state.ts). */
interface SandboxState {
  clientSecret: string;
  /** clientUserId → humanId */
  users: KeyedState<string>;
  /** humanId → { clientUserId, publicToken } */
  humans: KeyedState<{ clientUserId: string; publicToken: string | null }>;
  /** sessionToken → session */
  sessions: KeyedState<{ humanId: string; clientId: string; used: boolean; expiresAt: number }>;
  /**
   * accessToken → whose it is. v1 access tokens do not expire; they stop working only when
   * revoked (`POST /sandbox/humanapi/revoke`). Absent from state saved before it was kept.
   */
  accessTokens?: KeyedState<{ humanId: string }>;
}

/** Settings of {@link createHumanApiSandbox}. */
export interface HumanApiSandboxOptions {
  /** The one app the sandbox knows. */
  readonly clientId: string;
  /** Where state is kept; memory when undefined. */
  readonly statePath: string | undefined;
  /** Called with the new secret on rotation, as ops' `put-secret-value` would. */
  readonly onSecretRotated: (clientSecret: string) => void;
  /** Secret to start with when there is no saved state. */
  readonly initialSecret?: string;
  /** Told of each connection (a session exchanged), as Human API then notifies the app (./notifications.ts). */
  readonly onConnected?: (user: { readonly humanId: string; readonly clientUserId: string }) => void;
}

/**
 * The sandbox: a request handler for Human API's own paths under
 * `/sandbox/humanapi`, and the controls the test hooks (`./hooks.ts`) drive.
 */
export interface HumanApiSandbox {
  /** The secret the sandbox accepts now. */
  readonly clientSecret: string;
  /** Handles a Human API request whose path starts with `/sandbox/humanapi`; `subPath` is the rest. */
  handle(request: IncomingMessage, response: ServerResponse, subPath: string): Promise<void>;
  /** Whether a user exists, and its humanId and current publicToken. */
  findUser(clientUserId: string): { humanId: string; publicToken: string | null } | undefined;
  /** Mints the sessionTokenObject connect.js's `finish` would deliver. */
  mintSession(
    clientUserId: string,
    clientId?: string,
  ): { humanId: string; clientId: string; sessionToken: string; userId: string };
  /** The user's humanId, registering the user on first sight (shared with the current-generation sandbox). */
  humanIdFor(clientUserId: string): string;
  /** Whose a v1 access token (issued by `/v1/connect/tokens`, not revoked) is; `undefined` when unknown. */
  findAccessToken(accessToken: string): { humanId: string; clientUserId: string } | undefined;
  /** Invalidates every v1 access token of the user; resolves how many there were. */
  revokeAccessTokens(clientUserId: string): number;
  /**
   * Deletes the user, as Human API does: the humanId, its publicToken, sessions and access tokens are
   * gone, and the same clientUserId comes back as a new human. Resolves whether the user existed.
   */
  deleteUser(clientUserId: string): boolean;
  /**
   * Applies the next queued fault to a response (shared with the current-generation sandbox);
   * resolves `true` when the fault answered or dropped the request itself.
   */
  applyFault(response: ServerResponse): Promise<boolean>;
  /** Calls made to the tokens and publictokens endpoints. */
  readonly exchangeCalls: number;
  /** Queues a fault for the next tokens/publictokens calls; resolves how many are queued. */
  queueFault(fault: HumanApiFault): number;
  /** Drops every queued fault. */
  clearFaults(): void;
  /** Rotates the client secret as ops would, telling `onSecretRotated`. */
  rotateSecret(): void;
}

const SESSION_LIFETIME_MS = 10 * 60 * 1000;

/** Creates the sandbox. */
export function createHumanApiSandbox({
  clientId,
  statePath,
  onSecretRotated,
  initialSecret,
  onConnected,
}: HumanApiSandboxOptions): HumanApiSandbox {
  const file = openJsonFile<SandboxState>(statePath);
  const saved = file.read();
  const accessTokens = keyedState(saved?.accessTokens);
  const state: SandboxState = {
    clientSecret: saved?.clientSecret ?? initialSecret ?? hex(20),
    users: keyedState(saved?.users),
    humans: keyedState(saved?.humans),
    sessions: keyedState(saved?.sessions),
    accessTokens,
  };
  const save = () => {
    const now = Date.now();
    for (const [token, session] of Object.entries(state.sessions)) {
      if (session.expiresAt < now) delete state.sessions[token];
    }
    file.write(state);
  };
  save();
  onSecretRotated(state.clientSecret);

  const faults: HumanApiFault[] = [];
  let exchangeCalls = 0;

  function humanIdFor(clientUserId: string): string {
    let humanId = state.users[clientUserId];
    if (humanId === undefined) {
      humanId = hex(12);
      state.users[clientUserId] = humanId;
      state.humans[humanId] = { clientUserId, publicToken: null };
      save();
    }
    return humanId;
  }

  function mintSession(clientUserId: string, requestedClientId = clientId) {
    const humanId = humanIdFor(clientUserId);
    const sessionToken = hex(16);
    state.sessions[sessionToken] = {
      humanId,
      clientId: requestedClientId,
      used: false,
      expiresAt: Date.now() + SESSION_LIFETIME_MS,
    };
    save();
    return { humanId, clientId: requestedClientId, sessionToken, userId: hex(12) };
  }

  /** Applies the next fault; returns true when it answered (or dropped) the request itself. */
  async function applyFault(response: ServerResponse): Promise<boolean> {
    const fault = faults[0];
    if (fault === undefined) return false;
    const remaining = (fault.count ?? 1) - 1;
    if (remaining > 0) faults[0] = { ...fault, count: remaining };
    else faults.shift();
    if (fault.delayMs !== undefined) await sleep(Math.min(fault.delayMs, 60_000));
    if (fault.reset === true) {
      response.socket?.destroy();
      return true;
    }
    const retryAfter: Record<string, string> =
      fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
    if (fault.body !== undefined || fault.bodyBytes !== undefined) {
      response.writeHead(fault.status ?? 200, { 'Content-Type': 'application/json', ...retryAfter });
      response.end(fault.body ?? `["${'x'.repeat(Math.max(0, (fault.bodyBytes ?? 0) - 4))}"]`);
      return true;
    }
    if (fault.status !== undefined) {
      sendJson(response, fault.status, { error: 'Injected fault', status: fault.status }, retryAfter);
      return true;
    }
    return false;
  }

  const credentialsValid = (body: Record<string, unknown>) =>
    body.clientId === clientId && body.clientSecret === state.clientSecret;

  async function tokens(body: Record<string, unknown>, response: ServerResponse) {
    if (!credentialsValid(body))
      return sendJson(response, 401, { error: 'Unauthorized', message: 'Invalid client credentials' });
    const session = typeof body.sessionToken === 'string' ? state.sessions[body.sessionToken] : undefined;
    if (session === undefined || session.used || session.expiresAt < Date.now() || session.humanId !== body.humanId) {
      return sendJson(response, 400, { error: 'Bad Request', message: 'Invalid or expired session token' });
    }
    session.used = true;
    const human = state.humans[session.humanId];
    if (human === undefined) return sendJson(response, 400, { error: 'Bad Request', message: 'Unknown user' });
    human.publicToken = hex(16);
    const accessToken = hex(20);
    accessTokens[accessToken] = { humanId: session.humanId };
    save();
    onConnected?.({ humanId: session.humanId, clientUserId: human.clientUserId });
    return sendJson(response, 201, {
      humanId: session.humanId,
      accessToken,
      publicToken: human.publicToken,
      clientId,
      clientUserId: human.clientUserId,
    });
  }

  async function publicTokens(body: Record<string, unknown>, response: ServerResponse) {
    if (!credentialsValid(body))
      return sendJson(response, 401, { error: 'Unauthorized', message: 'Invalid client credentials' });
    const human = typeof body.humanId === 'string' ? state.humans[body.humanId] : undefined;
    if (human === undefined) return sendJson(response, 404, { error: 'Not Found', message: 'Unknown humanId' });
    human.publicToken = hex(16);
    save();
    return sendJson(response, 200, { humanId: body.humanId, publicToken: human.publicToken });
  }

  /**
   * What connect.js's popup does when it opens: signs the user in and mints
   * the sessionTokenObject that `finish` will deliver. Like the real popup, it
   * refuses a returning user opened without its current publicToken ("User
   * Already Exists"); a body without `publicToken` (tests minting directly)
   * is never refused. Any origin may call it, as any site may open the real
   * popup: the answer carries `Access-Control-Allow-Origin: *`.
   */
  function connectSession(body: Record<string, unknown>, response: ServerResponse) {
    const cors = { 'Access-Control-Allow-Origin': '*' };
    if (typeof body.clientUserId !== 'string' || body.clientUserId === '') {
      return sendJson(response, 400, { error: 'Bad Request', message: 'clientUserId is required' }, cors);
    }
    if ('publicToken' in body) {
      const humanId = state.users[body.clientUserId];
      const current = humanId === undefined ? null : (state.humans[humanId]?.publicToken ?? null);
      if (current !== null && body.publicToken !== current) {
        const missing = body.publicToken === '' || body.publicToken === null || body.publicToken === undefined;
        return sendJson(
          response,
          409,
          {
            code: 409,
            message: 'User Already Exists',
            detailedMessage: missing
              ? 'This clientUserId has connected before: open Connect with its publicToken (edit mode).'
              : 'This publicToken is not the current one for this clientUserId: it changes on every connection.',
          },
          cors,
        );
      }
    }
    const requested = typeof body.clientId === 'string' ? body.clientId : clientId;
    return sendJson(response, 201, mintSession(body.clientUserId, requested), cors);
  }

  return {
    get clientSecret() {
      return state.clientSecret;
    },
    get exchangeCalls() {
      return exchangeCalls;
    },
    findUser(clientUserId) {
      const humanId = state.users[clientUserId];
      if (humanId === undefined) return undefined;
      return { humanId, publicToken: state.humans[humanId]?.publicToken ?? null };
    },
    mintSession,
    humanIdFor,
    findAccessToken(accessToken) {
      const entry = accessTokens[accessToken];
      const clientUserId = entry === undefined ? undefined : state.humans[entry.humanId]?.clientUserId;
      return entry === undefined || clientUserId === undefined ? undefined : { humanId: entry.humanId, clientUserId };
    },
    revokeAccessTokens(clientUserId) {
      const humanId = state.users[clientUserId];
      const revoked = Object.keys(accessTokens).filter((token) => accessTokens[token]?.humanId === humanId);
      for (const token of revoked) delete accessTokens[token];
      if (revoked.length > 0) save();
      return revoked.length;
    },
    deleteUser(clientUserId) {
      const humanId = state.users[clientUserId];
      if (humanId === undefined) return false;
      for (const [token, entry] of Object.entries(accessTokens))
        if (entry.humanId === humanId) delete accessTokens[token];
      for (const [token, session] of Object.entries(state.sessions)) {
        if (session.humanId === humanId) delete state.sessions[token];
      }
      delete state.humans[humanId];
      delete state.users[clientUserId];
      save();
      return true;
    },
    applyFault,
    queueFault(fault) {
      faults.push(fault);
      return faults.length;
    },
    clearFaults() {
      faults.splice(0);
    },
    rotateSecret() {
      state.clientSecret = hex(20);
      save();
      onSecretRotated(state.clientSecret);
    },
    async handle(request, response, subPath) {
      if (!SANDBOX_ROUTES.has(subPath)) return sendJson(response, 404, { error: 'Not Found' });
      if (request.method !== 'POST') return sendJson(response, 405, { error: 'Method Not Allowed' });
      const body = parseJsonObject(await readBody(request, 64 * 1024));
      if (body === undefined)
        return sendJson(response, 400, { error: 'Bad Request', message: 'Body must be a JSON object' });
      switch (subPath) {
        case '/v1/connect/tokens':
        case '/v1/connect/publictokens':
          exchangeCalls += 1;
          if (await applyFault(response)) return;
          return subPath === '/v1/connect/tokens' ? tokens(body, response) : publicTokens(body, response);
        case '/v1/connect/sessions':
          return connectSession(body, response);
        default:
          return sendJson(response, 404, { error: 'Not Found' });
      }
    },
  };
}

/** The sandbox's own routes: anything else is 404, whatever the method. */
const SANDBOX_ROUTES = new Set(['/v1/connect/tokens', '/v1/connect/publictokens', '/v1/connect/sessions']);
