/**
 * Newest wins is defined once and read two ways: `isNewer` in TypeScript (over a record read back
 * after a lost condition) and `newerCondition` as a DynamoDB condition (the common one-request
 * write). Against dynalite, each stored item below is written, then an UpdateItem conditioned on
 * `attribute_exists(clientUserId) AND newerCondition(kind, ':t')` is sent: whether DynamoDB
 * applied it must be what `isNewer(item, kind, t)` says, and what the row says, literally.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenItem } from '../../../../functions/adapters/token-table/item.js';
import { isNewer, newerCondition, type TokenKind } from '../../../../functions/adapters/token-table/newest-wins.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

/** Times one second apart: `at(4)` is before `at(5)`. */
const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString();
/** The issue time of the token being written in the table's rows. */
const t = at(5);
const before = at(4);
const after = at(6);

let table: TokenTable;
let items = 0;

beforeAll(async () => {
  table = await startTokenTable();
});

afterAll(async () => {
  await table?.close();
});

/** Writes `stored` as a fresh item, then tries the conditional write: whether DynamoDB applied it. */
async function dynamoDbApplies(stored: Omit<TokenItem, 'clientUserId'>, kind: TokenKind, issuedAt: string) {
  items += 1;
  const clientUserId = `newest-wins-${items}`;
  await table.client.send(new PutCommand({ TableName: table.tableName, Item: { clientUserId, ...stored } }));
  try {
    await table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { clientUserId },
        UpdateExpression: 'SET probe = :t',
        ConditionExpression: `attribute_exists(clientUserId) AND ${newerCondition(kind, ':t')}`,
        ExpressionAttributeValues: { ':t': issuedAt },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

type Row = readonly [description: string, kind: TokenKind, stored: Omit<TokenItem, 'clientUserId'>, newer: boolean];

const rows: readonly Row[] = [
  // Its own issue time.
  ['access: own issue time older', 'access', { accessTokenIssuedAt: before }, true],
  ['access: own issue time equal', 'access', { accessTokenIssuedAt: t }, false],
  ['access: own issue time newer', 'access', { accessTokenIssuedAt: after }, false],
  ['public: own issue time older', 'public', { publicTokenIssuedAt: before }, true],
  ['public: own issue time equal', 'public', { publicTokenIssuedAt: t }, false],
  ['public: own issue time newer', 'public', { publicTokenIssuedAt: after }, false],
  ['minted: own issue time older', 'minted', { mintedAccessTokenIssuedAt: before }, true],
  ['minted: own issue time equal', 'minted', { mintedAccessTokenIssuedAt: t }, false],
  ['minted: own issue time newer', 'minted', { mintedAccessTokenIssuedAt: after }, false],
  // Another kind's issue time says nothing about this one.
  ['access: only the publicToken\u2019s issue time, newer', 'access', { publicTokenIssuedAt: after }, true],
  ['public: only the accessToken\u2019s issue time, newer', 'public', { accessTokenIssuedAt: after }, true],
  // The legacy exchangedAt, when the own issue time is missing.
  ['access: missing, legacy exchangedAt older', 'access', { exchangedAt: before }, true],
  ['access: missing, legacy exchangedAt equal', 'access', { exchangedAt: t }, false],
  ['access: missing, legacy exchangedAt newer', 'access', { exchangedAt: after }, false],
  ['public: missing, legacy exchangedAt older', 'public', { exchangedAt: before }, true],
  ['public: missing, legacy exchangedAt newer', 'public', { exchangedAt: after }, false],
  [
    'access: own older wins over a newer exchangedAt',
    'access',
    { accessTokenIssuedAt: before, exchangedAt: after },
    true,
  ],
  [
    'access: own newer wins over an older exchangedAt',
    'access',
    { accessTokenIssuedAt: after, exchangedAt: before },
    false,
  ],
  // Nothing known: older than anything Human API issues.
  ['access: missing both', 'access', {}, true],
  ['public: missing both', 'public', {}, true],
  ['minted: missing both', 'minted', {}, true],
  // Minted tokens predate nothing legacy: exchangedAt does not count for them.
  ['minted: without its own issue time, legacy exchangedAt newer', 'minted', { exchangedAt: after }, true],
  [
    'minted: without legacy, the v1 tokens newer',
    'minted',
    { accessTokenIssuedAt: after, publicTokenIssuedAt: after },
    true,
  ],
  // The tombstone floor: nothing issued before (or at) the deletion.
  ['access: own older, deletedAt after', 'access', { accessTokenIssuedAt: before, deletedAt: after }, false],
  ['access: own older, deletedAt equal', 'access', { accessTokenIssuedAt: before, deletedAt: t }, false],
  ['access: own older, deletedAt before', 'access', { accessTokenIssuedAt: before, deletedAt: before }, true],
  ['public: tombstone only, deletedAt after', 'public', { deletedAt: after, purgeAt: 1_800_000_000 }, false],
  ['public: tombstone only, deletedAt before', 'public', { deletedAt: before, purgeAt: 1_800_000_000 }, true],
  ['access: legacy exchangedAt older, deletedAt after', 'access', { exchangedAt: before, deletedAt: after }, false],
  ['minted: missing, deletedAt after', 'minted', { deletedAt: after }, false],
  ['minted: own older, deletedAt before', 'minted', { mintedAccessTokenIssuedAt: before, deletedAt: before }, true],
  ['minted: own newer, deletedAt before', 'minted', { mintedAccessTokenIssuedAt: after, deletedAt: before }, false],
];

describe('newest wins: the condition and the predicate agree', () => {
  it.each(rows)('%s: a token issued at t is newer: %s', async (_, kind, stored, newer) => {
    expect(isNewer({ clientUserId: 'any', ...stored }, kind, t)).toBe(newer);
    expect(await dynamoDbApplies(stored, kind, t)).toBe(newer);
  });

  it('counts any token newer than no record at all', () => {
    expect(isNewer(undefined, 'access', t)).toBe(true);
    expect(isNewer(undefined, 'minted', t)).toBe(true);
  });

  it('agrees on random items and issue times', async () => {
    // Few distinct times, so equal ones come up often.
    const time = fc.integer({ min: 0, max: 6 }).map(at);
    const stored = fc.record(
      {
        accessTokenIssuedAt: time,
        publicTokenIssuedAt: time,
        mintedAccessTokenIssuedAt: time,
        exchangedAt: time,
        deletedAt: time,
      },
      { requiredKeys: [] },
    );
    const kind = fc.constantFrom<TokenKind>('access', 'public', 'minted');

    await fc.assert(
      fc.asyncProperty(stored, kind, time, async (item, tokenKind, issuedAt) => {
        expect(await dynamoDbApplies(item, tokenKind, issuedAt)).toBe(
          isNewer({ clientUserId: 'any', ...item }, tokenKind, issuedAt),
        );
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
