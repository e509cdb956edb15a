/**
 * Load with a secret rotation: 1,000 finishes over 100 users at 20-way
 * concurrency against local mode, with the client secret rotated twice while
 * requests are in flight. No request may fail, and each user's stored record
 * must be the newest one acknowledged to that user's client, with a `version`
 * equal to that user's count of successful finishes.
 *
 * Each user's finishes run one after another (as one browser's would), so
 * "newest acknowledged" is well defined; 20 users are in flight at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/reliability-harness.js';

const USERS = 100;
const FINISHES = 1000;
const CONCURRENCY = 20;
const ROTATIONS = 2;
const SEED = 0x5eed_1234;

/** A small seeded PRNG (mulberry32): the same plan on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

interface Plan {
  /** Finishes per user (each at least one). */
  readonly counts: readonly number[];
  /** Per lane, the users to finish in order; lane i serves users i, i + CONCURRENCY, … */
  readonly lanes: readonly (readonly number[])[];
  /** Per finish, the encoding, by global order within its lane. */
  readonly encodings: readonly (readonly ('json' | 'form')[])[];
}

function planLoad(): Plan {
  const random = seededRandom(SEED);
  const counts = Array.from({ length: USERS }, () => 1);
  for (let extra = USERS; extra < FINISHES; extra += 1) {
    const user = Math.floor(random() * USERS);
    counts[user] = (counts[user] ?? 0) + 1;
  }
  const lanes = Array.from({ length: CONCURRENCY }, (_, lane) => {
    const steps = counts.flatMap((count, user) => (user % CONCURRENCY === lane ? Array<number>(count).fill(user) : []));
    // Interleave the lane's users, so a user's finishes are spread over the run.
    for (let index = steps.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [steps[index], steps[other]] = [steps[other] as number, steps[index] as number];
    }
    return steps;
  });
  const encodings = lanes.map((steps) => steps.map((): 'json' | 'form' => (random() < 0.5 ? 'json' : 'form')));
  return { counts, lanes, encodings };
}

const clientUserIdOf = (user: number) => `load-user-${String(user).padStart(3, '0')}@example.com`;

function percentile(sorted: readonly number[], fraction: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0);
}

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ name: 'load-with-rotation' });
});

afterAll(async () => {
  await harness?.closeAndScan();
});

describe('load with a secret rotation', () => {
  const plan = planLoad();
  const acknowledged = new Map<number, string>();
  const succeeded = new Map<number, number>();
  const failures: { user: number; status: number; body: string }[] = [];
  const latencies: number[] = [];

  it(`holds ${FINISHES} finishes over ${USERS} users at ${CONCURRENCY}-way concurrency through ${ROTATIONS} rotations without a failed request`, async () => {
    // Prepare
    const rotationPoints = Array.from({ length: ROTATIONS }, (_, index) =>
      Math.round(((index + 1) * FINISHES) / (ROTATIONS + 1)),
    );
    const rotations: Promise<void>[] = [];
    const logLinesBefore = harness.logLines.length;
    let completed = 0;
    const started = performance.now();

    // Act
    await Promise.all(
      plan.lanes.map(async (steps, lane) => {
        for (const [index, user] of steps.entries()) {
          const session = await harness.mintSession(clientUserIdOf(user));
          const sent = performance.now();
          const answer = await harness.finish(session, plan.encodings[lane]?.[index] ?? 'json');
          latencies.push(performance.now() - sent);
          if (answer.status === 200 && typeof answer.json.publicToken === 'string') {
            acknowledged.set(user, answer.json.publicToken);
            succeeded.set(user, (succeeded.get(user) ?? 0) + 1);
          } else {
            failures.push({ user, status: answer.status, body: answer.text });
          }
          completed += 1;
          // Rotate while the other lanes' requests are in flight.
          if (rotationPoints.includes(completed)) rotations.push(harness.rotateSecret());
        }
      }),
    );
    await Promise.all(rotations);
    const wallSeconds = (performance.now() - started) / 1000;

    // Assess
    const refusedThenRecovered = harness.logLines
      .slice(logLinesBefore)
      .filter((line) => line.includes('"Human API call failed"') && line.includes('"upstreamStatus":401')).length;
    const sorted = [...latencies].sort((a, b) => a - b);
    harness.figures.extra.load = {
      finishes: FINISHES,
      succeeded: FINISHES - failures.length,
      failed: failures.length,
      users: USERS,
      concurrency: CONCURRENCY,
      rotations: rotations.length,
      staleSecretRefusalsRecovered: refusedThenRecovered,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      finishesPerSecond: Math.round(FINISHES / wallSeconds),
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        max: percentile(sorted, 1),
      },
    };
    expect(failures).toEqual([]);
    expect(latencies).toHaveLength(FINISHES);
    expect(rotations).toHaveLength(ROTATIONS);
    // Each rotation really met requests holding the old secret, and they recovered.
    expect(refusedThenRecovered).toBeGreaterThanOrEqual(ROTATIONS);
  });

  it('stores for each user the newest acknowledged publicToken, with version = that user\u2019s successful finishes', async () => {
    // Act
    const checks = await Promise.all(
      plan.counts.map(async (_, user) => ({
        user,
        ...(await harness.checkRecord(clientUserIdOf(user), {
          publicToken: acknowledged.get(user) ?? '(none acknowledged)',
          version: succeeded.get(user) ?? 0,
        })),
      })),
    );

    // Assess
    const lost = checks.filter((check) => !check.held).map(({ user, actual }) => ({ user, actual }));
    (harness.figures.extra.load as Record<string, unknown>).recordsMatchingNewestAcknowledged = USERS - lost.length;
    expect(lost).toEqual([]);
    expect([...succeeded.values()].reduce((sum, count) => sum + count, 0)).toBe(FINISHES);
  });

  it('answers each user\u2019s newest acknowledged publicToken on POST /public-tokens', async () => {
    // Act
    const recovered = await Promise.all(
      plan.counts.map(async (_, user) => {
        const answer = await harness.post('/public-tokens', { clientUserId: clientUserIdOf(user) });
        return { user, status: answer.status, matches: answer.json.publicToken === acknowledged.get(user) };
      }),
    );

    // Assess
    expect(recovered.filter((entry) => entry.status !== 200 || !entry.matches)).toEqual([]);
  });

  it('leaks no token or secret in its logs or answers, and the table agrees record for record', async () => {
    // Act
    const scan = await harness.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    // The client secret and its rotations, and the notification URL's path secret.
    expect(scan.knownValues.secrets).toBe(1 + ROTATIONS + 1);
    expect(scan.records).toHaveLength(USERS);
    for (const record of scan.records) {
      const user = Number(/load-user-(\d+)@/.exec(record.clientUserId)?.[1]);
      expect(record.version).toBe(succeeded.get(user));
      expect(record.publicToken).toBe(acknowledged.get(user));
      expect(record.accessToken).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});
