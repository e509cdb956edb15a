/**
 * Human API failing, over real HTTP: 5xx, 429 and other 4xx, credential
 * refusals, timeouts, dropped connections, unreadable and wrong-shaped
 * answers. Each answers the status docs/api.md gives it, leaves the user's
 * stored record exactly as it was, and leaves the session token unspent, so
 * the client's retry finishes it. The current generation's auth service
 * (`/connect-tokens`) is put through the same faults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionTimeoutSeconds } from '../../functions/commons/time-budget.js';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';
import type { Answer } from '../support/http.js';
import { type Harness, type StoredRecordView, startHarness } from '../support/reliability-harness.js';

const HUMANAPI_TIMEOUT_MS = 500;
/** The function's time budget for that Human API timeout (what the CDK stack gives Lambda). */
const BUDGET_MS = functionTimeoutSeconds(HUMANAPI_TIMEOUT_MS) * 1000;

const hex = (length: number, digit = 'e') => digit.repeat(length);

/** Answers a broken or buggy Human API might give to a tokens call: all must answer 502. */
const exchange = {
  humanId: hex(24, 'a'),
  accessToken: hex(40, 'b'),
  publicToken: hex(32, 'c'),
  clientId: LOCAL_CLIENT_ID,
  clientUserId: 'someone',
};
const { accessToken: _withoutAccessToken, ...exchangeWithoutAccessToken } = exchange;

type Fault = { status?: number; delayMs?: number; count?: number; body?: string; reset?: boolean };

interface FaultCase {
  readonly name: string;
  readonly fault: Fault;
  readonly status: number;
  /** Calls Human API receives: 2 when a credential refusal makes the function re-read the secret and retry. */
  readonly calls: number;
}

const SESSION_FAULTS: readonly FaultCase[] = [
  { name: '500', fault: { status: 500 }, status: 502, calls: 1 },
  { name: '502', fault: { status: 502 }, status: 502, calls: 1 },
  { name: '503', fault: { status: 503 }, status: 502, calls: 1 },
  { name: '429 (rate limited: 503 with Retry-After)', fault: { status: 429 }, status: 503, calls: 1 },
  { name: '404', fault: { status: 404 }, status: 422, calls: 1 },
  { name: '401, also after re-reading the secret', fault: { status: 401, count: 2 }, status: 502, calls: 2 },
  { name: '403, also after re-reading the secret', fault: { status: 403, count: 2 }, status: 502, calls: 2 },
  { name: 'a timeout', fault: { status: 503, delayMs: 3 * HUMANAPI_TIMEOUT_MS }, status: 504, calls: 1 },
  { name: 'a dropped connection', fault: { reset: true }, status: 502, calls: 1 },
  { name: 'a dropped connection after a delay', fault: { reset: true, delayMs: 200 }, status: 502, calls: 1 },
  { name: 'malformed JSON', fault: { status: 201, body: '{"humanId":"aaaa' }, status: 502, calls: 1 },
  { name: 'HTML', fault: { status: 200, body: '<html><body>Bad gateway</body></html>' }, status: 502, calls: 1 },
  { name: 'an empty body', fault: { status: 201, body: '' }, status: 502, calls: 1 },
  { name: 'JSON null', fault: { status: 201, body: 'null' }, status: 502, calls: 1 },
  { name: 'a JSON array', fault: { status: 201, body: JSON.stringify([exchange]) }, status: 502, calls: 1 },
  { name: 'an empty object', fault: { status: 201, body: '{}' }, status: 502, calls: 1 },
  {
    name: 'an answer without accessToken',
    fault: { status: 201, body: JSON.stringify(exchangeWithoutAccessToken) },
    status: 502,
    calls: 1,
  },
  {
    name: 'an accessToken of the wrong type',
    fault: { status: 201, body: JSON.stringify({ ...exchange, accessToken: 12345 }) },
    status: 502,
    calls: 1,
  },
  {
    name: 'a publicToken with spaces',
    fault: { status: 201, body: JSON.stringify({ ...exchange, publicToken: 'not a token' }) },
    status: 502,
    calls: 1,
  },
  {
    name: 'an answer for another app',
    fault: { status: 201, body: JSON.stringify({ ...exchange, clientId: hex(40, 'f') }) },
    status: 502,
    calls: 1,
  },
  {
    name: 'a 3xx redirect',
    fault: { status: 302, body: '' },
    status: 502,
    calls: 1,
  },
];

