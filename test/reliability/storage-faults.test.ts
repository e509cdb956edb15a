/**
 * DynamoDB and Secrets Manager failing, over real HTTP, through local mode's
 * fault hooks (a proxy in front of dynalite; the local Secrets Manager
 * endpoint). Short failures are absorbed by the SDK's retries inside the
 * function's time budget; longer ones answer 503 and change no stored record.
 * The window where Human API has exchanged the session but the write failed
 * is covered by the outbox (drained into the table), by the client's retry
 * when the outbox fails too, and the one case where neither helps is shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionTimeoutSeconds } from '../../functions/commons/time-budget.js';
import { LOCAL_TABLE_NAMES } from '../../local/dynamodb.js';
import type { Answer } from '../support/http.js';
import { type Harness, type StoredRecordView, startHarness } from '../support/reliability-harness.js';

const HUMANAPI_TIMEOUT_MS = 500;
/** The function's time budget for that Human API timeout (what the CDK stack gives Lambda). */
const BUDGET_MS = functionTimeoutSeconds(HUMANAPI_TIMEOUT_MS) * 1000;
/** The SDK clients make 3 attempts: this many consecutive failures outlast them. */
const PAST_RETRIES = 3;
const env = { HUMANAPI_TIMEOUT_MS: String(HUMANAPI_TIMEOUT_MS) };
const TOKENS = LOCAL_TABLE_NAMES.tokens;
const IDEMPOTENCY = LOCAL_TABLE_NAMES.idempotency;

type Kind = 'error' | 'throttle' | 'reset';
const KINDS: readonly Kind[] = ['error', 'throttle', 'reset'];

let harness: Harness;
let users = 0;

beforeAll(async () => {
  harness = await startHarness({ name: 'storage-faults', env });
});

afterAll(async () => {
  await harness?.closeAndScan();
});

/** A user who finished once: their stored record is what a failure must leave alone. */
async function returningUser(on: Harness = harness): Promise<{ clientUserId: string; record: StoredRecordView }> {
  users += 1;
  const clientUserId = `stored-${users}@example.com`;
  const answer = await on.finish(await on.mintSession(clientUserId));
  expect(answer.status).toBe(200);
  const record = await on.storedRecord(clientUserId);
  if (record === undefined) throw new Error('the setup finish stored nothing');
  return { clientUserId, record };
}

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json.status).toBe(status);
}

async function timed<T>(act: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await act();
  return { result, ms: performance.now() - started };
}

const newRecord = (answer: Answer, record: StoredRecordView) => ({
  publicToken: answer.json.publicToken as string,
  version: record.version + 1,
});

