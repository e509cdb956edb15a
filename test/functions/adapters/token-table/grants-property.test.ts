/**
 * Random interleavings of finishes and refreshes of one user against dynalite: whatever order
 * they are issued and land in, with writes failing before they reach the table or losing their
 * answer (the SDK retrying them), the stored tokens are the latest issued of each kind.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../../functions/adapters/token-table/recovery.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const now = new Date('2026-11-21T12:00:00.000Z');

let table: TokenTable;
let runs = 0;

beforeAll(async () => {
  table = await startTokenTable();
});

afterAll(async () => {
  await table?.close();
});

const writeArbitrary = fc.record({
  kind: fc.constantFrom('finish', 'refresh'),
  /** Milliseconds after the seed: distinct per write (see `uniqueArray` below). */
  issuedAfterMs: fc.integer({ min: 1, max: 100_000 }),
  /** How long the write waits before it is sent: decides the order they land in. */
  delayMs: fc.integer({ min: 0, max: 15 }),
  /** The fate of the write's first UpdateItem attempt; the SDK's retries of it pass. */
  firstAttempt: fc.constantFrom<'pass' | 'fail-before' | 'lose-answer'>('pass', 'fail-before', 'lose-answer'),
});

describe('grants and refreshes under random interleavings', () => {
  it('stores the latest-issued accessToken and publicToken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(writeArbitrary, { minLength: 1, maxLength: 6, selector: (write) => write.issuedAfterMs }),
        async (writes) => {
          // Prepare: a seed record issued before every write.
          runs += 1;
          const grants = new DynamoDbGrantStore(table.freshClient(), table.tableName);
          const clientUserId = `property-${runs}@example.com`;
          const seedAt = new Date('2026-11-21T10:00:00.000Z').getTime();
          const iso = (ms: number) => new Date(seedAt + ms).toISOString();
          await grants.storeGrant(
            {
              clientUserId,
              humanId: HUMAN_ID,
              clientId: 'c'.repeat(40),
              accessTokenCiphertext: 'ciphertext-seed',
              accessTokenIssuedAt: iso(0),
              publicToken: 'public-seed',
              publicTokenIssuedAt: iso(0),
            },
            now,
          );

          // Act
          await Promise.all(
            writes.map(async (write, index) => {
              await new Promise((done) => setTimeout(done, write.delayMs));
              const name = `${write.kind}-${index}`;
              let first = true;
              const client = table.freshClient(async (operation) => {
                if (operation !== 'UpdateItem' || !first) return 'pass';
                first = false;
                return write.firstAttempt;
              });
              const issuedAt = iso(write.issuedAfterMs);
              if (write.kind === 'finish') {
                await new DynamoDbGrantStore(client, table.tableName).storeGrant(
                  {
                    clientUserId,
                    humanId: HUMAN_ID,
                    clientId: 'c'.repeat(40),
                    accessTokenCiphertext: `ciphertext-${name}`,
                    accessTokenIssuedAt: issuedAt,
                    publicToken: `public-${name}`,
                    publicTokenIssuedAt: issuedAt,
                  },
                  now,
                );
              } else {
                await new DynamoDbRecoveryStore(client, table.tableName).storePublicToken(
                  { clientUserId, humanId: HUMAN_ID, publicToken: `public-${name}`, publicTokenIssuedAt: issuedAt },
                  now,
                );
              }
            }),
          );

          // Assess: the expectation is a plain maximum over what was issued.
          const named = writes.map((write, index) => ({ ...write, name: `${write.kind}-${index}` }));
          const latest = (candidates: typeof named) =>
            candidates.reduce<(typeof named)[number] | undefined>(
              (best, write) => (best === undefined || write.issuedAfterMs > best.issuedAfterMs ? write : best),
              undefined,
            );
          const latestFinish = latest(named.filter((write) => write.kind === 'finish'));
          const latestAny = latest(named);
          const item = await table.local.readItem(table.tableName, { clientUserId });
          expect(item?.accessTokenCiphertext).toBe(`ciphertext-${latestFinish?.name ?? 'seed'}`);
          expect(item?.publicToken).toBe(`public-${latestAny?.name ?? 'seed'}`);
        },
      ),
      { numRuns: 25 },
    );
  }, 180_000);
});
