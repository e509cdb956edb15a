/**
 * The finish's and the drain's writes of the token table (DynamoDbGrantStore) against dynalite:
 * one write per finish in the common case, newest wins per token whatever order writes land in
 * (refreshes through DynamoDbRecoveryStore), legacy records, a deleted user's tombstone, failures.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../../functions/adapters/token-table/recovery.js';
import { DynamoDbTombstones } from '../../../../functions/adapters/token-table/tombstones.js';
import { logger } from '../../../../functions/commons/observability.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../../../functions/domain/errors.js';
import type { PublicTokenUpdate, TokenGrant } from '../../../../functions/domain/ports.js';
import { gate, startTokenTable, type TokenTable } from '../../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const CLIENT_ID = 'c'.repeat(40);
const now = new Date('2026-11-21T12:00:00.000Z');
/** Issue times, one per second: `at(2)` is issued after `at(1)`. */
const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString();

let table: TokenTable;
let grants: DynamoDbGrantStore;
let recovery: DynamoDbRecoveryStore;
let users = 0;
const newUser = () => {
  users += 1;
  return `user-${users}@example.com`;
};

const finish = (clientUserId: string, name: string, issuedAt: string): TokenGrant => ({
  clientUserId,
  humanId: HUMAN_ID,
  clientId: CLIENT_ID,
  accessTokenCiphertext: `ciphertext-${name}`,
  accessTokenIssuedAt: issuedAt,
  publicToken: `public-${name}`,
  publicTokenIssuedAt: issuedAt,
});
const refresh = (clientUserId: string, name: string, issuedAt: string): PublicTokenUpdate => ({
  clientUserId,
  humanId: HUMAN_ID,
  publicToken: `public-${name}`,
  publicTokenIssuedAt: issuedAt,
});
const rawItem = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const put = (item: Record<string, unknown>) =>
  table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
const updateItems = () => table.local.requestCounts.UpdateItem ?? 0;

beforeAll(async () => {
  table = await startTokenTable();
  grants = new DynamoDbGrantStore(table.client, table.tableName);
  recovery = new DynamoDbRecoveryStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

beforeEach(() => {
  table.hook = async () => 'pass';
  table.local.resetFaults();
});

describe('grants: one write per finish in the common case', () => {
  it('creates a record with both issue times, version 1 and createdAt, in one UpdateItem', async () => {
    const clientUserId = newUser();
    const writes = updateItems();

    const stored = await grants.storeGrant(finish(clientUserId, 'a', at(1)), now);

    expect(updateItems() - writes).toBe(1);
    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-a', version: 1 });
    expect(await rawItem(clientUserId)).toMatchObject({
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      publicToken: 'public-a',
      accessTokenCiphertext: 'ciphertext-a',
      accessTokenIssuedAt: at(1),
      publicTokenIssuedAt: at(1),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: 1,
    });
  });

  it('replaces both tokens with later-issued ones in one UpdateItem, keeping createdAt', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'a', at(1)), now);
    const writes = updateItems();
    const later = new Date(now.getTime() + 60_000);

    const stored = await grants.storeGrant(finish(clientUserId, 'b', at(2)), later);

    expect(updateItems() - writes).toBe(1);
    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-b', version: 2 });
    expect(await rawItem(clientUserId)).toMatchObject({
      publicToken: 'public-b',
      accessTokenCiphertext: 'ciphertext-b',
      createdAt: now.toISOString(),
      updatedAt: later.toISOString(),
      version: 2,
    });
  });

  it('keeps a later-issued record when an earlier-issued finish arrives late, and answers it', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'b', at(2)), now);

    const stored = await grants.storeGrant(finish(clientUserId, 'a', at(1)), now);

    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-b', version: 1 });
    expect(await rawItem(clientUserId)).toMatchObject({ accessTokenCiphertext: 'ciphertext-b', version: 1 });
  });
});

type Write = { readonly kind: 'finish' | 'refresh'; readonly name: string; readonly second: number };

