/**
 * The data gateway against local mode over HTTP (IAM mode): the data sandbox plays Human API's
 * data API, and each of its answers is mapped as docs/api.md#get-usersclientuseridhumanpath says.
 * `HUMANAPI_TIMEOUT_MS` is 1 s so that a timeout shows within a test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Answer, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost, signRequest } from '../support/sigv4.js';

let local: LocalModeProcess;

/** A signed GET of the gateway, as the team's back end sends it. */
async function gateway(pathAndQuery: string, { signed = true } = {}): Promise<Answer> {
  const url = `${local.apiUrl}${pathAndQuery}`;
  const headers = signed ? await signRequest(url, { method: 'GET' }) : {};
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: tests read `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

const fault = async (body: Record<string, unknown>) => {
  const answer = await post(`${local.apiUrl}/sandbox/humanapi/faults`, body);
  expect(answer.status).toBe(201);
};
const record = async (clientUserId: string) =>
  (await (
    await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`)
  ).json()) as Record<string, unknown>;
const dataCalls = async () =>
  ((await (await fetch(`${local.apiUrl}/sandbox/humanapi-data/stats`)).json()) as { dataCalls: number }).dataCalls;
const expectProblem = (answer: Answer, status: number, slug: string) => {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json).toMatchObject({
    type: `urn:humanconnect:problem:${slug}`,
    status,
    requestId: expect.any(String),
  });
};

/** A v1 user who finished a session, as `/sessions` stores them. */
async function v1User(clientUserId: string) {
  const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, clientUserId));
  expect(finished.status).toBe(200);
}

/** A current-generation user who connected a source in the popup. */
async function currentUser(clientUserId: string) {
  const created = await signedPost(`${local.apiUrl}/connect-tokens`, {
    clientUserId,
    email: `${clientUserId}@example.com`,
  });
  expect(created.status).toBe(200);
  const popup = await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token: created.json.token });
  expect(popup.status).toBe(200);
}

beforeAll(async () => {
  local = await startLocalModeProcess({ env: { HUMANAPI_TIMEOUT_MS: '1000' } });
  await v1User('alice@example.com');
});

beforeEach(async () => {
  await post(`${local.apiUrl}/sandbox/humanapi/faults/reset`, {});
});

afterAll(async () => {
  await local?.stop();
});

describe('GET /users/{clientUserId}/human/{path+}: pages of health data', () => {
  it('answers the sandbox\u2019s page as it came, with its total and links to this API\u2019s own pages', async () => {
    const first = await gateway('/users/alice%40example.com/human/activities/summaries?limit=40');

    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.headers.get('x-total-count')).toBe('90');
    expect(first.headers.get('link')).toBe(
      '</users/alice%40example.com/human/activities/summaries?limit=40&offset=40>; rel="next"',
    );
    const days = JSON.parse(first.text) as { date: string; steps: number; source: string }[];
    expect(days).toHaveLength(40);
    expect(days[0]).toEqual(expect.objectContaining({ source: 'demo-health-system', steps: expect.any(Number) }));
    // The same page read from the sandbox directly is the same text: nothing was re-serialized.
    expect(first.text).not.toContain(local.apiUrl);

    const last = await gateway('/users/alice%40example.com/human/activities/summaries?limit=40&offset=80');
    expect(JSON.parse(last.text)).toHaveLength(10);
    expect(last.headers.get('link')).toBe(
      '</users/alice%40example.com/human/activities/summaries?limit=40&offset=40>; rel="prev"',
    );
  });

  it('reads a record, and a current-generation user\u2019s data with a minted token', async () => {
    await currentUser('bob');

    const profile = await gateway('/users/bob/human/profile');
    const sources = await gateway('/users/bob/human/sources');

    expect(profile.status).toBe(200);
    expect(profile.json).toMatchObject({ humanId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(sources.status).toBe(200);
    expect(JSON.parse(sources.text)).toEqual([expect.objectContaining({ source: 'demo-health-system' })]);
  });

  it('mints a current-generation user\u2019s token again when Human API refuses it, and answers the data', async () => {
    await currentUser('bea');
    expect((await gateway('/users/bea/human/profile')).status).toBe(200);
    await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'bea' });
    const before = await dataCalls();

    const again = await gateway('/users/bea/human/sleeps/summaries?limit=5');

    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toHaveLength(5);
    // The refused call and the call with the token minted again.
    expect((await dataCalls()) - before).toBe(2);
  });
});