describe('DynamoDB failing for a while', () => {
  it.each(KINDS)('absorbs %s on the token write within the SDK retries: 200 inside the time budget', async (kind) => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES - 1, kind });

    // Act
    const { result: answer, ms } = await timed(() => harness.finish(session));

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(ms).toBeLessThan(BUDGET_MS);
    expect((await harness.checkRecord(clientUserId, newRecord(answer, record))).held).toBe(true);
  });

  it.each(KINDS)(
    'answers 503 to %s on every operation (DynamoDB unreachable), inside the time budget, changing nothing',
    async (kind) => {
      // Prepare
      const { clientUserId, record } = await returningUser();
      const session = await harness.mintSession(clientUserId);
      const callsBefore = await harness.humanApiCalls();
      await harness.injectDynamoDbFault({ count: 1000, kind });

      // Act
      const finish = await timed(() => harness.finish(session));
      const recover = await timed(() => harness.post('/public-tokens', { clientUserId }));
      const refresh = await timed(() => harness.post('/public-tokens', { humanId: record.humanId, refresh: true }));
      await harness.resetFaults();

      // Assess: refused before Human API was asked anything (the idempotency record could not be written).
      harness.figures.extra.unavailable = {
        ...(harness.figures.extra.unavailable as object),
        [`DynamoDB ${kind}: slowest 503 (ms)`]: Math.round(Math.max(finish.ms, recover.ms, refresh.ms)),
        'function time budget (ms)': BUDGET_MS,
      };
      for (const { result, ms } of [finish, recover, refresh]) {
        expectProblem(result, 503);
        expect(ms).toBeLessThan(BUDGET_MS);
      }
      expect(await harness.humanApiCalls()).toBe(callsBefore);
      expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

      // Act: DynamoDB is back; the client retries.
      const retry = await harness.finish(session);

      // Assess
      expect(retry.status, retry.text).toBe(200);
      expect((await harness.checkRecord(clientUserId, newRecord(retry, record))).held).toBe(true);
    },
  );

  it('answers 503 when the idempotency record cannot be written, before Human API is called', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    const callsBefore = await harness.humanApiCalls();
    await harness.injectDynamoDbFault({ operation: 'PutItem', tableName: IDEMPOTENCY, count: PAST_RETRIES });

    // Act
    const answer = await harness.finish(session);
    const retry = await harness.finish(session);

    // Assess
    expectProblem(answer, 503);
    expect(retry.status, retry.text).toBe(200);
    expect(await harness.humanApiCalls()).toBe(callsBefore + 1);
    expect((await harness.checkRecord(clientUserId, newRecord(retry, record))).held).toBe(true);
  });

  it('answers 200 when the tokens are stored but the idempotency record cannot be completed', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: IDEMPOTENCY, count: PAST_RETRIES });

    // Act
    const answer = await harness.finish(session);

    // Assess: the record changed, so the request must not be reported as failed (docs/api.md).
    expect(answer.status, answer.text).toBe(200);
    expect((await harness.checkRecord(clientUserId, newRecord(answer, record))).held).toBe(true);
  });

  it('answers 503 to a failed recovery read, without calling Human API', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const callsBefore = await harness.humanApiCalls();
    await harness.injectDynamoDbFault({ operation: 'GetItem', tableName: TOKENS, count: PAST_RETRIES });
    await harness.injectDynamoDbFault({ operation: 'Query', tableName: TOKENS, count: PAST_RETRIES });

    // Act
    const byClientUserId = await harness.post('/public-tokens', { clientUserId, refresh: true });
    const byHumanId = await harness.post('/public-tokens', { humanId: record.humanId, refresh: true });
    const retry = await harness.post('/public-tokens', { clientUserId });

    // Assess
    expectProblem(byClientUserId, 503);
    expectProblem(byHumanId, 503);
    expect(await harness.humanApiCalls()).toBe(callsBefore);
    expect(retry.status).toBe(200);
    expect(retry.json.publicToken).toBe(record.publicToken);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
  });

  it('answers 503 when a refreshed publicToken cannot be stored, and keeps the stored one', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });

    // Act
    const answer = await harness.post('/public-tokens', { clientUserId, refresh: true });
    const recovered = await harness.post('/public-tokens', { clientUserId });

    // Assess
    expectProblem(answer, 503);
    expect(recovered.json.publicToken).toBe(record.publicToken);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
  });

  it('answers 503 when Human API fails and the idempotency record cannot be cleared; the retry gets 409 until it expires, then finishes', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectHumanApiFault({ status: 500 });
    await harness.injectDynamoDbFault({ operation: 'DeleteItem', tableName: IDEMPOTENCY, count: PAST_RETRIES });

    // Act
    const answer = await harness.finish(session);
    const early = await harness.finish(session);

    // Assess
    expectProblem(answer, 503);
    expectProblem(early, 409);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

    // Act: the in-progress record expires with the invocation's time budget.
    await new Promise((done) => setTimeout(done, BUDGET_MS + 500));
    const late = await harness.finish(session);

    // Assess
    expect(late.status, late.text).toBe(200);
    expect((await harness.checkRecord(clientUserId, newRecord(late, record))).held).toBe(true);
  });
});

