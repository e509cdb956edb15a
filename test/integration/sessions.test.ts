import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault, mintSession, post } from '../support/http.js';
import { scanForLeaks } from '../support/leak-scan.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;
let userCount = 0;
const newUser = (label: string) => `${label}-${++userCount}@example.com`;

const finish = (body: unknown, contentType?: string) =>
  post(`${local.apiUrl}/sessions`, body, contentType === undefined ? {} : { contentType });
const storedPublicToken = async (clientUserId: string) => {
  const answer = await signedPost(`${local.apiUrl}/public-tokens`, { clientUserId });
  return answer.status === 200 ? answer.json.publicToken : answer.status;
};
const expectProblem = (answer: Awaited<ReturnType<typeof post>>, status: number) => {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
};

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('POST /sessions over HTTP against dynalite and the Human API sandbox', () => {
  it('finishes a JSON sessionTokenObject: 200 { humanId, clientUserId, publicToken }, stored, never cached', async () => {
    const user = newUser('json');
    const session = await mintSession(local.apiUrl, user);

    const answer = await finish(session);

    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json).sort()).toEqual(['clientUserId', 'humanId', 'publicToken']);
    expect(answer.json).toMatchObject({ humanId: session.humanId, clientUserId: user });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await storedPublicToken(user)).toBe(answer.json.publicToken);
  });

  it('finishes the form-urlencoded body jQuery\u2019s $.post(url, sessionTokenObject) sends', async () => {
    const user = newUser('jquery');
    const session = await mintSession(local.apiUrl, user);

    const answer = await finish(
      new URLSearchParams({ ...session }).toString(),
      'application/x-www-form-urlencoded; charset=UTF-8',
    );

    expect(answer.status).toBe(200);
    expect(answer.json.clientUserId).toBe(user);
  });

  it('finishes the JSON body of the mobile SDKs (charset, extra fields ignored)', async () => {
    const user = newUser('mobile');
    const session = await mintSession(local.apiUrl, user);

    const answer = await finish({ ...session, sdk: 'ios', version: '4.2' }, 'application/json; charset=utf-8');

    expect(answer.status).toBe(200);
    expect(typeof answer.json.publicToken).toBe('string');
  });

  it('overwrites the stored tokens on every finish: a new publicToken per connected source', async () => {
    const user = newUser('sources');
    const first = await finish(await mintSession(local.apiUrl, user));

    const second = await finish(await mintSession(local.apiUrl, user));

    expect(second.status).toBe(200);
    expect(second.json.humanId).toBe(first.json.humanId);
    expect(second.json.publicToken).not.toBe(first.json.publicToken);
    expect(await storedPublicToken(user)).toBe(second.json.publicToken);
  });

  it('answers a replayed sessionTokenObject with the same body, without a second exchange', async () => {
    const session = await mintSession(local.apiUrl, newUser('replay'));
    const first = await finish(session);

    const replay = await finish(session);

    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
  });

  it('answers 409 to a duplicate arriving while the first is still in flight', async () => {
    const session = await mintSession(local.apiUrl, newUser('inflight'));
    await injectHumanApiFault(local.apiUrl, { delayMs: 1500 });

    const first = finish(session);
    await new Promise((done) => setTimeout(done, 300));
    const duplicate = await finish(session);

    expectProblem(duplicate, 409);
    expect((await first).status).toBe(200);
  });

  it('exchanges 5 identical parallel posts once: 200s with one body, or 409', async () => {
    const user = newUser('parallel-identical');
    const session = await mintSession(local.apiUrl, user);
    await injectHumanApiFault(local.apiUrl, { delayMs: 300 });

    const answers = await Promise.all(Array.from({ length: 5 }, () => finish(session)));

    const successes = answers.filter((answer) => answer.status === 200);
    expect(successes.length).toBeGreaterThanOrEqual(1);
    expect(new Set(successes.map((answer) => answer.text)).size).toBe(1);
    expect(answers.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
    expect(await storedPublicToken(user)).toBe(successes[0]?.json.publicToken);
  });

  it('finishes 10 parallel sessions of one user and keeps the tokens of the latest exchange', async () => {
    const user = newUser('parallel-user');
    const sessions = await Promise.all(Array.from({ length: 10 }, () => mintSession(local.apiUrl, user)));

    const answers = await Promise.all(sessions.map((session) => finish(session)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    // A finish whose exchange is older than the tokens stored meanwhile answers those newer tokens.
    const publicTokens = answers.map((answer) => answer.json.publicToken);
    const stored = await storedPublicToken(user);
    expect(publicTokens).toContain(stored);
    const record = await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(user)}`);
    const { version } = (await record.json()) as { version: number };
    expect(version).toBeGreaterThanOrEqual(1);
    expect(version).toBeLessThanOrEqual(10);
  });

  it('keeps working through a secret rotation: 20 parallel finishes right after it all answer 200', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 20 }, () => mintSession(local.apiUrl, newUser('rotation'))),
    );
    const rotated = await post(`${local.apiUrl}/sandbox/humanapi/rotate-secret`, {});
    expect(rotated.status).toBe(200);

    const answers = await Promise.all(sessions.map((session) => finish(session)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
  });
});

describe('POST /sessions refusals: problem+json, and nothing changes', () => {
  it.each([
    ['broken JSON', '{"humanId": "abc"', 'application/json'],
    ['a JSON string', '"sessionToken"', 'application/json'],
    ['a duplicated form field', 'humanId=a&humanId=b&clientId=c&sessionToken=d', 'application/x-www-form-urlencoded'],
  ])('answers 400 to %s', async (_, body, contentType) => {
    expectProblem(await finish(body, contentType), 400);
  });

  it('answers 400 naming each invalid field, and the untouched session still finishes afterwards', async () => {
    const user = newUser('invalid');
    const session = await mintSession(local.apiUrl, user);

    const answer = await finish({ ...session, humanId: '', sessionToken: 12 });

    expectProblem(answer, 400);
    const errors = answer.json.errors as { path: string; message: string }[];
    expect(new Set(errors.map((error) => error.path))).toEqual(new Set(['humanId', 'sessionToken']));
    expect(errors.every((error) => error.message.length > 0)).toBe(true);
    expect(await storedPublicToken(user)).toBe(404);
    expect((await finish(session)).status).toBe(200);
  });

  it('answers 403 to another app\u2019s clientId and stores nothing', async () => {
    const user = newUser('foreign');
    const session = await mintSession(local.apiUrl, user, randomBytes(20).toString('hex'));

    expectProblem(await finish(session), 403);
    expect(await storedPublicToken(user)).toBe(404);
  });

  it('answers 413 to a body over 16 KiB', async () => {
    const session = await mintSession(local.apiUrl, newUser('large'));

    expectProblem(await finish({ ...session, padding: 'x'.repeat(16 * 1024) }), 413);
  });

  it('answers 415 to a content type other than JSON or form-urlencoded', async () => {
    const session = await mintSession(local.apiUrl, newUser('text'));

    expectProblem(await finish(JSON.stringify(session), 'text/plain'), 415);
  });

  it('answers 422 when Human API rejects the session token (unknown, or not this humanId\u2019s)', async () => {
    const session = await mintSession(local.apiUrl, newUser('rejected'));

    expectProblem(await finish({ ...session, sessionToken: randomBytes(16).toString('hex') }), 422);
    expectProblem(await finish({ ...session, humanId: randomBytes(12).toString('hex') }), 422);
  });
});

describe('POST /sessions when a dependency fails: the documented status, the stored record unchanged', () => {
  let user: string;
  let storedBefore: unknown;

  beforeAll(async () => {
    user = newUser('faults');
    const answer = await finish(await mintSession(local.apiUrl, user));
    storedBefore = answer.json.publicToken;
  });

  it.each<[string, number, Parameters<typeof injectHumanApiFault>[1]]>([
    ['a Human API 500', 502, { status: 500 }],
    ['a Human API 503', 502, { status: 503 }],
    ['a Human API 429', 503, { status: 429 }],
    ['unreadable JSON from Human API', 502, { status: 200, body: '{"humanId":' }],
    ['a wrong-shaped answer from Human API', 502, { status: 201, body: '{"ok":true}' }],
    ['a dropped connection', 502, { reset: true }],
    ['app credentials refused even after re-reading the secret', 502, { status: 401, count: 2 }],
  ])('%s answers %i', async (_, status, fault) => {
    const session = await mintSession(local.apiUrl, user);
    await injectHumanApiFault(local.apiUrl, fault);

    expectProblem(await finish(session), status);
    expect(await storedPublicToken(user)).toBe(storedBefore);
  });

  it("passes Human API's rate limiting on as 503 with a Retry-After", async () => {
    const session = await mintSession(local.apiUrl, user);
    await injectHumanApiFault(local.apiUrl, { status: 429 });

    const answer = await finish(session);

    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(await storedPublicToken(user)).toBe(storedBefore);
  });

  it('DynamoDB and the outbox failing past the SDK retries answers 503; the retry of the same object stores the exchanged tokens', async () => {
    const session = await mintSession(local.apiUrl, user);
    await post(`${local.apiUrl}/sandbox/dynamodb/faults`, {
      operation: 'UpdateItem',
      tableName: 'humanapi-tokens',
      count: 3,
    });
    await post(`${local.apiUrl}/sandbox/sqs/faults`, { operation: 'SendMessage', count: 3 });

    expectProblem(await finish(session), 503);
    expect(await storedPublicToken(user)).toBe(storedBefore);

    const retry = await finish(session);
    expect(retry.status).toBe(200);
    expect(await storedPublicToken(user)).toBe(retry.json.publicToken);
    storedBefore = retry.json.publicToken;
  });

  it('a late retry of an exchange whose write failed keeps the newer tokens stored since, and answers them', async () => {
    const lateUser = newUser('late-retry');
    const older = await mintSession(local.apiUrl, lateUser);
    const newer = await mintSession(local.apiUrl, lateUser);
    await post(`${local.apiUrl}/sandbox/dynamodb/faults`, {
      operation: 'UpdateItem',
      tableName: 'humanapi-tokens',
      count: 3,
    });
    await post(`${local.apiUrl}/sandbox/sqs/faults`, { operation: 'SendMessage', count: 3 });
    expectProblem(await finish(older), 503);
    const finishedNewer = await finish(newer);

    const lateRetry = await finish(older);

    expect(lateRetry.status).toBe(200);
    expect(lateRetry.json.publicToken).toBe(finishedNewer.json.publicToken);
    const record = await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(lateUser)}`);
    expect(await record.json()).toMatchObject({ publicToken: finishedNewer.json.publicToken, version: 1 });
  });

  it('Secrets Manager failing past the SDK retries answers 503 without storing', async () => {
    const session = await mintSession(local.apiUrl, user);
    // A rotation makes the cached secret stale, so the function must re-read it: that read fails.
    await post(`${local.apiUrl}/sandbox/humanapi/rotate-secret`, {});
    await post(`${local.apiUrl}/sandbox/secretsmanager/faults`, { count: 3 });

    expectProblem(await finish(session), 503);
    expect(await storedPublicToken(user)).toBe(storedBefore);
    await post(`${local.apiUrl}/sandbox/faults/reset`, {});
    expect((await finish(await mintSession(local.apiUrl, user))).status).toBe(200);
  });
});

describe('logs of the whole run', () => {
  it('are structured JSON and hold no accessToken, publicToken, session token or secret', async () => {
    const session = await mintSession(local.apiUrl, newUser('logs'));
    await injectHumanApiFault(local.apiUrl, { status: 500 });
    await finish(session);

    const jsonLines = local.output.filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const line of jsonLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(scanForLeaks({ logLines: local.output })).toEqual([]);
  });
});
