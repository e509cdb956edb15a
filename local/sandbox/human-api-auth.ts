/**
 * The current-generation Human API sandbox (docs/local-mode.md#sandbox): an offline stand-in for
 * `POST {HUMANAPI_AUTH_BASE_URL}/v1/connect/token` and for what the user does in the Connect popup,
 * mounted at `/sandbox/humanapi-auth`. It shares the v1 sandbox's users (the same clientUserId has
 * the same humanId in both), its client secret (and rotation) and its fault queue.
 *
 * - `POST …/v1/connect/token { client_id, client_secret, client_user_id, client_user_email?, type }`:
 *   a missing field or unknown type → 400; a wrong client or secret → 401; `session` for a user who
 *   connected (here or through a v1 session) → 409 (Human API knows them: Connect opens with an id_token); an id
 *   token (`type` `id`, what the public integrations send, or `id_token`, what Human API's page names) or
 *   `access` for a user who never connected → 404.
 * - `POST …/connect/complete { token, source? }`: the user connects a source in the popup opened
 *   with that token (unknown or expired token → 401).
 * - `POST …/connect/connections { token }`: the sources the token's user has connected, which the
 *   popup lists when it opens (unknown or expired token → 401).
 * - `POST …/connect/disconnect { token, source }`: the user disconnects a source in the popup.
 * - `POST …/clock { advanceSeconds }`: moves the sandbox's clock on, so tests see tokens expire.
 * - `GET …/stats`: calls made to the token endpoint.
 * - `GET /sandbox/connect-client.js`: the offline stand-in for `humanapi-connect-client`.
 *
 * The data API sandbox (`./human-data.ts`) accepts the access tokens minted here, on this clock.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import { openJsonFile } from '../json-file.js';
import type { HumanApiSandbox } from './human-api.js';
import { type KeyedState, keyedState } from './keyed-state.js';

/** The offline connect client, read once: it is served as is. */
const CONNECT_CLIENT_JS = await readFile(new URL('./connect-client.js', import.meta.url));

/** Where the current-generation sandbox is mounted. */
export const HUMAN_API_AUTH_SANDBOX_PATH = '/sandbox/humanapi-auth';

/** Lifetime of session tokens and id_tokens, in seconds. */
export const CONNECT_TOKEN_LIFETIME_SECONDS = 3600;
/** Lifetime of access tokens, in seconds (Human API: 24 h). */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;

/** Sources a user can connect in the sandbox's popup. */
export const SANDBOX_SOURCES = ['demo-health-system', 'demo-pharmacy', 'demo-lab', 'demo-fitness-tracker'] as const;

/** The sandbox's state; each map is keyed by values callers send, so it has no prototype (./keyed-state.ts). */
interface AuthState {
  /** clientUserId → the sources connected and when the first was */
  connected: KeyedState<{ sources: string[]; connectedAt: string }>;
  /** token → whose it is, what for, and when it expires (epoch ms on the sandbox clock) */
  tokens: KeyedState<{ clientUserId: string; type: 'session' | 'id_token' | 'access'; expiresAt: number }>;
}

/** Settings of {@link createHumanApiAuthSandbox}. */
export interface HumanApiAuthSandboxOptions {
  /** The one app the sandbox knows. */
  readonly clientId: string;
  /** The v1 sandbox, whose users, secret and faults are shared. */
  readonly v1: HumanApiSandbox;
  /** Where state is kept; memory when undefined. */
  readonly statePath: string | undefined;
  /** Told of each source connected in the popup, as Human API then notifies the app (./notifications.ts). */
  readonly onConnected?: (user: { readonly humanId: string; readonly clientUserId: string }) => void;
}

/** The current-generation sandbox. */
export interface HumanApiAuthSandbox {
  /** Whether a request path is this sandbox's (its mount, or the connect client script). */
  owns(path: string): boolean;
  /** Handles a request whose path {@link owns} accepted. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
  /** Whether the user connected a source, and which. */
  findConnection(clientUserId: string): { sources: readonly string[]; connectedAt: string } | undefined;
  /** The sandbox's clock (epoch ms): the real time plus what `POST …/clock` advanced. */
  now(): number;
  /**
   * Whose an access token minted with `type: "access"` is, and when it expires (epoch ms on
   * {@link HumanApiAuthSandbox.now}'s clock, possibly past); `undefined` for any other or
   * revoked token.
   */
  findAccessToken(accessToken: string): { clientUserId: string; humanId: string; expiresAt: number } | undefined;
  /** Invalidates every access token minted for the user; resolves how many there were. */
  revokeAccessTokens(clientUserId: string): number;
  /** Forgets the user's connections and every token minted for them (Human API deleted the user). */
  deleteUser(clientUserId: string): boolean;
}

// Not hex: the leak scanner reads long hex runs in answers as access tokens or secrets.
const opaque = () => randomBytes(32).toString('base64url');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Anyone may call the popup's endpoint, as any site may open the real popup. */
const POPUP_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST',
  'Access-Control-Allow-Headers': 'content-type',
  'Access-Control-Max-Age': '600',
};

