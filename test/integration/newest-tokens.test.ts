/**
 * The bullets over HTTP against local mode (docs/design.md#storage-and-integrity,
 * docs/design.md#outbox): each reproduces what used to go wrong and checks it no longer does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, injectHumanApiFault, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

const TOKENS = 'humanapi-tokens';
/** Past the SDK's 3 attempts. */
const PAST_RETRIES = 3;

let local: LocalModeProcess;
let userCount = 0;
const newUser = (label: string) => `${label}-${++userCount}@example.com`;

interface RecordView {
  readonly publicToken: string;
  readonly version: number;
  readonly accessTokenIssuedAt: string;
  readonly publicTokenIssuedAt: string;
  readonly accessTokenSealed: boolean;
  readonly plaintextAccessToken: boolean;
}

const finish = (body: unknown, contentType?: string) =>
  post(`${local.apiUrl}/sessions`, body, contentType === undefined ? {} : { contentType });
const refresh = (clientUserId: string) => signedPost(`${local.apiUrl}/public-tokens`, { clientUserId, refresh: true });
const hook = async (path: string, body: object) => {
  const answer = await post(`${local.apiUrl}${path}`, body);
  if (answer.status >= 300) throw new Error(`${path} answered ${answer.status}`);
};
async function record(clientUserId: string): Promise<RecordView | undefined> {
  const answer = await fetch(
    `${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`,
  );
  if (answer.status === 404) return undefined;
  const json: unknown = await answer.json();
  return json as RecordView;
}
/** Polls until `check` holds (the drain runs every 200 ms locally), at most 15 s. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((done) => setTimeout(done, 100));
  }
}
const ok = (answer: Answer) => {
  expect(answer.status, answer.text).toBe(200);
  return answer.json.publicToken as string;
};

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('newest tokens win, over HTTP', () => {
  it('keeps finish #2\u2019s accessToken when its write fails, a refresh lands in the gap, and the client retries', async () => {
    // Prepare: finish #1; finish #2's write and the outbox fail (503).
    const user = newUser('gap');
    ok(await finish(await mintSession(local.apiUrl, user)));
    const second = await mintSession(local.apiUrl, user);
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    await hook('/sandbox/sqs/faults', { operation: 'SendMessage', count: PAST_RETRIES });
    const failed = await finish(second);
    const afterFirst = await record(user);

    // Act: a refresh lands in the gap; the client retries finish #2.
    const refreshed = ok(await refresh(user));
    const retried = ok(await finish(second));

    // Assess: #2's accessToken (issued after #1's), and the refresh's newer publicToken.
    expect(failed.status).toBe(503);
    const stored = await record(user);
    expect(stored?.accessTokenIssuedAt).not.toBe(afterFirst?.accessTokenIssuedAt);
    expect((stored?.accessTokenIssuedAt ?? '') < (stored?.publicTokenIssuedAt ?? '')).toBe(true);
    expect(stored?.publicToken).toBe(refreshed);
    expect(retried).toBe(refreshed);
    expect(stored?.accessTokenSealed).toBe(true);
  });

  it('keeps a slow refresh\u2019s own newer publicToken when a finish lands during its Human API call', async () => {
    // Prepare
    const user = newUser('slow-refresh');
    ok(await finish(await mintSession(local.apiUrl, user)));
    const session = await mintSession(local.apiUrl, user);
    await injectHumanApiFault(local.apiUrl, { delayMs: 1500 });

    // Act: the refresh takes the delayed call; the finish lands while it waits.
    const refreshing = refresh(user);
    await new Promise((done) => setTimeout(done, 300));
    const finished = ok(await finish(session));
    const refreshed = ok(await refreshing);

    // Assess: the refresh's publicToken was issued last, and stands; the finish's accessToken too.
    const stored = await record(user);
    expect(refreshed).not.toBe(finished);
    expect(stored?.publicToken).toBe(refreshed);
    expect(ok(await signedPost(`${local.apiUrl}/public-tokens`, { clientUserId: user }))).toBe(refreshed);
  });

  it('answers 200 when the token write fails after Human API answered, and the record appears once DynamoDB recovers', async () => {
    // Prepare
    const user = newUser('outbox');
    const session = await mintSession(local.apiUrl, user);
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES + 2 });

    // Act
    const answered = ok(await finish(session));

    // Assess: the drain applied the queued grant once DynamoDB took writes again.
    const stored = await eventually(
      () => record(user),
      (view) => view !== undefined,
    );
    expect(stored).toMatchObject({ publicToken: answered, version: 1, accessTokenSealed: true });
    const depths = await eventually(
      async () => (await fetch(`${local.apiUrl}/sandbox/sqs/stats`)).json() as Promise<{ outbox: number }>,
      (value) => value.outbox === 0,
    );
    expect(depths).toEqual({ outbox: 0, deadLetters: 0, rejected: 0 });
  });

  it('drains a queued grant without replacing the newer tokens of a finish that landed first', async () => {
    // Prepare: the drain cannot receive for now; the older finish's write fails into the outbox.
    const user = newUser('late-drain');
    const older = await mintSession(local.apiUrl, user);
    const newer = await mintSession(local.apiUrl, user);
    await hook('/sandbox/sqs/faults', { operation: 'ReceiveMessage', count: 1000 });
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    const olderAnswer = ok(await finish(older));
    const newerAnswer = ok(await finish(newer));

    // Act: the drain comes back and applies the older grant.
    await hook('/sandbox/faults/reset', {});
    const depths = await eventually(
      async () => (await fetch(`${local.apiUrl}/sandbox/sqs/stats`)).json() as Promise<{ outbox: number }>,
      (value) => value.outbox === 0,
    );

    // Assess
    expect(depths.outbox).toBe(0);
    expect(olderAnswer).not.toBe(newerAnswer);
    expect(await record(user)).toMatchObject({ publicToken: newerAnswer, version: 1 });
  });

  it('answers 503 when DynamoDB and the outbox both fail, and stores the held exchange on the retry', async () => {
    const user = newUser('both-down');
    const session = await mintSession(local.apiUrl, user);
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    await hook('/sandbox/sqs/faults', { operation: 'SendMessage', count: PAST_RETRIES });

    const failed = await finish(session);
    const retried = ok(await finish(session));

    expect(failed.status).toBe(503);
    expect(await record(user)).toMatchObject({ publicToken: retried, accessTokenSealed: true });
  });

  it('answers 503 when KMS fails after Human API answered, and stores the held exchange on the retry', async () => {
    const user = newUser('kms-down');
    const session = await mintSession(local.apiUrl, user);
    await hook('/sandbox/kms/faults', { count: PAST_RETRIES });

    const failed = await finish(session);
    const retried = ok(await finish(session));

    expect(failed.status).toBe(503);
    expect(await record(user)).toMatchObject({ publicToken: retried, accessTokenSealed: true });
  });

  it('answers a late replay of an old sessionTokenObject with the user\u2019s current publicToken', async () => {
    const user = newUser('replay');
    const first = await mintSession(local.apiUrl, user);
    const firstAnswer = ok(await finish(first));
    const unchanged = ok(await finish(first));
    const current = ok(await finish(await mintSession(local.apiUrl, user)));

    const replay = ok(await finish(first));

    expect(unchanged).toBe(firstAnswer);
    expect(replay).toBe(current);
  });

  it.each<[string, { humanId?: string; clientUserId?: string }]>([
    ['another humanId than the posted one', { humanId: 'ff'.repeat(12) }],
    ['a clientUserId with a control character', { clientUserId: 'bad\u0007user@example.com' }],
    ['a clientUserId with a lone surrogate', { clientUserId: 'bad\ud800user@example.com' }],
    ['a clientUserId over the length limit', { clientUserId: 'x'.repeat(300) }],
  ])('answers 502 and stores nothing when Human API answers %s', async (_, overrides) => {
    const user = newUser('inconsistent');
    const session = await mintSession(local.apiUrl, user);
    const body = JSON.stringify({
      humanId: session.humanId,
      accessToken: 'ac'.repeat(20),
      publicToken: 'pb'.repeat(16),
      clientId: session.clientId,
      clientUserId: user,
      ...overrides,
    });
    await injectHumanApiFault(local.apiUrl, { status: 201, body });

    const answer = await finish(session);

    expect(answer.status).toBe(502);
    expect(await record(user)).toBeUndefined();
    // A lone surrogate has no URL form: that record could not be stored either (not a valid key).
    if (overrides.clientUserId?.isWellFormed()) expect(await record(overrides.clientUserId)).toBeUndefined();
  });

  it.each([
    ['application/json ; charset=utf-8', 'json'],
    ['application/x-www-form-urlencoded ;charset=UTF-8', 'form'],
  ])('parses %s exactly like the plain type', async (contentType, encoding) => {
    const session = await mintSession(local.apiUrl, newUser('content-type'));
    const body = encoding === 'json' ? JSON.stringify(session) : new URLSearchParams({ ...session }).toString();

    ok(await finish(body, contentType));
  });
});
