/**
 * 200 finishes of 20 users against local mode while DynamoDB token writes fail at random
 * (errors, throttles, dropped connections; sometimes past the SDK's retries) and the outbox
 * fails now and then: answers are 200 (written, or queued in the outbox and drained) or 503
 * (both down; the client retries later, after the user's next finish). At the end, every user's
 * stored tokens are the latest Human API issued to them (docs/design.md#storage-and-integrity).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAMES } from '../../local/dynamodb.js';
import type { SessionTokenObject } from '../support/http.js';
import { type Harness, startHarness } from '../support/reliability-harness.js';

const USERS = 20;
const FINISHES_PER_USER = 10;
const KINDS = ['error', 'throttle', 'reset'] as const;

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ name: 'newest-tokens-storm', env: { HUMANAPI_TIMEOUT_MS: '2000' } });
});

afterAll(async () => {
  await harness?.closeAndScan();
});

/** A small deterministic generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The latest publicToken the sandbox issued to each humanId (its state file, as Human API knows it). */
function latestIssued(): Map<string, string> {
  const state = JSON.parse(readFileSync(resolve(harness.dataDir, '.data/sandbox.json'), 'utf8')) as {
    humans: Record<string, { clientUserId: string; publicToken: string | null }>;
  };
  return new Map(
    Object.values(state.humans).flatMap((human) =>
      human.publicToken === null ? [] : [[human.clientUserId, human.publicToken] as const],
    ),
  );
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((done) => setTimeout(done, 200));
  }
  return false;
}

describe('200 finishes with random DynamoDB write faults', () => {
  it('leaves zero users with tokens other than the latest Human API issued to them', async () => {
    // Prepare
    const next = random(11);
    const answers: Record<number, number> = {};
    const unfinished: SessionTokenObject[] = [];
    let injected = 0;

    // Act: users in parallel, each finishing one session after another.
    await Promise.all(
      Array.from({ length: USERS }, async (_, index) => {
        const clientUserId = `storm-${index}@example.com`;
        for (let round = 0; round < FINISHES_PER_USER; round += 1) {
          const session = await harness.mintSession(clientUserId);
          const roll = next();
          if (roll < 0.3) {
            injected += 1;
            await harness.injectDynamoDbFault({
              operation: 'UpdateItem',
              tableName: LOCAL_TABLE_NAMES.tokens,
              count: 1 + Math.floor(next() * 4),
              kind: KINDS[Math.floor(next() * KINDS.length)] ?? 'error',
            });
          }
          if (roll < 0.08) await harness.post('/sandbox/sqs/faults', { operation: 'SendMessage', count: 3 });
          const answer = await harness.finish(session, next() < 0.5 ? 'json' : 'form');
          answers[answer.status] = (answers[answer.status] ?? 0) + 1;
          // A 503 is retried by the client later, after the user's next finish: a late retry.
          if (answer.status !== 200) unfinished.push(session);
        }
      }),
    );
    await harness.resetFaults();
    const retries = await Promise.all(unfinished.map((session) => harness.finish(session)));
    const drained = await until(async () => {
      const depths = (await harness.get('/sandbox/sqs/stats')).json;
      return depths.outbox === 0;
    }, 30_000);

    // Assess
    const latest = latestIssued();
    const wrong: string[] = [];
    for (let index = 0; index < USERS; index += 1) {
      const clientUserId = `storm-${index}@example.com`;
      const { held, actual } = await harness.checkRecord(clientUserId, { publicToken: latest.get(clientUserId) ?? '' });
      // No refreshes here: the newest accessToken comes with the newest publicToken, issued together.
      const view = (await harness.get(`/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`))
        .json;
      if (!held || view.accessTokenIssuedAt !== view.publicTokenIssuedAt || view.accessTokenSealed !== true) {
        wrong.push(`${clientUserId}: ${JSON.stringify({ actual, view })}`);
      }
    }
    harness.figures.extra.storm = {
      finishes: USERS * FINISHES_PER_USER,
      answers,
      faultInjections: injected,
      lateRetries: retries.length,
      lateRetryStatuses: retries.map((retry) => retry.status),
      usersWithOlderTokens: wrong.length,
    };
    expect(drained).toBe(true);
    expect(retries.every((retry) => retry.status === 200)).toBe(true);
    expect(wrong).toEqual([]);
    expect((await harness.get('/sandbox/sqs/stats')).json).toEqual({ outbox: 0, deadLetters: 0, rejected: 0 });
  });

  it('leaks no token or secret in its logs or answers', async () => {
    const scan = await harness.closeAndScan();

    expect(scan.findings).toEqual([]);
    expect(scan.knownValues.accessTokens).toBe(USERS);
  });
});