describe('GET /users/{clientUserId}/human/{path+}: the user must connect again', () => {
  it('never strands a v1 user whose token Human API revoked: the record says so, a token is minted, and the data comes', async () => {
    await v1User('carl@example.com');
    // Human API revokes the v1 token; the user still has sources there, so it mints access tokens.
    await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'carl@example.com' });
    const before = await record('carl@example.com');

    const answered = await gateway('/users/carl%40example.com/human/profile');
    const after = await record('carl@example.com');
    const again = await gateway('/users/carl%40example.com/human/profile');

    expect(answered.status, answered.text).toBe(200);
    expect(JSON.parse(answered.text)).toMatchObject({ humanId: before.humanId });
    expect(again.status).toBe(200);
    // The refusal is recorded; the v1 token and the humanId stay, and no reconnect is asked for.
    expect(before.accessTokenRefusedAt).toBeUndefined();
    expect(after).toMatchObject({
      reconnectRequired: false,
      humanId: before.humanId,
      publicToken: before.publicToken,
      accessTokenSealed: true,
      accessTokenRefusedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
  });

  it('answers 409 reconnect-required when Human API refuses a v1 token and mints none (deleted there), and the record says so', async () => {
    await v1User('cora@example.com');
    await post(`${local.apiUrl}/sandbox/humanapi/users/delete`, { clientUserId: 'cora@example.com' });
    const before = await record('cora@example.com');

    const refused = await gateway('/users/cora%40example.com/human/profile');
    const after = await record('cora@example.com');
    const offered = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'cora@example.com' });

    expectProblem(refused, 409, 'reconnect-required');
    expect(refused.json.detail).toBe(
      'Human API no longer accepts this user\u2019s access token: the user must connect again.',
    );
    // Two marks; the tokens and the humanId stay.
    expect(before.reconnectRequired).toBe(false);
    expect(after).toMatchObject({
      reconnectRequired: true,
      humanId: before.humanId,
      publicToken: before.publicToken,
      accessTokenSealed: true,
      version: Number(before.version) + 2,
    });
    // Connect is offered again, in create mode: the e-mail address is asked for.
    expect(offered.status).toBe(400);
    expect(offered.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);
  });

  it('answers 409 reconnect-required when Human API mints no token, and /connect-tokens then offers create', async () => {
    // Started Connect, never connected a source: Human API mints no access token for them.
    const started = await signedPost(`${local.apiUrl}/connect-tokens`, {
      clientUserId: 'dora',
      email: 'dora@example.com',
    });
    expect(started.json.mode).toBe('create');
    const before = await dataCalls();

    const refused = await gateway('/users/dora/human/activities/summaries');
    const offered = await signedPost(`${local.apiUrl}/connect-tokens`, {
      clientUserId: 'dora',
      email: 'dora@example.com',
    });

    expectProblem(refused, 409, 'reconnect-required');
    expect(await dataCalls()).toBe(before);
    expect((await record('dora')).reconnectRequired).toBe(true);
    expect(offered.status).toBe(200);
    expect(offered.json.mode).toBe('create');
  });
});

