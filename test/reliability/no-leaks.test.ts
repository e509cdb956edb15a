/**
 * No leaks, provoked: every kind of answer the routes give (200 and each
 * problem status, the data gateway's among them) carries `Cache-Control: no-store` and
 * `X-Content-Type-Options: nosniff` and holds no accessToken or secret, even
 * when Human API echoes the client secret and an accessToken back in its
 * error bodies. The logs are structured JSON and hold no token or secret.
 * (Every other reliability file ends with the same scan of its own run.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';
import type { Answer } from '../support/http.js';
import { type Harness, startHarness } from '../support/reliability-harness.js';

const HUMANAPI_TIMEOUT_MS = 500;
const ECHOED_ACCESS_TOKEN = '5ec7e7ac4e55704e40000000000000000000beef';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ name: 'no-leaks', env: { HUMANAPI_TIMEOUT_MS: String(HUMANAPI_TIMEOUT_MS) } });
});

afterAll(async () => {
  await harness?.closeAndScan();
});

/** A Human API error body that repeats everything it was sent, and more. */
function echoingBody(): string {
  return JSON.stringify({
    error: 'Internal error',
    request: { clientId: LOCAL_CLIENT_ID, clientSecret: harness.currentSecret() },
    accessToken: ECHOED_ACCESS_TOKEN,
  });
}

function expectSafe(answer: Answer, status: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('cache-control')).toBe('no-store');
  expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  expect(answer.text).not.toContain(harness.currentSecret());
  expect(answer.text).not.toContain(ECHOED_ACCESS_TOKEN);
  expect(answer.text).not.toMatch(/accessToken|clientSecret/i);
  expect(answer.headers.get('content-type')).toBe(status === 200 ? 'application/json' : 'application/problem+json');
}

describe('every answer of both routes', () => {
  it('200: finish, recover and refresh', async () => {
    const finished = await harness.finish(await harness.mintSession('safe@example.com'));
    expectSafe(finished, 200);
    expect(Object.keys(finished.json).sort()).toEqual(['clientUserId', 'humanId', 'publicToken']);
    expectSafe(await harness.post('/public-tokens', { clientUserId: 'safe@example.com' }), 200);
    expectSafe(await harness.post('/public-tokens', { clientUserId: 'safe@example.com', refresh: true }), 200);
  });

  it('400, 403, 404, 413 and 415', async () => {
    const session = await harness.mintSession('safe@example.com');
    expectSafe(await harness.post('/sessions', { ...session, sessionToken: 'has spaces' }), 400);
    expectSafe(await harness.post('/sessions', '{"humanId":', { contentType: 'application/json' }), 400);
    expectSafe(await harness.post('/sessions', { ...session, clientId: 'f'.repeat(40) }), 403);
    expectSafe(await harness.post('/public-tokens', { clientUserId: 'nobody@example.com' }), 404);
    expectSafe(await harness.post('/sessions', { ...session, padding: 'x'.repeat(17 * 1024) }), 413);
    expectSafe(await harness.post('/public-tokens', 'clientUserId=safe', { contentType: 'text/plain' }), 415);
  });

  it('409 to a duplicate in flight', async () => {
    const session = await harness.mintSession('safe@example.com');
    await harness.injectHumanApiFault({ delayMs: 300 });
    const answers = await Promise.all([
      harness.finish(session),
      new Promise<Answer>((done) => setTimeout(() => done(harness.finish(session)), 100)),
    ]);
    // Whichever got in first finishes; the other is told the session is in flight.
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    for (const answer of answers) expectSafe(answer, answer.status);
  });

  it('422, 502 and 504 when Human API echoes the secret and an accessToken in its answers', async () => {
    const cases: [fault: Parameters<Harness['injectHumanApiFault']>[0], status: number][] = [
      [{ status: 400, body: echoingBody() }, 422],
      [{ status: 429, body: echoingBody() }, 503],
      [{ status: 500, body: echoingBody() }, 502],
      [{ status: 401, count: 2, body: echoingBody() }, 502],
      [{ status: 201, body: echoingBody() }, 502],
      [{ status: 503, delayMs: 3 * HUMANAPI_TIMEOUT_MS, body: echoingBody() }, 504],
    ];
    for (const [fault, status] of cases) {
      const session = await harness.mintSession('safe@example.com');
      await harness.injectHumanApiFault(fault);
      expectSafe(await harness.finish(session), status);
      await harness.injectHumanApiFault(fault);
      expectSafe(await harness.post('/public-tokens', { clientUserId: 'safe@example.com', refresh: true }), status);
    }
  });

  it('200 with only the public fields when Human API adds the secret to a good answer', async () => {
    // Prepare: a well-formed exchange that also repeats the secret.
    const session = await harness.mintSession('echo@example.com');
    await harness.injectHumanApiFault({
      status: 201,
      body: JSON.stringify({
        humanId: session.humanId,
        accessToken: ECHOED_ACCESS_TOKEN,
        publicToken: 'a1'.repeat(16),
        clientId: LOCAL_CLIENT_ID,
        clientUserId: 'echo@example.com',
        clientSecret: harness.currentSecret(),
      }),
    });

    // Act
    const answer = await harness.finish(session);

    // Assess
    expectSafe(answer, 200);
    expect(answer.json).toEqual({
      humanId: session.humanId,
      clientUserId: 'echo@example.com',
      publicToken: 'a1'.repeat(16),
    });
  });

  it('503 when a storage service is down', async () => {
    const session = await harness.mintSession('safe@example.com');
    await harness.injectDynamoDbFault({ count: 100, kind: 'error' });
    expectSafe(await harness.finish(session), 503);
    expectSafe(await harness.post('/public-tokens', { clientUserId: 'safe@example.com' }), 503);
    await harness.resetFaults();
  });
});

