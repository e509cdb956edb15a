/**
 * The team's own server: copy this. An example app back end for the default (no-JWT)
 * mode, where the token API's `POST /public-tokens` requires AWS IAM
 * (docs/design.md#security-model): a browser cannot sign for IAM, so the app's own server
 * asks for the signed-in user, and only for that user.
 *
 * - `POST /app/sign-in {user}` is a development sign-in: it trusts the name it is given.
 *   Replace it with your real sign-in; keep the session cookie (HttpOnly, SameSite=Strict,
 *   a random id held on the server; no token in localStorage).
 * - `POST /app/public-token {refresh?}` recovers the signed-in user's publicToken with a
 *   SigV4-signed `POST /public-tokens`, answering 404 for a user who never connected.
 * - `POST /app/connect-token {email?}` asks for a current-generation Connect token
 *   (docs/design.md#connect-flows) for the signed-in user with a SigV4-signed
 *   `POST /connect-tokens {clientUserId, email?}`, passing the API's answer on (a 400 naming
 *   `email` for a new user without one).
 * - `GET /app/activity?start_date=&end_date=` reads the signed-in user's daily steps through the
 *   data gateway with the package's service client (./activity-route.ts), passing its problem on
 *   (409 `reconnect-required`: the user must connect again).
 * - `GET /app/me` names the signed-in user; `POST /app/sign-out` ends the session.
 * - `GET /app/notifications?after=<cursor>` answers the signed-in user's notices of new data
 *   since `cursor` (./notification-inbox.ts, docs/local-mode.md#notifications), for a page that
 *   polls and shows "new data", then re-fetches.
 *
 * It signs with the standard AWS credential chain unless given keys (local mode gives its own):
 * deployed, that is the role of the function, task or instance it runs as, with short-lived
 * credentials, granted with `backend.grantIamRoutes(role)`.
 *
 * Sessions live in memory here; a real server keeps them in its session store, and marks
 * the cookie `Secure` (it is served over https).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createConnectBackendClient } from '../../client/backend-client.js';
import { createActivityRoute } from './activity-route.js';
import type { NotificationInbox } from './notification-inbox.js';

/** Settings of {@link createAppRoutes}. */
export interface AppRoutesOptions {
  /** The token API's base URL, without a trailing slash. */
  readonly apiUrl: string;
  /**
   * The IAM principal allowed to call `POST /public-tokens` and `POST /connect-tokens`: fixed keys
   * (local mode's), or a provider. @default the standard AWS credential chain (environment, the
   * role of a Lambda function, ECS task or EC2 instance, SSO, …): short-lived credentials, renewed
   * by the provider.
   */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The API's region. */
  readonly region: string;
  /** The consumer of the notifications queue, whose notices `GET /app/notifications` answers. */
  readonly inbox?: NotificationInbox;
}

/** Handles the app's `/app/*` routes; resolves `false` for any other path. */
export type AppRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<boolean>;

const COOKIE = 'app_session';
const USER = /^[^\p{Cc}]{1,200}$/u;

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
  return true;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > 16 * 1024) return undefined;
    chunks.push(buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value))
      : undefined;
  } catch {
    return undefined;
  }
}

function sessionId(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === COOKIE && value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Creates the app's routes, with an in-memory session store. */
export function createAppRoutes({
  apiUrl,
  credentials = fromNodeProviderChain(),
  region,
  inbox,
}: AppRoutesOptions): AppRoutes {
  const sessions = new Map<string, string>();
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256 });
  const activity = createActivityRoute(createConnectBackendClient({ apiUrl, credentials, region }));

  /** POSTs a JSON body to the token API, SigV4-signed as the IAM principal. */
  async function signedPost(
    route: string,
    payload: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${apiUrl}${route}`);
    const body = JSON.stringify(payload);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const { host: _setByFetch, ...headers } = signed.headers;
    const answer = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
    return { status: answer.status, body: await answer.json().catch(() => ({})) };
  }

  /** Passes the token API's answer on; 502 when it could not be reached. */
  async function relay(response: ServerResponse, call: () => Promise<{ status: number; body: unknown }>) {
    try {
      const answer = await call();
      return send(response, answer.status, answer.body);
    } catch {
      return send(response, 502, { title: 'The token API could not be reached', status: 502 });
    }
  }

  return async (request, response, path) => {
    if (!path.startsWith('/app/')) return false;
    const user = sessions.get(sessionId(request) ?? '');
    if (path === '/app/me' && request.method === 'GET') {
      return user === undefined ? send(response, 401, { signedIn: false }) : send(response, 200, { user });
    }
    if (path === '/app/notifications' && request.method === 'GET' && inbox !== undefined) {
      if (user === undefined) return send(response, 401, { message: 'Sign in first.' });
      const after = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('after') ?? '0';
      if (!/^\d{1,15}$/.test(after)) return send(response, 400, { message: 'after must be a whole number.' });
      // Only the session's user's notices, whatever the query names.
      return send(response, 200, { clientUserId: user, ...inbox.newData(user, Number(after)) });
    }
    if (path === '/app/activity' && request.method === 'GET') {
      if (user === undefined) return send(response, 401, { message: 'Sign in first.' });
      return activity(response, user, new URL(request.url ?? '/', 'http://127.0.0.1').searchParams);
    }
    // Cookies ride along on cross-site requests: a JSON content type forces a CORS preflight nobody answers.
    if (request.method !== 'POST' || !/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      return send(response, 415, { message: 'POST application/json' });
    }
    const body = await readJson(request);
    if (body === undefined) return send(response, 400, { message: 'The body must be a JSON object.' });
    if (path === '/app/sign-in') {
      if (typeof body.user !== 'string' || !USER.test(body.user.trim())) {
        return send(response, 400, { message: 'user must be 1 to 200 characters.' });
      }
      const id = randomBytes(32).toString('base64url');
      sessions.set(id, body.user.trim());
      return send(
        response,
        200,
        { user: body.user.trim() },
        {
          'Set-Cookie': `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/`,
        },
      );
    }
    if (path === '/app/sign-out') {
      sessions.delete(sessionId(request) ?? '');
      return send(response, 200, {}, { 'Set-Cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
    }
    if (path === '/app/public-token') {
      if (user === undefined) return send(response, 401, { message: 'Sign in first.' });
      return relay(response, () =>
        signedPost('/public-tokens', { clientUserId: user, ...(body.refresh === true ? { refresh: true } : {}) }),
      );
    }
    if (path === '/app/connect-token') {
      if (user === undefined) return send(response, 401, { message: 'Sign in first.' });
      // Only the session's user, whatever the body names; only the e-mail is passed on.
      const { email } = body;
      if (email !== undefined && typeof email !== 'string') {
        return send(response, 400, { title: 'Bad Request', errors: [{ path: 'email', message: 'must be a string' }] });
      }
      return relay(response, () =>
        signedPost('/connect-tokens', { clientUserId: user, ...(email === undefined ? {} : { email }) }),
      );
    }
    return send(response, 404, { message: 'Not Found' });
  };
}
