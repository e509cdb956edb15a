/**
 * The example app back end (`web/app-server/`) as local mode serves it next to
 * the page without JWT: its session cookie, and `POST /app/public-token`,
 * `POST /app/connect-token` and `GET /app/activity` answering for the signed-in user only, through
 * SigV4-signed calls.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen, readBody } from '../../local/http-util.js';
import { createIamAuthorizer } from '../../local/iam-authorizer.js';
import { createAppRoutes } from '../../web/app-server/app-server.js';
import { type Answer, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { LOCAL_IAM_CREDENTIALS, signedPost, signedRequest } from '../support/sigv4.js';
import { storedPublicToken } from './support/connect-page.js';

let local: LocalModeProcess;

beforeAll(async () => {
  local = await startLocalModeProcess();
  for (const user of ['alice@example.com', 'bob@example.com']) {
    expect((await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, user))).status).toBe(200);
  }
});

afterAll(async () => {
  await local?.stop();
});

async function signIn(user: string): Promise<{ answer: Answer; cookie: string }> {
  const answer = await post(`${local.webUrl}/app/sign-in`, { user });
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { answer, cookie };
}

const publicToken = (cookie: string, body: object = {}) =>
  post(`${local.webUrl}/app/public-token`, body, { headers: cookie === '' ? {} : { cookie } });

describe('the example app back end', () => {
  it('signs in with an HttpOnly, SameSite=Strict cookie holding a random session id', async () => {
    const first = await signIn('alice@example.com');
    const second = await signIn('alice@example.com');

    expect(first.answer.status).toBe(200);
    expect(first.answer.headers.get('set-cookie')).toMatch(
      /^app_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect(first.cookie).not.toBe(second.cookie);
    expect(first.answer.text).not.toContain(first.cookie.split('=')[1] ?? '');
  });

  it("recovers the signed-in user's publicToken, and only that user's", async () => {
    const { cookie } = await signIn('bob@example.com');

    const answer = await publicToken(cookie, { clientUserId: 'alice@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.json.clientUserId).toBe('bob@example.com');
    expect(answer.json.publicToken).toBe(await storedPublicToken(local.apiUrl, 'bob@example.com'));
  });

  it('passes refresh on: a fresh publicToken is stored', async () => {
    const { cookie } = await signIn('alice@example.com');
    const before = await storedPublicToken(local.apiUrl, 'alice@example.com');

    const answer = await publicToken(cookie, { refresh: true });

    expect(answer.status).toBe(200);
    expect(answer.json.publicToken).not.toBe(before);
    expect(await storedPublicToken(local.apiUrl, 'alice@example.com')).toBe(answer.json.publicToken);
  });

  it('answers 404 for a signed-in user who never connected', async () => {
    const { cookie } = await signIn('never-connected@example.com');

    expect((await publicToken(cookie)).status).toBe(404);
  });

  it('answers 401 without a session, with an unknown one, and after sign-out', async () => {
    const { cookie } = await signIn('alice@example.com');
    await post(`${local.webUrl}/app/sign-out`, {}, { headers: { cookie } });

    expect((await publicToken('')).status).toBe(401);
    expect((await publicToken('app_session=not-a-session')).status).toBe(401);
    expect((await publicToken(cookie)).status).toBe(401);
  });

  it('refuses a body that is not JSON (415), so a cross-site form cannot use the cookie', async () => {
    const { cookie } = await signIn('alice@example.com');

    const answer = await post(`${local.webUrl}/app/public-token`, 'refresh=true', {
      contentType: 'application/x-www-form-urlencoded',
      headers: { cookie },
    });

    expect(answer.status).toBe(415);
  });

  it('refuses an empty or control-character user name at sign-in', async () => {
    expect((await post(`${local.webUrl}/app/sign-in`, { user: '' })).status).toBe(400);
    expect((await post(`${local.webUrl}/app/sign-in`, { user: 'a\u0000b' })).status).toBe(400);
  });
});

const connectToken = (cookie: string, body: object = {}) =>
  post(`${local.webUrl}/app/connect-token`, body, { headers: cookie === '' ? {} : { cookie } });

describe('POST /app/connect-token', () => {
  it('mints a token for the signed-in user only, whatever user the body names', async () => {
    const { cookie } = await signIn('carol@example.com');
    const alice = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'alice@example.com' });

    const answer = await connectToken(cookie, { clientUserId: 'alice@example.com', email: 'carol@example.com' });

    // alice connected (beforeAll): a token for her would be an id_token (edit) with her humanId.
    expect(alice.json.mode).toBe('edit');
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ mode: 'create', expiresIn: 3600 });
    expect(answer.json.humanId).not.toBe(alice.json.humanId);
    const carol = await signedPost(`${local.apiUrl}/connect-tokens`, {
      clientUserId: 'carol@example.com',
      email: 'carol@example.com',
    });
    expect(carol.json.humanId).toBe(answer.json.humanId);
  });

  it('opens edit mode for a signed-in user who connected', async () => {
    const { cookie } = await signIn('bob@example.com');

    const answer = await connectToken(cookie);

    expect(answer.status).toBe(200);
    expect(answer.json.mode).toBe('edit');
  });

  it("passes on the API's 400 naming email for a new user without one", async () => {
    const { cookie } = await signIn('dave@example.com');

    const answer = await connectToken(cookie);

    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);
  });

  it('refuses an e-mail that is not a string (400 naming email) without calling the API', async () => {
    const { cookie } = await signIn('erin@example.com');

    const answer = await connectToken(cookie, { email: 42 });

    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);
  });

  it('answers 401 without a session, with an unknown one, and after sign-out', async () => {
    const { cookie } = await signIn('alice@example.com');
    await post(`${local.webUrl}/app/sign-out`, {}, { headers: { cookie } });

    expect((await connectToken('', { email: 'a@example.com' })).status).toBe(401);
    expect((await connectToken('app_session=not-a-session', { email: 'a@example.com' })).status).toBe(401);
    expect((await connectToken(cookie, { email: 'a@example.com' })).status).toBe(401);
  });

  it('refuses a body that is not JSON (415)', async () => {
    const { cookie } = await signIn('alice@example.com');

    const answer = await post(`${local.webUrl}/app/connect-token`, 'email=a%40example.com', {
      contentType: 'application/x-www-form-urlencoded',
      headers: { cookie },
    });

    expect(answer.status).toBe(415);
  });
});

describe('GET /app/activity', () => {
  /** The app back end's answer to `GET /app/activity?<query>` with `cookie`. */
  async function activity(cookie: string, query: string): Promise<{ status: number; type: string; body: unknown }> {
    const response = await fetch(`${local.webUrl}/app/activity?${query}`, {
      headers: cookie === '' ? {} : { cookie },
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.json() };
  }
  const dataCalls = async () =>
    ((await (await fetch(`${local.apiUrl}/sandbox/humanapi-data/stats`)).json()) as { dataCalls: number }).dataCalls;
  // The 7 days before today (UTC): the sandbox has 90 days of history before its clock's today.
  const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const WEEK = `start_date=${day(7)}&end_date=${day(1)}`;

  it("answers the signed-in user's summaries as the gateway has them, each trimmed to date, source and steps", async () => {
    const { cookie } = await signIn('alice@example.com');

    const answer = await activity(cookie, WEEK);
    const gateway = await signedRequest(
      'GET',
      `${local.apiUrl}/users/alice%40example.com/human/activities/summaries?${WEEK}&limit=200`,
    );

    expect(answer.status).toBe(200);
    const records = JSON.parse(gateway.text) as Record<string, unknown>[];
    expect(records).toHaveLength(7);
    expect(answer.body).toEqual(
      records.map((record) => ({ date: record.date, source: 'demo-health-system', steps: record.steps })),
    );
    expect(JSON.stringify(answer.body)).not.toContain(String(records[0]?.id));
  });

  it("passes the gateway's problem on: 404 no-token-record for a signed-in user who never connected", async () => {
    const { cookie } = await signIn('never-connected@example.com');

    const answer = await activity(cookie, WEEK);

    expect(answer.status).toBe(404);
    expect(answer.type).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ type: 'urn:humanconnect:problem:no-token-record', status: 404 });
  });

  it('refuses, naming the parameter and calling nothing upstream: another user, bad or reversed dates, over 31 days', async () => {
    const { cookie } = await signIn('alice@example.com');
    const before = await dataCalls();

    const refused = {
      user: await activity(cookie, `${WEEK}&clientUserId=bob%40example.com`),
      missing: await activity(cookie, 'end_date=2026-03-07'),
      notADay: await activity(cookie, 'start_date=2026-02-30&end_date=2026-03-07'),
      reversed: await activity(cookie, 'start_date=2026-03-07&end_date=2026-03-01'),
      tooLong: await activity(cookie, 'start_date=2026-01-01&end_date=2026-02-01'),
    };

    const paths = Object.fromEntries(
      Object.entries(refused).map(([name, answer]) => [
        name,
        [answer.status, (answer.body as { errors: { path: string }[] }).errors.map((error) => error.path)],
      ]),
    );
    expect(paths).toEqual({
      user: [400, ['query.clientUserId']],
      missing: [400, ['query.start_date']],
      notADay: [400, ['query.start_date']],
      reversed: [400, ['query.end_date']],
      tooLong: [400, ['query.end_date']],
    });
    expect(await dataCalls()).toBe(before);
  });

  it('answers 401 without a session, and after sign-out', async () => {
    const { cookie } = await signIn('alice@example.com');
    await post(`${local.webUrl}/app/sign-out`, {}, { headers: { cookie } });

    expect((await activity('', WEEK)).status).toBe(401);
    expect((await activity(cookie, WEEK)).status).toBe(401);
  });
});

