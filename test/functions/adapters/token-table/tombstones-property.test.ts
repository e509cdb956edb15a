/**
 * Random interleavings of grants and a deletion of one user against dynalite: grants issued before
 * and after the deletion (finishes with an idempotency record, or drained from the outbox), landing
 * in any order around the deletion's read and write, with writes failing before they reach the
 * table or losing their answer (the SDK retrying them). The tombstone's time is the deletion's, or
 * the issue time of a later token it removed (a grant issued after the deletion began that landed
 * before its write). Whatever happens: no token issued at or before the tombstone's time is stored,
 * not even when every grant is delivered again; the newest issued after it is; and every
 * idempotency record that answers a deleted publicToken is one the deletion found.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbTombstones } from '../../../../functions/adapters/token-table/tombstones.js';
import type { StoredPublicToken, TombstoneWrite } from '../../../../functions/domain/ports.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const DELETED_AT_MS = Date.UTC(2026, 11, 4, 10, 0, 50);
const iso = (ms: number) => new Date(ms).toISOString();

let table: TokenTable;
let runs = 0;

beforeAll(async () => {
  table = await startTokenTable();
});

afterAll(async () => {
  await table?.close();
});

const fate = fc.constantFrom<'pass' | 'fail-before' | 'lose-answer'>('pass', 'fail-before', 'lose-answer');
const grantArbitrary = fc.record({
  /** Seconds from the deletion: negative is issued before it. Distinct per grant (see below). */
  issuedFromDeletionS: fc.integer({ min: -40, max: 40 }).filter((seconds) => seconds !== 0),
  /** A finish lists an idempotency record; a drained grant has none. */
  finish: fc.boolean(),
  delayMs: fc.integer({ min: 0, max: 15 }),
  firstAttempt: fate,
});

describe('a deletion among grants, under random interleavings', () => {
  it('stores no token issued before it, the newest issued after it, and finds every record answering a deleted token', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(grantArbitrary, { minLength: 1, maxLength: 6, selector: (grant) => grant.issuedFromDeletionS }),
        fc.record({
          delayMs: fc.integer({ min: 0, max: 15 }),
          pauseBeforeWriteMs: fc.integer({ min: 0, max: 10 }),
          firstAttempt: fate,
        }),
        fc.boolean(),
        async (planned, deletionPlan, connectedBefore) => {
          // Prepare: a user who connected long before (or never did).
          runs += 1;
          const clientUserId = `property-${runs}@example.com`;
          const grantOf = (name: string, issuedAtMs: number) => ({
            clientUserId,
            humanId: HUMAN_ID,
            clientId: 'c'.repeat(40),
            accessTokenCiphertext: `ciphertext-${name}`,
            accessTokenIssuedAt: iso(issuedAtMs),
            publicToken: `public-${name}`,
            publicTokenIssuedAt: iso(issuedAtMs),
          });
          if (connectedBefore) {
            await new DynamoDbGrantStore(table.freshClient(), table.tableName).storeGrant(
              grantOf('seed', DELETED_AT_MS - 3_600_000),
              new Date(DELETED_AT_MS - 3_600_000),
              { id: 'record-seed', expiresAt: 2_000_000_000 },
            );
          }
          const grants = planned.map((grant, index) => ({
            ...grant,
            name: `g${index}`,
            issuedAtMs: DELETED_AT_MS + grant.issuedFromDeletionS * 1000,
          }));

          // Act: every grant and the deletion at once, each landing when its delay says.
          const answers = new Map<string, StoredPublicToken | undefined>();
          let tombstone: TombstoneWrite | undefined;
          const firstAttemptOnly = (verdict: typeof deletionPlan.firstAttempt, pauseMs = 0) => {
            let first = true;
            return async (operation: string) => {
              if (operation !== 'UpdateItem' || !first) return 'pass' as const;
              first = false;
              if (pauseMs > 0) await new Promise((done) => setTimeout(done, pauseMs));
              return verdict;
            };
          };
          await Promise.all([
            ...grants.map(async (grant) => {
              await new Promise((done) => setTimeout(done, grant.delayMs));
              const store = new DynamoDbGrantStore(
                table.freshClient(firstAttemptOnly(grant.firstAttempt)),
                table.tableName,
              );
              answers.set(
                grant.name,
                await store.storeGrant(
                  grantOf(grant.name, grant.issuedAtMs),
                  new Date(grant.issuedAtMs),
                  grant.finish ? { id: `record-${grant.name}`, expiresAt: 2_000_000_000 } : undefined,
                ),
              );
            }),
            (async () => {
              await new Promise((done) => setTimeout(done, deletionPlan.delayMs));
              const deleting = new DynamoDbTombstones(
                table.freshClient(firstAttemptOnly(deletionPlan.firstAttempt, deletionPlan.pauseBeforeWriteMs)),
                table.tableName,
              );
              tombstone = await deleting.writeTombstone(clientUserId, new Date(DELETED_AT_MS), 15 * 86_400_000);
            })(),
          ]);

          // Assess: the tombstone's time is the deletion's or a removed token's; the expectation is
          // then a plain maximum over what was issued after it.
          const floorMs = Date.parse(tombstone?.deletedAt ?? '');
          expect(
            [DELETED_AT_MS, ...grants.map((grant) => grant.issuedAtMs)].filter((ms) => ms >= DELETED_AT_MS),
          ).toContain(floorMs);
          const expectLatestAfterTheFloor = async () => {
            const after = grants.filter((grant) => grant.issuedAtMs > floorMs);
            const newest = after.reduce<(typeof after)[number] | undefined>(
              (best, grant) => (best === undefined || grant.issuedAtMs > best.issuedAtMs ? grant : best),
              undefined,
            );
            const item = await table.local.readItem(table.tableName, { clientUserId });
            expect(item?.deletedAt).toBe(iso(floorMs));
            if (newest === undefined) {
              for (const attribute of ['humanId', 'accessTokenCiphertext', 'publicToken', 'accessTokenIssuedAt']) {
                expect(item).not.toHaveProperty(attribute);
              }
            } else {
              expect(item?.accessTokenCiphertext).toBe(`ciphertext-${newest.name}`);
              expect(item?.publicToken).toBe(`public-${newest.name}`);
            }
          };
          await expectLatestAfterTheFloor();
          // Every grant delivered again (SQS delivers at least once; a redrive sends them back).
          const again = new DynamoDbGrantStore(table.freshClient(), table.tableName);
          for (const grant of grants) await again.storeGrant(grantOf(grant.name, grant.issuedAtMs), new Date());
          await expectLatestAfterTheFloor();
          // A finish whose answer is a token the deletion removed holds it in its idempotency
          // record: the deletion must have found that record.
          const deletedTokens = new Set([
            'public-seed',
            ...grants.filter((grant) => grant.issuedAtMs <= floorMs).map((grant) => `public-${grant.name}`),
          ]);
          for (const grant of grants.filter((candidate) => candidate.finish)) {
            const answer = answers.get(grant.name);
            if (answer !== undefined && deletedTokens.has(answer.publicToken)) {
              expect(tombstone?.idempotencyRecordIds).toContain(`record-${grant.name}`);
            }
          }
        },
      ),
      { numRuns: 40, seed: 20_261_204 },
    );
  }, 240_000);
});