/** What the user does in the popup: any site may call these, as any site may open the real popup. */
const POPUP_PATHS: ReadonlySet<string> = new Set(['/connect/complete', '/connect/connections', '/connect/disconnect']);

/** Creates the current-generation sandbox. */
export function createHumanApiAuthSandbox({
  clientId,
  v1,
  statePath,
  onConnected,
}: HumanApiAuthSandboxOptions): HumanApiAuthSandbox {
  const file = openJsonFile<AuthState>(statePath);
  const saved = file.read();
  const state: AuthState = { connected: keyedState(saved?.connected), tokens: keyedState(saved?.tokens) };
  let clockOffsetMs = 0;
  let tokenCalls = 0;
  const now = () => Date.now() + clockOffsetMs;
  const save = () => {
    for (const [token, entry] of Object.entries(state.tokens)) {
      if (entry.expiresAt < now()) delete state.tokens[token];
    }
    file.write(state);
  };

  function issue(clientUserId: string, type: AuthState['tokens'][string]['type'], lifetimeSeconds: number): string {
    const token = type === 'access' ? hex(20) : opaque();
    state.tokens[token] = { clientUserId, type, expiresAt: now() + lifetimeSeconds * 1000 };
    save();
    return token;
  }

  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

  function token(body: Record<string, unknown>, response: ServerResponse) {
    const type = text(body.type);
    const clientUserId = text(body.client_user_id);
    const missing = ['client_id', 'client_secret', 'client_user_id', 'type'].filter((field) => !text(body[field]));
    if (missing.length > 0) return sendJson(response, 400, { error: 'Bad Request', missing });
    if (body.client_id !== clientId || body.client_secret !== v1.clientSecret) {
      return sendJson(response, 401, { error: 'Unauthorized', message: 'Invalid client credentials' });
    }
    if (clientUserId === undefined) return sendJson(response, 400, { error: 'Bad Request' });
    // A user who finished a v1 session connected a source too: one Human API, two generations.
    const connected =
      state.connected[clientUserId] !== undefined || (v1.findUser(clientUserId)?.publicToken ?? null) !== null;
    switch (type) {
      case 'session': {
        if (text(body.client_user_email) === undefined) {
          return sendJson(response, 400, { error: 'Bad Request', missing: ['client_user_email'] });
        }
        if (connected) {
          return sendJson(response, 409, { error: 'Conflict', message: 'User already exists: use an id_token' });
        }
        const humanId = v1.humanIdFor(clientUserId);
        const sessionToken = issue(clientUserId, 'session', CONNECT_TOKEN_LIFETIME_SECONDS);
        return sendJson(response, 200, {
          session_token: sessionToken,
          expires_in: CONNECT_TOKEN_LIFETIME_SECONDS,
          human_id: humanId,
        });
      }
      case 'id':
      case 'id_token':
      case 'access': {
        if (!connected) {
          return sendJson(response, 404, { error: 'Not Found', message: 'This user has not connected a source' });
        }
        const humanId = v1.humanIdFor(clientUserId);
        if (type !== 'access') {
          const idToken = issue(clientUserId, 'id_token', CONNECT_TOKEN_LIFETIME_SECONDS);
          return sendJson(response, 200, {
            id_token: idToken,
            expires_in: CONNECT_TOKEN_LIFETIME_SECONDS,
            human_id: humanId,
          });
        }
        return sendJson(response, 200, {
          access_token: issue(clientUserId, 'access', ACCESS_TOKEN_LIFETIME_SECONDS),
          expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
          token_type: 'Bearer',
          refresh_token: opaque(),
        });
      }
      default:
        return sendJson(response, 400, {
          error: 'Bad Request',
          message: 'type must be session, id, id_token or access',
        });
    }
  }

  /**
   * The user the popup's token stands for, or `undefined` once the refusal is sent: a missing token
   * → 400; an unknown or expired one, or an access token (never a popup's) → 401.
   */
  function popupUser(body: Record<string, unknown>, response: ServerResponse): string | undefined {
    const presented = text(body.token);
    if (presented === undefined) {
      sendJson(response, 400, { error: 'Bad Request', missing: ['token'] }, POPUP_CORS);
      return undefined;
    }
    // Own keys only: a token such as `__proto__` must not find Object.prototype.
    const entry = Object.hasOwn(state.tokens, presented) ? state.tokens[presented] : undefined;
    if (entry === undefined || entry.type === 'access' || entry.expiresAt < now()) {
      sendJson(response, 401, { error: 'Unauthorized', message: 'Unknown or expired token' }, POPUP_CORS);
      return undefined;
    }
    return entry.clientUserId;
  }

  /** A source the popup offers, or `undefined` once the 400 is sent. */
  function popupSource(value: unknown, response: ServerResponse): string | undefined {
    const source = text(value);
    if (source === undefined || !(SANDBOX_SOURCES as readonly string[]).includes(source)) {
      sendJson(response, 400, { error: 'Bad Request', message: 'Unknown source' }, POPUP_CORS);
      return undefined;
    }
    return source;
  }

  /** What the popup shows and reports: the user's humanId and connected sources. */
  function sendConnections(response: ServerResponse, clientUserId: string) {
    return sendJson(
      response,
      200,
      { humanId: v1.humanIdFor(clientUserId), connectedSources: state.connected[clientUserId]?.sources ?? [] },
      POPUP_CORS,
    );
  }

  /** What the user does in the popup: connects a source for the token's user. */
  function complete(body: Record<string, unknown>, response: ServerResponse) {
    const clientUserId = popupUser(body, response);
    if (clientUserId === undefined) return;
    const source = popupSource(text(body.source) ?? SANDBOX_SOURCES[0], response);
    if (source === undefined) return;
    const connection = state.connected[clientUserId] ?? {
      sources: [],
      connectedAt: new Date(now()).toISOString(),
    };
    if (!connection.sources.includes(source)) connection.sources.push(source);
    state.connected[clientUserId] = connection;
    save();
    onConnected?.({ humanId: v1.humanIdFor(clientUserId), clientUserId });
    return sendConnections(response, clientUserId);
  }

  /**
   * The user disconnects a source in the popup. Human API still knows the user afterwards (even
   * with no source left), so their next token is still an id_token; nothing to do for a source that
   * is not connected.
   */
  function disconnect(body: Record<string, unknown>, response: ServerResponse) {
    const clientUserId = popupUser(body, response);
    if (clientUserId === undefined) return;
    const source = popupSource(body.source, response);
    if (source === undefined) return;
    const connection = state.connected[clientUserId];
    if (connection?.sources.includes(source)) {
      connection.sources = connection.sources.filter((connected) => connected !== source);
      save();
    }
    return sendConnections(response, clientUserId);
  }

  return {
    owns: (path) => path === '/sandbox/connect-client.js' || path.startsWith(`${HUMAN_API_AUTH_SANDBOX_PATH}/`),
    findConnection: (clientUserId) => state.connected[clientUserId],
    now,
    findAccessToken(accessToken) {
      const entry = state.tokens[accessToken];
      if (entry === undefined || entry.type !== 'access') return undefined;
      return {
        clientUserId: entry.clientUserId,
        humanId: v1.humanIdFor(entry.clientUserId),
        expiresAt: entry.expiresAt,
      };
    },
    revokeAccessTokens(clientUserId) {
      const revoked = Object.entries(state.tokens)
        .filter(([, entry]) => entry.type === 'access' && entry.clientUserId === clientUserId)
        .map(([token]) => token);
      for (const token of revoked) delete state.tokens[token];
      if (revoked.length > 0) save();
      return revoked.length;
    },
    deleteUser(clientUserId) {
      const existed = state.connected[clientUserId] !== undefined;
      delete state.connected[clientUserId];
      for (const [token, entry] of Object.entries(state.tokens)) {
        if (entry.clientUserId === clientUserId) delete state.tokens[token];
      }
      save();
      return existed;
    },
    async handle(request, response, path) {
      if (path === '/sandbox/connect-client.js') {
        if (request.method !== 'GET') return sendJson(response, 405, { error: 'Method Not Allowed' });
        response.writeHead(200, {
          'Content-Type': 'text/javascript; charset=utf-8',
          'Cache-Control': 'no-store',
          'Access-Control-Allow-Origin': '*',
        });
        response.end(CONNECT_CLIENT_JS);
        return;
      }
      const subPath = path.slice(HUMAN_API_AUTH_SANDBOX_PATH.length);
      if (request.method === 'OPTIONS' && POPUP_PATHS.has(subPath)) {
        response.writeHead(204, POPUP_CORS);
        response.end();
        return;
      }
      if (request.method === 'GET' && subPath === '/stats') return sendJson(response, 200, { tokenCalls });
      if (request.method !== 'POST') return sendJson(response, 405, { error: 'Method Not Allowed' });
      const body = parseJsonObject(await readBody(request, 64 * 1024));
      if (body === undefined) {
        return sendJson(response, 400, { error: 'Bad Request', message: 'Body must be a JSON object' });
      }
      switch (subPath) {
        case '/v1/connect/token':
          tokenCalls += 1;
          if (await v1.applyFault(response)) return;
          return token(body, response);
        case '/connect/complete':
          return complete(body, response);
        case '/connect/connections': {
          const clientUserId = popupUser(body, response);
          return clientUserId === undefined ? undefined : sendConnections(response, clientUserId);
        }
        case '/connect/disconnect':
          return disconnect(body, response);
        case '/clock': {
          const { advanceSeconds } = body;
          if (typeof advanceSeconds !== 'number' || !Number.isFinite(advanceSeconds) || advanceSeconds < 0) {
            return sendJson(response, 400, { error: 'Bad Request', message: 'advanceSeconds must be a number ≥ 0' });
          }
          clockOffsetMs += advanceSeconds * 1000;
          return sendJson(response, 200, { now: new Date(now()).toISOString() });
        }
        default:
          return sendJson(response, 404, { error: 'Not Found' });
      }
    },
  };
}