describe('GET /users/{clientUserId}/human/{path+}: what else Human API answers', () => {
  it('answers 404 humanapi-not-found when Human API has no such record', async () => {
    expectProblem(await gateway('/users/alice%40example.com/human/activities/nosuchid'), 404, 'humanapi-not-found');
  });

  it('answers 503 with Human API\u2019s Retry-After when it rate limits, calling once', async () => {
    await fault({ status: 429, retryAfter: 7 });
    const before = await dataCalls();

    const answer = await gateway('/users/alice%40example.com/human/profile');

    expectProblem(answer, 503, 'humanapi-rate-limited');
    expect(answer.headers.get('retry-after')).toBe('7');
    expect((await dataCalls()) - before).toBe(1);
  });

  it('retries Human API\u2019s 5xx and answers the page when a retry gets it', async () => {
    await fault({ status: 503, count: 2 });
    const before = await dataCalls();

    const answer = await gateway('/users/alice%40example.com/human/profile');

    expect(answer.status).toBe(200);
    expect((await dataCalls()) - before).toBe(3);
  });

  it('answers 502 after three calls that all failed', async () => {
    await fault({ status: 500, count: 3 });
    const before = await dataCalls();

    const answer = await gateway('/users/alice%40example.com/human/profile');

    expectProblem(answer, 502, 'humanapi-failed');
    expect(answer.json.detail).toBe('Human API answered 500; try again later.');
    expect((await dataCalls()) - before).toBe(3);
  });

  it('answers 504 when Human API never answers in time, after the retries, within the time budget', async () => {
    await fault({ delayMs: 1500, count: 3 });
    const started = performance.now();

    const answer = await gateway('/users/alice%40example.com/human/profile');

    expectProblem(answer, 504, 'humanapi-timeout');
    // Three calls of 1 s and two short waits, far inside the function's 7 s.
    expect(performance.now() - started).toBeLessThan(6000);
  });

  it('answers 502 data-page-too-large, telling the caller to ask a smaller page, without retrying', async () => {
    await fault({ bodyBytes: 4 * 1024 * 1024 + 1 });
    const before = await dataCalls();

    const answer = await gateway('/users/alice%40example.com/human/heart_rate/readings?limit=500');

    expectProblem(answer, 502, 'data-page-too-large');
    expect(answer.json.detail).toContain('ask a smaller page (limit)');
    expect((await dataCalls()) - before).toBe(1);
  });
});

describe('GET /users/{clientUserId}/human/{path+}: refusals that call nothing', () => {
  it.each([
    ['a path Human API does not document', '/users/alice%40example.com/human/passwords', 'path.path'],
    ['an encoded slash', '/users/alice%40example.com/human/activities%2Fsummaries', 'path.path'],
    ['a limit over 500', '/users/alice%40example.com/human/sources?limit=1000', 'query.limit'],
    ['an unknown parameter', '/users/alice%40example.com/human/sources?callback=x', 'query.callback'],
    ['"me" from an IAM caller', '/users/me/human/profile', 'path.clientUserId'],
  ])('answers 400 for %s, naming %s', async (_, path, parameter) => {
    const before = await dataCalls();

    const answer = await gateway(path);

    expectProblem(answer, 400, 'invalid-parameter');
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: parameter })]);
    expect(await dataCalls()).toBe(before);
  });

  it('answers 404 no-token-record for a user with no record', async () => {
    const before = await dataCalls();

    expectProblem(await gateway('/users/nobody%40example.com/human/profile'), 404, 'no-token-record');
    expect(await dataCalls()).toBe(before);
  });

  it('answers API Gateway\u2019s 403 to an unsigned request', async () => {
    const answer = await gateway('/users/alice%40example.com/human/profile', { signed: false });

    expect(answer.status).toBe(403);
    expect(answer.json.message).toBe('Forbidden');
  });
});

describe('GET /users/{clientUserId}/human/{path+}: the audit line', () => {
  it('logs each call with the caller, the user, the path template, both statuses, bytes, latency and request id', async () => {
    const answer = await gateway('/users/alice%40example.com/human/activities/summaries/2026-01-02');
    const lines = local.output
      .filter((line) => line.includes('"Human data call"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(answer.status).toBe(404);
    expect(lines.at(-1)).toEqual(
      expect.objectContaining({
        level: 'INFO',
        caller: 'arn:aws:iam::000000000000:user/local-app-backend',
        clientUserId: 'alice@example.com',
        pathTemplate: '/v1/human/activities/summaries/{id}',
        upstreamStatus: 404,
        status: 404,
        bytes: 0,
        latencyMs: expect.any(Number),
        requestId: expect.any(String),
      }),
    );
    expect(lines.length).toBeGreaterThan(10);
    expect(local.output.join('\n')).not.toContain('2026-01-02');
  });
});