describe('the window where Human API exchanged the session but the write failed', () => {
  /** The outbox (SQS stand-in) refusing this many SendMessage calls: past the SDK's retries. */
  const failOutbox = () => harness.post('/sandbox/sqs/faults', { operation: 'SendMessage', count: PAST_RETRIES });
  const outboxDepth = async () => (await harness.get('/sandbox/sqs/stats')).json.outbox;

  async function eventuallyHeld(clientUserId: string, expected: Partial<StoredRecordView>): Promise<boolean> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const actual = await harness.storedRecord(clientUserId);
      const held =
        actual !== undefined &&
        Object.entries(expected).every(([key, value]) => actual[key as keyof StoredRecordView] === value);
      if (held || Date.now() > deadline) return (await harness.checkRecord(clientUserId, expected)).held;
      await new Promise((done) => setTimeout(done, 100));
    }
  }

  it.each(KINDS)(
    'answers 200 and queues the grant in the outbox; the drain stores it once DynamoDB recovers (%s)',
    async (kind) => {
      // Prepare
      const { clientUserId, record } = await returningUser();
      const session = await harness.mintSession(clientUserId);
      await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES, kind });
      const callsBefore = await harness.humanApiCalls();

      // Act
      const answer = await harness.finish(session);

      // Assess: exchanged once, answered, and stored by the drain.
      expect(answer.status, answer.text).toBe(200);
      expect(await harness.humanApiCalls()).toBe(callsBefore + 1);
      expect(await eventuallyHeld(clientUserId, newRecord(answer, record))).toBe(true);
      const replay = await harness.finish(session);
      expect(replay.json).toEqual(answer.json);
    },
  );

  it.each(KINDS)(
    'answers 503 when the outbox fails too, and stores the exchanged tokens on the client\u2019s retry, without a second exchange (%s)',
    async (kind) => {
      // Prepare
      const { clientUserId, record } = await returningUser();
      const session = await harness.mintSession(clientUserId);
      await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES, kind });
      await failOutbox();
      const callsBefore = await harness.humanApiCalls();

      // Act
      const answer = await harness.finish(session);

      // Assess: exchanged once, nothing written.
      expectProblem(answer, 503);
      expect(await harness.humanApiCalls()).toBe(callsBefore + 1);
      expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

      // Act: jQuery's retry of the same sessionTokenObject (form-encoded this time).
      const retry = await harness.finish(session, 'form');

      // Assess: stored from the held exchange; the single-use token was not sent again.
      expect(retry.status, retry.text).toBe(200);
      expect(await harness.humanApiCalls()).toBe(callsBefore + 1);
      expect((await harness.checkRecord(clientUserId, newRecord(retry, record))).held).toBe(true);
      const replay = await harness.finish(session);
      expect(replay.json).toEqual(retry.json);
    },
  );

  it('stores a first-time user\u2019s tokens on the retry too', async () => {
    // Prepare
    const session = await harness.mintSession('window-first-timer@example.com');
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    await failOutbox();

    // Act
    const answer = await harness.finish(session);
    const absent = await harness.post('/public-tokens', { clientUserId: 'window-first-timer@example.com' });
    const retry = await harness.finish(session);

    // Assess
    expectProblem(answer, 503);
    expectProblem(absent, 404);
    expect(retry.status).toBe(200);
    expect(
      (
        await harness.checkRecord('window-first-timer@example.com', {
          publicToken: retry.json.publicToken as string,
          version: 1,
        })
      ).held,
    ).toBe(true);
  });

  it('loses no grant to an outage longer than the outbox\u2019s five receives: dead-lettered, then redriven once the table answers, and the newest grant wins', async () => {
    const sqsStats = async () => (await harness.get('/sandbox/sqs/stats')).json as Record<string, number>;
    async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
      const deadline = Date.now() + 45_000;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`${what}: not in 45 s`);
        await new Promise((done) => setTimeout(done, 200));
      }
    }
    // Prepare: every request to the token table fails, for as long as this test says.
    const { clientUserId, record } = await returningUser();
    const older = await harness.mintSession(clientUserId);
    await harness.injectDynamoDbFault({ tableName: TOKENS, count: 1000 });

    // Act: the finish answers from the outbox; the drain fails five times and the grant is dead-lettered.
    const olderAnswer = await harness.finish(older);
    expect(olderAnswer.status, olderAnswer.text).toBe(200);
    await until(async () => (await sqsStats()).deadLetters === 1, 'the grant dead-lettered');

    // Assess: while the table is down the redrive moves nothing (it runs every 5 s locally).
    await new Promise((done) => setTimeout(done, 6_000));
    expect(await sqsStats()).toMatchObject({ outbox: 0, deadLetters: 1, rejected: 0 });
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);

    // Act: the table answers again, and the user finishes a newer session at once.
    await harness.resetFaults();
    const newer = await harness.finish(await harness.mintSession(clientUserId));
    expect(newer.status, newer.text).toBe(200);

    // Assess: the dead-lettered grant came back and was drained, and lost to the newer one.
    await until(async () => {
      const { outbox, deadLetters } = await sqsStats();
      return outbox === 0 && deadLetters === 0;
    }, 'the grant redriven and drained');
    expect(await sqsStats()).toMatchObject({ rejected: 0 });
    expect((await harness.checkRecord(clientUserId, { publicToken: newer.json.publicToken as string })).held).toBe(
      true,
    );
    expect(olderAnswer.json.publicToken).not.toBe(newer.json.publicToken);
  });

  it('redrives a dead-lettered grant into the table when nothing newer came: the user keeps the tokens of that finish', async () => {
    const sqsStats = async () => (await harness.get('/sandbox/sqs/stats')).json as Record<string, number>;
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectDynamoDbFault({ tableName: TOKENS, count: 1000 });
    const answer = await harness.finish(session);
    expect(answer.status, answer.text).toBe(200);
    const deadline = Date.now() + 45_000;
    while ((await sqsStats()).deadLetters !== 1) {
      if (Date.now() > deadline) throw new Error('the grant was not dead-lettered in 45 s');
      await new Promise((done) => setTimeout(done, 200));
    }

    await harness.resetFaults();

    expect(await eventuallyHeld(clientUserId, newRecord(answer, record))).toBe(true);
    expect(await sqsStats()).toMatchObject({ outbox: 0, deadLetters: 0, rejected: 0 });
  });

  it('keeps a queued grant across a recycled environment: the drain stores it after the restart', async () => {
    // Prepare: the drain cannot receive; the write fails into the outbox.
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    // 1,000 refused receives hold the drain off for 200 s (it polls every 200 ms), past this test.
    const blocked = await harness.post('/sandbox/sqs/faults', { operation: 'ReceiveMessage', count: 1000 });
    expect(blocked.status, blocked.text).toBe(201);
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    const answer = await harness.finish(session);
    expect(answer.status, answer.text).toBe(200);
    expect(await outboxDepth()).toBe(1);

    // Act: the environment is recycled (the queue is not: it is SQS, kept in .data/ locally).
    await harness.restart();

    // Assess
    expect(await eventuallyHeld(clientUserId, newRecord(answer, record))).toBe(true);
  });

  it('loses the exchange when DynamoDB and the outbox both fail and the retry lands on a recycled environment (documented)', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser();
    const session = await harness.mintSession(clientUserId);
    await harness.injectDynamoDbFault({ operation: 'UpdateItem', tableName: TOKENS, count: PAST_RETRIES });
    await failOutbox();
    const answer = await harness.finish(session);

    // Act: the environment holding the exchange is gone (same table, same Human API state).
    await harness.restart();
    const retry = await harness.finish(session);

    // Assess: the new environment must exchange again; Human API refuses the spent token.
    // The old record stands untouched; the user has to connect again (docs/reliability.md#what-can-still-be-lost).
    expectProblem(answer, 503);
    expectProblem(retry, 422);
    expect((await harness.checkRecord(clientUserId, record)).held).toBe(true);
    harness.figures.extra.documentedLosses = {
      ...(harness.figures.extra.documentedLosses as object),
      'DynamoDB and the outbox down, then the retry on another (or a recycled) environment': 1,
    };
  });
});