/** Every permutation of a list. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

const ISSUE_ORDERS = permutations(['A', 'B', 'R']);
const LANDING_ORDERS = permutations(['A', 'B', 'R']);
const cases = ISSUE_ORDERS.flatMap((issue) => LANDING_ORDERS.map((landing) => ({ issue, landing })));

describe('grants: newest wins per token, whatever the order writes land in', () => {
  it.each(cases)(
    'finishes A, B and refresh R issued in order $issue, landing in order $landing',
    async ({ issue, landing }) => {
      // Prepare: a record issued before all three; issue times 10 s, 20 s, 30 s in the given order.
      const clientUserId = newUser();
      await grants.storeGrant(finish(clientUserId, 'seed', at(1)), now);
      const second = (name: string) => 10 * (issue.indexOf(name) + 1);
      const writes: Record<string, Write> = {
        A: { kind: 'finish', name: 'A', second: second('A') },
        B: { kind: 'finish', name: 'B', second: second('B') },
        R: { kind: 'refresh', name: 'R', second: second('R') },
      };

      // Act
      for (const name of landing) {
        const write = writes[name];
        if (write === undefined) throw new Error(name);
        if (write.kind === 'finish') await grants.storeGrant(finish(clientUserId, name, at(write.second)), now);
        else await recovery.storePublicToken(refresh(clientUserId, name, at(write.second)), now);
      }

      // Assess: the accessToken of the later finish; the publicToken issued last of all three.
      const laterFinish = issue.indexOf('A') > issue.indexOf('B') ? 'A' : 'B';
      const lastIssued = issue[2];
      const item = await rawItem(clientUserId);
      expect(item?.accessTokenCiphertext).toBe(`ciphertext-${laterFinish}`);
      expect(item?.publicToken).toBe(`public-${lastIssued}`);
    },
  );

  it('keeps finish B\u2019s accessToken and a later refresh\u2019s publicToken when B\u2019s write fails once and the refresh lands in the gap', async () => {
    // Prepare: finish A stored; B (issued later) fails its first attempt; meanwhile R lands.
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'A', at(1)), now);
    const paused = gate();
    const reached = gate();
    let updates = 0;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem') return 'pass';
      updates += 1;
      if (updates !== 1) return 'pass';
      reached.open();
      await paused.opened;
      return 'fail-before';
    };

    // Act
    const finishing = grants.storeGrant(finish(clientUserId, 'B', at(2)), now);
    await reached.opened;
    await recovery.storePublicToken(refresh(clientUserId, 'R', at(3)), now);
    paused.open();
    const answered = await finishing;

    // Assess
    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-R', version: 3 });
    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenCiphertext: 'ciphertext-B',
      publicToken: 'public-R',
    });
  });

  it('keeps a slow refresh\u2019s own publicToken when a finish issued before it landed first', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'seed', at(1)), now);
    await grants.storeGrant(finish(clientUserId, 'F', at(2)), now);

    const answered = await recovery.storePublicToken(refresh(clientUserId, 'R', at(3)), now);

    expect(answered).toMatchObject({ publicToken: 'public-R' });
    expect(await rawItem(clientUserId)).toMatchObject({
      publicToken: 'public-R',
      accessTokenCiphertext: 'ciphertext-F',
    });
  });

  it('counts a write whose answer was lost and the SDK retried exactly once', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'A', at(1)), now);
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    const answered = await grants.storeGrant(finish(clientUserId, 'B', at(2)), now);

    expect(lost).toBe(true);
    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-B', version: 2 });
    expect((await rawItem(clientUserId))?.version).toBe(2);
  });

  it('re-reads and applies only what is still newer when another write lands between its read and its write', async () => {
    // Prepare: accessToken from t1, publicToken refreshed at t3; finish B (t2) must read, then write.
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'A', at(1)), now);
    await recovery.storePublicToken(refresh(clientUserId, 'R', at(3)), now);
    const paused = gate();
    const reached = gate();
    let updates = 0;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem') return 'pass';
      updates += 1;
      if (updates !== 2) return 'pass';
      reached.open();
      await paused.opened;
      return 'pass';
    };

    // Act: B's version-conditioned write waits; finish C (t4) lands; B's write then loses its condition.
    const finishing = grants.storeGrant(finish(clientUserId, 'B', at(2)), now);
    await reached.opened;
    await grants.storeGrant(finish(clientUserId, 'C', at(4)), now);
    paused.open();
    const answered = await finishing;

    // Assess
    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-C', version: 3 });
    expect(await rawItem(clientUserId)).toMatchObject({ accessTokenCiphertext: 'ciphertext-C', version: 3 });
  });

  it('writes a newer accessToken alone when the stored publicToken is newer, keeping both issue times', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'A', at(1)), now);
    await recovery.storePublicToken(refresh(clientUserId, 'R', at(3)), now);

    const answered = await grants.storeGrant(finish(clientUserId, 'B', at(2)), now);

    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-R', version: 3 });
    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenCiphertext: 'ciphertext-B',
      accessTokenIssuedAt: at(2),
      publicToken: 'public-R',
      publicTokenIssuedAt: at(3),
    });
  });

  it('applies another humanId\u2019s publicToken only with its accessToken', async () => {
    // Prepare: the record's accessToken is newer than the grant's; its publicToken older.
    const clientUserId = newUser();
    await grants.storeGrant({ ...finish(clientUserId, 'A', at(5)), publicTokenIssuedAt: at(1) }, now);

    const answered = await grants.storeGrant({ ...finish(clientUserId, 'X', at(3)), humanId: 'x'.repeat(24) }, now);

    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-A', version: 1 });
    expect(await rawItem(clientUserId)).toMatchObject({ humanId: HUMAN_ID, publicToken: 'public-A' });
  });
});

describe('grants: the publicToken a replay answers', () => {
  it('reads the stored publicToken with its version, strongly consistent', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'a', at(1)), now);
    await recovery.storePublicToken(refresh(clientUserId, 'R', at(2)), now);

    expect(await grants.currentPublicToken(clientUserId)).toEqual({
      clientUserId,
      humanId: HUMAN_ID,
      publicToken: 'public-R',
      version: 2,
    });
  });

  it('answers undefined without a record, for a record holding no publicToken yet, and for a tombstone', async () => {
    const current = newUser();
    const tombstone = newUser();
    await put({ clientUserId: current, humanId: HUMAN_ID, clientId: CLIENT_ID, version: 1 });
    await put({ clientUserId: tombstone, deletedAt: at(1), version: 4 });

    expect(await grants.currentPublicToken(newUser())).toBeUndefined();
    expect(await grants.currentPublicToken(current)).toBeUndefined();
    expect(await grants.currentPublicToken(tombstone)).toBeUndefined();
  });
});

describe('grants: a deleted user\u2019s tombstone (deletedAt)', () => {
  const tombstoneOf = (clientUserId: string) => ({
    clientUserId,
    deletedAt: at(10),
    purgeAt: 1_800_000_000,
    updatedAt: at(10),
    version: 5,
  });

  it('stores nothing issued before the deletion, and answers undefined', async () => {
    const clientUserId = newUser();
    await put(tombstoneOf(clientUserId));

    const stored = await grants.storeGrant(finish(clientUserId, 'early', at(9)), now);

    expect(stored).toBeUndefined();
    expect(await rawItem(clientUserId)).toEqual(tombstoneOf(clientUserId));
  });

  it('stores a grant issued after the deletion, removing purgeAt and keeping deletedAt', async () => {
    const clientUserId = newUser();
    await put(tombstoneOf(clientUserId));

    const stored = await grants.storeGrant(finish(clientUserId, 'late', at(11)), now);

    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-late', version: 6 });
    const item = await rawItem(clientUserId);
    expect(item).toMatchObject({
      humanId: HUMAN_ID,
      accessTokenCiphertext: 'ciphertext-late',
      accessTokenIssuedAt: at(11),
      publicToken: 'public-late',
      publicTokenIssuedAt: at(11),
      deletedAt: at(10),
      version: 6,
    });
    expect(item).not.toHaveProperty('purgeAt');
  });

  it('stores nothing of a reconnected user\u2019s grant issued before the deletion', async () => {
    // Prepare: deleted at t10, connected again at t11; a grant of t9 (held in the outbox) drains late.
    const clientUserId = newUser();
    await put(tombstoneOf(clientUserId));
    await grants.storeGrant(finish(clientUserId, 'late', at(11)), now);

    const stored = await grants.storeGrant(finish(clientUserId, 'early', at(9)), now);

    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-late', version: 6 });
    expect(await rawItem(clientUserId)).toMatchObject({ accessTokenCiphertext: 'ciphertext-late', version: 6 });
  });
});

describe('grants: records written before per-token issue times', () => {
  async function legacyRecord(clientUserId: string): Promise<void> {
    await put({
      clientUserId,
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      accessToken: 'plaintext-legacy',
      publicToken: 'public-legacy',
      exchangedAt: at(5),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: 7,
      lastWriteId: 'legacy-write',
    });
  }

  it('reads exchangedAt as the issue time of both tokens: a finish issued before it changes nothing', async () => {
    const clientUserId = newUser();
    await legacyRecord(clientUserId);

    const stored = await grants.storeGrant(finish(clientUserId, 'old', at(4)), now);

    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-legacy', version: 7 });
    expect(await rawItem(clientUserId)).toMatchObject({ accessToken: 'plaintext-legacy', exchangedAt: at(5) });
  });

  it('drops the plaintext accessToken and exchangedAt on the first later finish', async () => {
    const clientUserId = newUser();
    await legacyRecord(clientUserId);

    await grants.storeGrant(finish(clientUserId, 'new', at(6)), now);

    const item = await rawItem(clientUserId);
    expect(item).toMatchObject({ accessTokenCiphertext: 'ciphertext-new', version: 8, createdAt: now.toISOString() });
    expect(item).not.toHaveProperty('accessToken');
    expect(item).not.toHaveProperty('exchangedAt');
  });

  it('keeps exchangedAt as the accessToken\u2019s issue time after a refresh: a finish between the two applies its accessToken only', async () => {
    // Prepare: legacy tokens of t5; a refresh of t6 replaces the publicToken (it cannot encrypt the plaintext).
    const clientUserId = newUser();
    await legacyRecord(clientUserId);
    await recovery.storePublicToken(refresh(clientUserId, 'R', at(6)), now);
    const between = '2026-11-21T10:00:05.500Z';

    const stored = await grants.storeGrant(finish(clientUserId, 'between', between), now);

    expect(stored).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-R', version: 9 });
    const item = await rawItem(clientUserId);
    expect(item).toMatchObject({
      accessTokenCiphertext: 'ciphertext-between',
      accessTokenIssuedAt: between,
      publicToken: 'public-R',
      publicTokenIssuedAt: at(6),
    });
    expect(item).not.toHaveProperty('accessToken');
    expect(item).not.toHaveProperty('exchangedAt');
  });
});

describe('grants: failures', () => {
  it('turns DynamoDB failing past the SDK retries into DependencyUnavailableError', async () => {
    const clientUserId = newUser();
    table.local.injectFault({ count: 1000 });

    await expect(grants.storeGrant(finish(clientUserId, 'A', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await expect(grants.currentPublicToken(clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('refuses an item that is not a token record, logging field names but no values', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-odd', version: '3' });
    const logged = vi.spyOn(logger, 'error');

    await expect(grants.currentPublicToken(clientUserId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
    await expect(grants.storeGrant(finish(clientUserId, 'A', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );

    expect(logged).toHaveBeenCalledWith('DynamoDB answered an item that is not a token record', {
      operation: 'GetItem',
      fields: ['version'],
    });
    expect(JSON.stringify(logged.mock.calls)).not.toContain('public-odd');
    logged.mockRestore();
  });
});

describe('grants: the idempotency records a deletion removes', () => {
  // Unexpired at `now` (2026-11-21T12:00:00Z is 1_795_262_400).
  const record = (name: string, expiresAt = 1_796_000_000) => ({ id: `finishSession#${name}`, expiresAt });

  it('lists a finish\u2019s idempotency record in the same write as its tokens', async () => {
    const clientUserId = newUser();
    const writes = updateItems();

    await grants.storeGrant(finish(clientUserId, 'a', at(1)), now, record('a'));
    await grants.storeGrant(finish(clientUserId, 'b', at(2)), now, record('b'));

    expect(updateItems() - writes).toBe(2);
    expect((await rawItem(clientUserId))?.idempotencyRecords).toEqual([record('a'), record('b')]);
  });

  it('lists it when nothing was newer too: the idempotency record will hold the stored publicToken', async () => {
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'new', at(5)), now, record('new'));
    const before = await rawItem(clientUserId);

    const stored = await grants.storeGrant(finish(clientUserId, 'old', at(4)), now, record('old'));

    expect(stored?.publicToken).toBe('public-new');
    const after = await rawItem(clientUserId);
    expect(after?.idempotencyRecords).toEqual([record('new'), record('old')]);
    // Not a write of tokens: the version stays; the write id changes, so a deletion sees the list changed.
    expect(after?.version).toBe(before?.version);
    expect(after?.lastWriteId).not.toBe(before?.lastWriteId);
  });

  it('reads again when the record is deleted between its read and the listing: answers no deleted publicToken', async () => {
    // Prepare: a newer token is stored; the older finish reads it, then pauses before listing.
    const clientUserId = newUser();
    await grants.storeGrant(finish(clientUserId, 'new', at(5)), now, record('new'));
    const paused = gate();
    const resume = gate();
    let updates = 0;
    const late = new DynamoDbGrantStore(
      table.freshClient(async (operation) => {
        if (operation === 'UpdateItem' && ++updates === 2) {
          paused.open();
          await resume.opened;
        }
        return 'pass';
      }),
      table.tableName,
    );
    const storing = late.storeGrant(finish(clientUserId, 'old', at(4)), now, record('old'));
    await paused.opened;

    // Act: the deletion lands.
    await new DynamoDbTombstones(table.client, table.tableName).writeTombstone(clientUserId, now, 86_400_000);
    resume.open();

    // Assess
    expect(await storing).toBeUndefined();
    expect((await rawItem(clientUserId))?.idempotencyRecords).toEqual([record('new')]);
  });

  it('lists nothing, and answers undefined, on a tombstone a grant issued before cannot pass', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, deletedAt: at(10), purgeAt: 1_800_000_000, version: 2 });

    const stored = await grants.storeGrant(finish(clientUserId, 'early', at(9)), now, record('early'));

    expect(stored).toBeUndefined();
    expect(await rawItem(clientUserId)).toEqual({
      clientUserId,
      deletedAt: at(10),
      purgeAt: 1_800_000_000,
      version: 2,
    });
  });

  it('keeps the list to ten once longer: expired entries go first, then the oldest', async () => {
    // Prepare: two expired entries and nine current ones.
    const clientUserId = newUser();
    const expired = [record('x1', 1_700_000_000), record('x2', 1_700_000_000)];
    const current = Array.from({ length: 9 }, (_, index) => record(`c${index}`));
    await put({
      ...finish(clientUserId, 'seed', at(1)),
      version: 1,
      lastWriteId: 'seed',
      idempotencyRecords: [...expired, ...current],
    });

    // Act: the twelfth entry makes the list too long.
    await grants.storeGrant(finish(clientUserId, 'twelfth', at(2)), now, record('twelfth'));
    await grants.storeGrant(finish(clientUserId, 'thirteenth', at(3)), now, record('thirteenth'));

    // Assess
    expect((await rawItem(clientUserId))?.idempotencyRecords).toEqual([
      ...current.slice(1),
      record('twelfth'),
      record('thirteenth'),
    ]);
  });

  it('answers when the user was last deleted, and undefined for a user never deleted', async () => {
    const deleted = newUser();
    const reconnected = newUser();
    const never = newUser();
    await put({ clientUserId: deleted, deletedAt: at(10), version: 1 });
    await put({ clientUserId: reconnected, deletedAt: at(10), version: 1 });
    await grants.storeGrant(finish(reconnected, 'late', at(11)), now);
    await grants.storeGrant(finish(never, 'a', at(1)), now);

    expect(await grants.deletedAt(deleted)).toBe(at(10));
    expect(await grants.deletedAt(reconnected)).toBe(at(10));
    expect(await grants.deletedAt(never)).toBeUndefined();
    expect(await grants.deletedAt(newUser())).toBeUndefined();
  });
});