const grant = { humanId: hex(24, 'a'), publicToken: hex(32, 'c') };

const PUBLIC_TOKEN_FAULTS: readonly FaultCase[] = [
  // Every session fault but the 2xx bodies shaped for the tokens endpoint.
  ...SESSION_FAULTS.filter(({ fault }) => fault.body === undefined || (fault.status ?? 200) >= 300),
  ...['{"publicToken":', '<html><body>Bad gateway</body></html>', '', 'null', '[]', '{}'].map((body) => ({
    name: `an unreadable answer: ${body === '' ? 'empty' : body}`,
    fault: { status: 200, body },
    status: 502,
    calls: 1,
  })),
  { name: 'an answer without publicToken', fault: { status: 200, body: '{"humanId":"x"}' }, status: 502, calls: 1 },
  {
    name: 'a publicToken of the wrong type',
    fault: { status: 200, body: JSON.stringify({ ...grant, publicToken: 42 }) },
    status: 502,
    calls: 1,
  },
  {
    name: 'a publicToken for another user',
    fault: { status: 200, body: JSON.stringify({ ...grant, humanId: hex(24, 'd') }) },
    status: 502,
    calls: 1,
  },
];

let harness: Harness;
let users = 0;

beforeAll(async () => {
  harness = await startHarness({ name: 'human-api-faults', env: { HUMANAPI_TIMEOUT_MS: String(HUMANAPI_TIMEOUT_MS) } });
});

afterAll(async () => {
  await harness?.closeAndScan();
});

/** A user who finished once: their stored record is what a failure must leave alone. */
async function returningUser(): Promise<{ clientUserId: string; record: StoredRecordView }> {
  users += 1;
  const clientUserId = `returning-${users}@example.com`;
  const answer = await harness.finish(await harness.mintSession(clientUserId));
  expect(answer.status).toBe(200);
  const record = await harness.storedRecord(clientUserId);
  if (record === undefined) throw new Error('the setup finish stored nothing');
  return { clientUserId, record };
}

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json.status).toBe(status);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
}

async function timed<T>(act: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await act();
  return { result, ms: performance.now() - started };
}

describe('POST /sessions when Human API fails', () => {
  it.each(SESSION_FAULTS)(
    'answers $status to $name, keeps the stored record, and the retry finishes',
    async ({ fault, status, calls }) => {
      // Prepare
      const { clientUserId, record } = await returningUser();
      const session = await harness.mintSession(clientUserId);
      const callsBefore = await harness.humanApiCalls();
      await harness.injectHumanApiFault(fault);

      // Act
      const { result: answer, ms } = await timed(() => harness.finish(session));

      // Assess
      expectProblem(answer, status);
      expect(ms).toBeLessThan(BUDGET_MS);
      expect(await harness.humanApiCalls()).toBe(callsBefore + calls);
      expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

      // Act: the client retries the same sessionTokenObject once Human API is back.
      const retry = await harness.finish(session);

      // Assess: the session token was not spent by the failure; the retry stores new tokens.
      expect(retry.status, retry.text).toBe(200);
      expect(
        (
          await harness.checkRecord(clientUserId, {
            publicToken: retry.json.publicToken as string,
            version: record.version + 1,
          })
        ).held,
      ).toBe(true);
    },
  );

  it('stores nothing for a new user when Human API fails', async () => {
    // Prepare
    const session = await harness.mintSession('first-timer@example.com');
    await harness.injectHumanApiFault({ status: 500 });

    // Act
    const answer = await harness.finish(session, 'form');

    // Assess: the public API and the table agree there is no record.
    expectProblem(answer, 502);
    expectProblem(await harness.post('/public-tokens', { clientUserId: 'first-timer@example.com' }), 404);
    expect((await harness.checkRecord('first-timer@example.com', undefined)).held).toBe(true);
  });

  it('re-reads the secret once on a 401 and finishes (a single credential refusal costs no failed request)', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    const callsBefore = await harness.humanApiCalls();
    await harness.injectHumanApiFault({ status: 401 });

    // Act
    const answer = await harness.finish(session);

    // Assess
    expect(answer.status).toBe(200);
    expect(await harness.humanApiCalls()).toBe(callsBefore + 2);
    expect(
      (
        await harness.checkRecord(clientUserId, {
          publicToken: answer.json.publicToken as string,
          version: record.version + 1,
        })
      ).held,
    ).toBe(true);
  });

  it('loses the exchange when Human API spent the session but answered after the timeout (documented)', async () => {
    // Prepare: Human API is slow, then really exchanges the session token.
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectHumanApiFault({ delayMs: 2 * HUMANAPI_TIMEOUT_MS });

    // Act: retry well after Human API has spent the token.
    const answer = await harness.finish(session);
    await new Promise((done) => setTimeout(done, 5 * HUMANAPI_TIMEOUT_MS));
    const retry = await harness.finish(session);

    // Assess: 504, then the retry is refused as the token is spent; the old record stands
    // untouched, and the user has to connect again (docs/reliability.md#what-can-still-be-lost).
    expectProblem(answer, 504);
    expectProblem(retry, 422);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
    harness.figures.extra.documentedLosses = {
      ...(harness.figures.extra.documentedLosses as object),
      'Human API answered after the timeout': 1,
    };
  });
});