describe('every answer of the data gateway', () => {
  const v1User = 'gateway-safe@example.com';
  const data = (path: string, query = '') =>
    harness.gateway(`/users/${encodeURIComponent(v1User)}/human/${path}${query === '' ? '' : `?${query}`}`);

  beforeAll(async () => {
    expectSafe(await harness.finish(await harness.mintSession(v1User)), 200);
  });

  it('200: pages and records, of a v1 user and of a current-generation user with a minted token', async () => {
    const page = await data('activities/summaries', 'limit=5');
    expectSafe(page, 200);
    expect(page.headers.get('x-total-count')).toBe('90');
    expect(page.headers.get('link')).toMatch(/^<\/users\/gateway-safe%40example\.com\/human\/activities\/summaries\?/);
    expectSafe(await data('profile'), 200);

    const created = await harness.post('/connect-tokens', { clientUserId: 'gateway-current', email: 'c@example.com' });
    await harness.post('/sandbox/humanapi-auth/connect/complete', { token: created.json.token });
    expectSafe(await harness.gateway('/users/gateway-current/human/heart_rate/readings?limit=3'), 200);
  });

  it('400, 404 and API Gateway\u2019s 403', async () => {
    expectSafe(await data('passwords'), 400);
    expectSafe(await data('activities/summaries', 'access_token=abc'), 400);
    expectSafe(await harness.gateway('/users/nobody%40example.com/human/profile'), 404);
    expectSafe(await data('activities/nosuchrecord'), 404);
    const unsigned = await harness.gateway(`/users/${encodeURIComponent(v1User)}/human/profile`, { signed: false });
    expect(unsigned.status).toBe(403);
    expect(unsigned.json).toMatchObject({ message: 'Forbidden' });
  });

  it('502, 503 and 504 when Human API echoes the secret and an access token in its answers', async () => {
    const cases: [fault: Parameters<Harness['injectHumanApiFault']>[0], status: number][] = [
      [{ status: 429, body: echoingBody() }, 503],
      [{ status: 500, count: 3, body: echoingBody() }, 502],
      [{ status: 400, body: echoingBody() }, 502],
      [{ status: 200, body: '<html>not JSON</html>' }, 502],
      [{ status: 503, count: 3, delayMs: 3 * HUMANAPI_TIMEOUT_MS, body: echoingBody() }, 504],
    ];
    for (const [fault, status] of cases) {
      await harness.injectHumanApiFault(fault);
      expectSafe(await data('sleeps/summaries', 'limit=2'), status);
    }
    await harness.resetFaults();
  });

  it('502 to a page too large to answer', async () => {
    await harness.injectHumanApiFault({ bodyBytes: 4 * 1024 * 1024 + 1 });
    expectSafe(await data('heart_rate/readings', 'limit=500'), 502);
  });

  it('409 once Human API refuses the user\u2019s token and mints none instead, even when its refusal echoes the secret', async () => {
    // Human API no longer knows the user (the last use of this user): the refused v1 token cannot
    // be replaced by a minted one, so nothing is left to try.
    const deleted = await harness.post('/sandbox/humanapi/users/delete', { clientUserId: v1User });
    expect(deleted.json).toEqual({ deleted: true });
    await harness.injectHumanApiFault({ status: 401, body: echoingBody() });
    expectSafe(await data('profile'), 409);
  });
});

describe('the logs', () => {
  it('are structured JSON after the start banner', async () => {
    // Act
    const lines = harness.logLines;
    const afterBanner = lines.slice(lines.indexOf('Ready.') + 1).filter((line) => line.trim() !== '');

    // Assess
    expect(afterBanner.length).toBeGreaterThan(10);
    const unstructured = afterBanner.filter((line) => {
      try {
        const entry = JSON.parse(line) as { level?: unknown; service?: unknown };
        return typeof entry.level !== 'string' || entry.service !== 'humanapi-connect';
      } catch {
        return true;
      }
    });
    expect(unstructured).toEqual([]);
  });

  it('and the answers hold no token or secret (exact values and token-shaped strings)', async () => {
    // Act
    const scan = await harness.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    expect(scan.knownValues.secrets).toBeGreaterThanOrEqual(1);
    expect(scan.knownValues.accessTokens).toBeGreaterThanOrEqual(2);
  });
});