describe('Secrets Manager failing', () => {
  let cold: Harness;

  beforeAll(async () => {
    // A fresh process: the secret is not cached yet.
    cold = await startHarness({ name: 'secrets-manager-faults', env });
  });

  afterAll(async () => {
    await cold?.closeAndScan();
  });

  it('answers 503 on a cold start without calling Human API or storing anything, and the retry finishes', async () => {
    // Prepare
    const session = await cold.mintSession('cold-start@example.com');
    await cold.injectSecretsManagerFaults(PAST_RETRIES);

    // Act
    const answer = await cold.finish(session);

    // Assess
    expectProblem(answer, 503);
    expect(await cold.humanApiCalls()).toBe(0);
    expect((await cold.checkRecord('cold-start@example.com', undefined)).held).toBe(true);

    // Act
    const retry = await cold.finish(session);

    // Assess
    expect(retry.status, retry.text).toBe(200);
    expect(await cold.humanApiCalls()).toBe(1);
  });

  it('answers 503 to a refresh on a cold start without calling Human API, and keeps the stored publicToken', async () => {
    // Prepare: the recovery function has a cache of its own, still cold.
    const stored = await cold.storedRecord('cold-start@example.com');
    const callsBefore = await cold.humanApiCalls();
    await cold.injectSecretsManagerFaults(PAST_RETRIES);

    // Act
    const answer = await cold.post('/public-tokens', { clientUserId: 'cold-start@example.com', refresh: true });

    // Assess
    expectProblem(answer, 503);
    expect(await cold.humanApiCalls()).toBe(callsBefore);
    expect(stored).toBeDefined();
    expect((await cold.checkRecord('cold-start@example.com', { ...stored })).held).toBe(true);
  });

  it('absorbs a short Secrets Manager failure while re-reading a rotated secret: 200', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser(cold);
    const session = await cold.mintSession(clientUserId);
    await cold.rotateSecret();
    await cold.injectSecretsManagerFaults(PAST_RETRIES - 1);

    // Act
    const answer = await cold.finish(session);

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect((await cold.checkRecord(clientUserId, newRecord(answer, record))).held).toBe(true);
  });

  it('answers 503 when the rotated secret cannot be re-read, without calling Human API again; the retry finishes', async () => {
    // Prepare
    const { clientUserId, record } = await returningUser(cold);
    const session = await cold.mintSession(clientUserId);
    await cold.rotateSecret();
    await cold.injectSecretsManagerFaults(PAST_RETRIES);
    const callsBefore = await cold.humanApiCalls();

    // Act
    const answer = await cold.finish(session);

    // Assess: one call with the stale secret (refused), none after.
    expectProblem(answer, 503);
    expect(await cold.humanApiCalls()).toBe(callsBefore + 1);
    expect((await cold.checkRecord(clientUserId, record)).held).toBe(true);

    // Act
    const retry = await cold.finish(session);

    // Assess
    expect(retry.status, retry.text).toBe(200);
    expect((await cold.checkRecord(clientUserId, newRecord(retry, record))).held).toBe(true);
  });

  it('leaks no token or secret in its logs or answers', async () => {
    // Act
    const scan = await cold.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    // The client secret and its two rotations, and the notification URL's path secret.
    expect(scan.knownValues.secrets).toBe(4);
  });
});

describe('the storage fault run', () => {
  it('leaks no token or secret in its logs or answers', async () => {
    // Act
    const scan = await harness.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    expect(scan.logLines).toBeGreaterThan(0);
  });
});