describe('POST /public-tokens (refresh) when Human API fails', () => {
  it.each(PUBLIC_TOKEN_FAULTS)(
    'answers $status to $name and keeps the stored publicToken',
    async ({ fault, status, calls }) => {
      // Prepare
      const { clientUserId, record } = await returningUser();
      const callsBefore = await harness.humanApiCalls();
      await harness.injectHumanApiFault(fault);

      // Act
      const answer = await harness.post('/public-tokens', { clientUserId, refresh: true });

      // Assess
      expectProblem(answer, status);
      expect(await harness.humanApiCalls()).toBe(callsBefore + calls);
      expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
      const recovered = await harness.post('/public-tokens', { clientUserId });
      expect(recovered.status).toBe(200);
      expect(recovered.json.publicToken).toBe(record.publicToken);

      // Act: the retry once Human API is back.
      const retry = await harness.post('/public-tokens', { humanId: record.humanId, refresh: true });

      // Assess
      expect(retry.status).toBe(200);
      expect(retry.json.publicToken).not.toBe(record.publicToken);
      expect(
        (
          await harness.checkRecord(clientUserId, {
            publicToken: retry.json.publicToken as string,
            version: record.version + 1,
          })
        ).held,
      ).toBe(true);
    },
  );
});

describe('POST /public-tokens (refresh) after a rotation', () => {
  it('re-reads the secret once on a 401 and answers a fresh publicToken', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const callsBefore = await harness.humanApiCalls();
    await harness.injectHumanApiFault({ status: 401 });

    // Act
    const answer = await harness.post('/public-tokens', { clientUserId, refresh: true });

    // Assess
    expect(answer.status).toBe(200);
    expect(await harness.humanApiCalls()).toBe(callsBefore + 2);
    expect(
      (
        await harness.checkRecord(clientUserId, {
          publicToken: answer.json.publicToken as string,
          version: record.version + 1,
        })
      ).held,
    ).toBe(true);
  });
});

/** Faults of the current generation's auth service (`/v1/connect/token`) as `/connect-tokens` meets them. */
const CONNECT_TOKEN_FAULTS: readonly FaultCase[] = [
  { name: '500', fault: { status: 500 }, status: 502, calls: 1 },
  { name: '503', fault: { status: 503 }, status: 502, calls: 1 },
  { name: '429', fault: { status: 429 }, status: 503, calls: 1 },
  { name: '401, also after re-reading the secret', fault: { status: 401, count: 2 }, status: 502, calls: 2 },
  { name: 'a timeout', fault: { status: 503, delayMs: 3 * HUMANAPI_TIMEOUT_MS }, status: 504, calls: 1 },
  { name: 'a dropped connection', fault: { reset: true }, status: 502, calls: 1 },
  { name: 'malformed JSON', fault: { status: 200, body: '{"id_token":"aaaa' }, status: 502, calls: 1 },
  { name: 'an empty object', fault: { status: 200, body: '{}' }, status: 502, calls: 1 },
  {
    name: 'a token with spaces',
    fault: { status: 200, body: '{"id_token":"a b","expires_in":60}' },
    status: 502,
    calls: 1,
  },
  { name: 'a 3xx redirect', fault: { status: 302, body: '' }, status: 502, calls: 1 },
];