describe('the app routes against a recording token API', () => {
  /** What the fake token API received: the path, the body, and the IAM verdict on its signature. */
  const received: { path: string; body: string; signed: boolean; accessKeyId: string | undefined }[] = [];
  let api: Server;
  let apiUrl: string;

  beforeAll(async () => {
    const authorize = createIamAuthorizer({ credentials: LOCAL_IAM_CREDENTIALS, region: 'us-east-1' });
    api = createServer(async (request, response) => {
      const body = (await readBody(request, 64 * 1024)) ?? Buffer.alloc(0);
      const verdict = await authorize({
        method: request.method ?? 'POST',
        url: request.url ?? '/',
        headers: request.headers,
        body,
      });
      received.push({
        path: request.url ?? '',
        body: body.toString('utf8'),
        signed: verdict.allowed,
        accessKeyId: verdict.allowed ? verdict.accessKeyId : undefined,
      });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ token: 'minted', mode: 'create', expiresIn: 3600, humanId: 'h' }));
    });
    apiUrl = `http://127.0.0.1:${await listen(api, 0)}`;
  });

  afterAll(async () => {
    if (api !== undefined) await close(api);
  });

  it("signs POST /connect-tokens as the IAM principal, naming the session's user and passing only the e-mail", async () => {
    const routes = createAppRoutes({ apiUrl, credentials: LOCAL_IAM_CREDENTIALS, region: 'us-east-1' });
    const web = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
      void routes(request, response, path);
    });
    const webUrl = `http://127.0.0.1:${await listen(web, 0)}`;
    try {
      const signedIn = await post(`${webUrl}/app/sign-in`, { user: 'frank@example.com' });
      const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

      const answer = await post(
        `${webUrl}/app/connect-token`,
        { clientUserId: 'someone-else', email: 'frank@example.com', extra: true },
        { headers: { cookie } },
      );

      expect(answer.status).toBe(200);
      expect(answer.json.token).toBe('minted');
      expect(received).toEqual([
        {
          path: '/connect-tokens',
          body: JSON.stringify({ clientUserId: 'frank@example.com', email: 'frank@example.com' }),
          signed: true,
          accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId,
        },
      ]);
    } finally {
      await close(web);
    }
  });

  it('signs with the standard AWS credential chain when given no credentials (here: the environment)', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = LOCAL_IAM_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_IAM_CREDENTIALS.secretAccessKey;
    received.length = 0;
    const routes = createAppRoutes({ apiUrl, region: 'us-east-1' });
    const web = createServer((request, response) => {
      void routes(request, response, new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    });
    const webUrl = `http://127.0.0.1:${await listen(web, 0)}`;
    try {
      const signedIn = await post(`${webUrl}/app/sign-in`, { user: 'grace@example.com' });
      const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';

      const answer = await post(`${webUrl}/app/connect-token`, { email: 'grace@example.com' }, { headers: { cookie } });

      expect(answer.status).toBe(200);
      expect(received).toEqual([
        expect.objectContaining({ signed: true, accessKeyId: LOCAL_IAM_CREDENTIALS.accessKeyId }),
      ]);
    } finally {
      await close(web);
      process.env.AWS_ACCESS_KEY_ID = saved.id;
      process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    }
  });
});