/** Calls the auth sandbox received (`/v1/connect/token`). */
async function authCalls(): Promise<number> {
  const answer = await harness.get('/sandbox/humanapi-auth/stats');
  if (typeof answer.json.tokenCalls !== 'number') throw new Error(`no auth sandbox stats: ${answer.text}`);
  return answer.json.tokenCalls;
}

describe("POST /connect-tokens when Human API's auth service fails", () => {
  it.each(CONNECT_TOKEN_FAULTS)(
    'answers $status to $name, keeps the stored record, and the retry answers an edit token',
    async ({ fault, status, calls }) => {
      // Prepare: a user who connected (through v1), so Human API is asked for an id_token.
      const { clientUserId, record } = await returningUser();
      const callsBefore = await authCalls();
      await harness.injectHumanApiFault(fault);

      // Act
      const { result: answer, ms } = await timed(() => harness.post('/connect-tokens', { clientUserId }));

      // Assess
      expectProblem(answer, status);
      if (status === 503) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ms).toBeLessThan(BUDGET_MS);
      expect(await authCalls()).toBe(callsBefore + calls);
      expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

      // Act: the retry once Human API is back.
      const retry = await harness.post('/connect-tokens', { clientUserId });

      // Assess
      expect(retry.status, retry.text).toBe(200);
      expect(retry.json).toMatchObject({ mode: 'edit', humanId: record.humanId });
    },
  );

  it('asks again as type id_token when Human API refuses type id (404), and answers an edit token', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const callsBefore = await authCalls();
    await harness.injectHumanApiFault({ status: 404 });

    // Act
    const answer = await harness.post('/connect-tokens', { clientUserId });

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ mode: 'edit', humanId: record.humanId });
    expect(await authCalls()).toBe(callsBefore + 2);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
  });

  it('answers 400 naming email when Human API refuses a connected user an id token of both types (404), marking the record, and the retry answers an edit token', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const callsBefore = await authCalls();
    await harness.injectHumanApiFault({ status: 404, count: 2 });

    // Act
    const answer = await harness.post('/connect-tokens', { clientUserId });

    // Assess: no longer connected as far as the record knows; its tokens and humanId stay.
    expectProblem(answer, 400);
    expect(answer.json.errors).toEqual([{ path: 'email', message: 'Required for a user who is not connected' }]);
    expect(await authCalls()).toBe(callsBefore + 2);
    const marked = { humanId: record.humanId, publicToken: record.publicToken, version: record.version + 1 };
    expect((await harness.checkRecord(clientUserId, marked)).held).toBe(true);

    // Act: the retry once Human API grants the id token again.
    const retry = await harness.post('/connect-tokens', { clientUserId });

    // Assess: connected again (the record says so once more).
    expect(retry.status, retry.text).toBe(200);
    expect(retry.json).toMatchObject({ mode: 'edit', humanId: record.humanId });
    expect((await harness.checkRecord(clientUserId, { ...marked, version: record.version + 2 })).held).toBe(true);
  });

  it('stores nothing for a new user when the session mint fails', async () => {
    // Prepare
    await harness.injectHumanApiFault({ status: 500 });

    // Act
    const answer = await harness.post('/connect-tokens', {
      clientUserId: 'new-current@example.com',
      email: 'new-current@example.com',
    });

    // Assess
    expectProblem(answer, 502);
    expect((await harness.checkRecord('new-current@example.com', undefined)).held).toBe(true);
  });

  it('heals a rotation: the stale secret is refused once, re-read, and the request answers 200', async () => {
    // Prepare: the function has the old secret cached; ops rotate it.
    const { clientUserId } = await returningUser();
    expect((await harness.post('/connect-tokens', { clientUserId })).status).toBe(200);
    await harness.rotateSecret();
    const callsBefore = await authCalls();

    // Act
    const answer = await harness.post('/connect-tokens', { clientUserId });

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.mode).toBe('edit');
    expect(await authCalls()).toBe(callsBefore + 2);
  });
});

describe('the Human API fault run', () => {
  it('leaks no token or secret in its logs or answers', async () => {
    // Act
    const scan = await harness.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    expect(scan.knownValues.accessTokens).toBeGreaterThan(0);
  });
});
