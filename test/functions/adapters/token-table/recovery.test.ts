/**
 * Public-token recovery's reads and writes of the token table (DynamoDbRecoveryStore) against
 * dynalite: what it reads, how a refresh writes the publicToken alone (newest wins), tombstones,
 * failures, and that every request names only what recovery's role may touch.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../../functions/adapters/token-table/recovery.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../../../functions/domain/errors.js';
import type { PublicTokenUpdate, TokenGrant } from '../../../../functions/domain/ports.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

const CLIENT_ID = 'c'.repeat(40);
const now = new Date('2026-11-21T12:00:00.000Z');
/** Issue times, one per second: `at(2)` is issued after `at(1)`. */
const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString();

let table: TokenTable;
let grants: DynamoDbGrantStore;
let recovery: DynamoDbRecoveryStore;
let users = 0;
/** A user and a humanId of their own (the index on humanId answers one record per humanId here). */
const newUser = () => {
  users += 1;
  return { clientUserId: `user-${users}@example.com`, humanId: `human-${String(users).padStart(18, '0')}` };
};

const finish = (user: { clientUserId: string; humanId: string }, name: string, issuedAt: string): TokenGrant => ({
  ...user,
  clientId: CLIENT_ID,
  accessTokenCiphertext: `ciphertext-${name}`,
  accessTokenIssuedAt: issuedAt,
  publicToken: `public-${name}`,
  publicTokenIssuedAt: issuedAt,
});
const refresh = (
  user: { clientUserId: string; humanId: string },
  name: string,
  issuedAt: string,
): PublicTokenUpdate => ({ ...user, publicToken: `public-${name}`, publicTokenIssuedAt: issuedAt });
const rawItem = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const put = (item: Record<string, unknown>) =>
  table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));

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

describe('recovery: reads', () => {
  it('reads a record by clientUserId and by humanId', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'one', at(1)), now);
    const expected = { ...user, publicToken: 'public-one', version: 1 };

    expect(await recovery.getByClientUserId(user.clientUserId)).toEqual(expected);
    expect(await recovery.findByHumanId(user.humanId)).toEqual(expected);
  });

  it('reads a current-generation record that holds no publicToken yet as publicToken ""', async () => {
    const user = newUser();
    await put({ ...user, clientId: CLIENT_ID, connectedAt: at(1), version: 1 });

    expect(await recovery.getByClientUserId(user.clientUserId)).toEqual({ ...user, publicToken: '', version: 1 });
  });

  it('answers undefined without a record, and for a deleted user\u2019s tombstone (deletedAt, no humanId)', async () => {
    const absent = newUser();
    const deleted = newUser();
    await put({ clientUserId: deleted.clientUserId, deletedAt: at(3), purgeAt: 1_800_000_000, version: 4 });

    expect(await recovery.getByClientUserId(absent.clientUserId)).toBeUndefined();
    expect(await recovery.findByHumanId(absent.humanId)).toBeUndefined();
    expect(await recovery.getByClientUserId(deleted.clientUserId)).toBeUndefined();
  });
});

describe('recovery: refreshes', () => {
  it('never touches the accessToken', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'A', at(1)), now);

    const answered = await recovery.storePublicToken(refresh(user, 'R', at(2)), now);

    expect(answered).toEqual({ ...user, publicToken: 'public-R', version: 2 });
    expect(await rawItem(user.clientUserId)).toMatchObject({
      publicToken: 'public-R',
      publicTokenIssuedAt: at(2),
      accessTokenCiphertext: 'ciphertext-A',
      accessTokenIssuedAt: at(1),
      version: 2,
    });
  });

  it('answers the stored publicToken, changing nothing, when it was issued later than the refresh', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'A', at(5)), now);

    const answered = await recovery.storePublicToken(refresh(user, 'R', at(4)), now);

    expect(answered).toEqual({ ...user, publicToken: 'public-A', version: 1 });
    expect(await rawItem(user.clientUserId)).toMatchObject({ publicToken: 'public-A', version: 1 });
  });

  it('creates no record for a user without one, and leaves a record of another humanId alone', async () => {
    const absent = newUser();
    const other = newUser();
    await grants.storeGrant({ ...finish(other, 'A', at(1)), humanId: 'x'.repeat(24) }, now);

    expect(await recovery.storePublicToken(refresh(absent, 'R', at(2)), now)).toBeUndefined();
    expect(await rawItem(absent.clientUserId)).toBeUndefined();
    expect(await recovery.storePublicToken(refresh(other, 'R', at(2)), now)).toMatchObject({ publicToken: 'public-A' });
    expect(await rawItem(other.clientUserId)).toMatchObject({ humanId: 'x'.repeat(24), publicToken: 'public-A' });
  });

  it('counts a write whose answer was lost and the SDK retried exactly once', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'A', at(1)), now);
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    const answered = await recovery.storePublicToken(refresh(user, 'R', at(2)), now);

    expect(lost).toBe(true);
    expect(answered).toEqual({ ...user, publicToken: 'public-R', version: 2 });
    expect((await rawItem(user.clientUserId))?.version).toBe(2);
  });

  it('stores nothing on a tombstone, and answers undefined', async () => {
    const user = newUser();
    const tombstone = { clientUserId: user.clientUserId, deletedAt: at(3), version: 4 };
    await put(tombstone);

    expect(await recovery.storePublicToken(refresh(user, 'R', at(4)), now)).toBeUndefined();
    expect(await rawItem(user.clientUserId)).toEqual(tombstone);
  });

  it('stores no publicToken issued before the user\u2019s deletion, one issued after it', async () => {
    // A user deleted at t10 whose record /connect-tokens wrote again since (humanId, no tokens).
    const user = newUser();
    await put({ ...user, clientId: CLIENT_ID, deletedAt: at(10), version: 6 });

    const before = await recovery.storePublicToken(refresh(user, 'before', at(9)), now);
    const after = await recovery.storePublicToken(refresh(user, 'after', at(11)), now);

    expect(before).toEqual({ ...user, publicToken: '', version: 6 });
    expect(after).toEqual({ ...user, publicToken: 'public-after', version: 7 });
    expect(await rawItem(user.clientUserId)).toMatchObject({ publicToken: 'public-after', deletedAt: at(10) });
  });
});

describe('recovery: records written before per-token issue times', () => {
  async function legacyRecord(user: { clientUserId: string; humanId: string }): Promise<void> {
    await put({
      ...user,
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

  it('reads exchangedAt as the publicToken\u2019s issue time: a refresh issued before it changes nothing', async () => {
    const user = newUser();
    await legacyRecord(user);

    const answered = await recovery.storePublicToken(refresh(user, 'R', at(4)), now);

    expect(answered).toEqual({ ...user, publicToken: 'public-legacy', version: 7 });
  });

  it('keeps the plaintext accessToken and exchangedAt on a refresh, which cannot encrypt it', async () => {
    const user = newUser();
    await legacyRecord(user);

    await recovery.storePublicToken(refresh(user, 'R', at(6)), now);

    expect(await rawItem(user.clientUserId)).toMatchObject({
      accessToken: 'plaintext-legacy',
      exchangedAt: at(5),
      publicToken: 'public-R',
      publicTokenIssuedAt: at(6),
      version: 8,
    });
  });
});

describe('recovery: failures', () => {
  it('turns DynamoDB failing past the SDK retries into DependencyUnavailableError', async () => {
    const user = newUser();
    table.local.injectFault({ count: 1000 });

    await expect(recovery.storePublicToken(refresh(user, 'R', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await expect(recovery.getByClientUserId(user.clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(recovery.findByHumanId(user.humanId)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('refuses an item that is not a token record', async () => {
    const user = newUser();
    await put({ ...user, publicToken: 'public-odd', version: '3' });

    await expect(recovery.getByClientUserId(user.clientUserId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
  });
});

describe('recovery names only what its role may touch (docs/security.md)', () => {
  // The attributes recoverPublicToken's IAM policy lets it name, written out here by hand.
  const readable = new Set([
    'clientUserId',
    'humanId',
    'clientId',
    'publicToken',
    'publicTokenIssuedAt',
    'version',
    'createdAt',
    'updatedAt',
    'exchangedAt',
    'lastWriteId',
    'connectedAt',
    'deletedAt',
    'accessTokenIssuedAt',
  ]);
  const writable = new Set([...readable].filter((name) => name !== 'accessTokenIssuedAt'));

  /** Every command the store sends while `run` runs, as plain inputs. */
  async function commandsOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const send = vi.spyOn(table.client, 'send');
    try {
      await run();
      return send.mock.calls.map(([command]) => ({ name: command.constructor.name, ...(command.input as object) }));
    } finally {
      send.mockRestore();
    }
  }

  /** The attribute names a command's expressions name (through `#` placeholders or bare). */
  function namedAttributes(input: Record<string, unknown>): string[] {
    const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const expressions = [input.ProjectionExpression, input.UpdateExpression, input.ConditionExpression]
      .filter((value): value is string => typeof value === 'string')
      .join(' ');
    // Placeholders of values (`:now`) are not attribute names.
    const words = (expressions.match(/[#:]?[A-Za-z_][A-Za-z0-9_]*/g) ?? []).filter((word) => !word.startsWith(':'));
    const keywords = new Set(['SET', 'REMOVE', 'ADD', 'AND', 'OR', 'NOT', 'attribute_exists', 'attribute_not_exists']);
    return words
      .filter((word) => !keywords.has(word))
      .map((word) => (word.startsWith('#') ? (names[word] ?? word) : word));
  }

  it('reads by clientUserId and by humanId with a projection of recovery attributes only', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'one', at(1)), now);

    const commands = await commandsOf(async () => {
      expect(await recovery.getByClientUserId(user.clientUserId)).toEqual({
        ...user,
        publicToken: 'public-one',
        version: 1,
      });
      expect(await recovery.findByHumanId(user.humanId)).toMatchObject({ humanId: user.humanId });
    });

    expect(commands.map(({ name }) => name)).toEqual(['GetCommand', 'QueryCommand']);
    for (const command of commands) {
      expect(command.ProjectionExpression).toBeTypeOf('string');
      for (const name of namedAttributes(command)) expect(readable).toContain(name);
    }
    expect(commands[1]).toMatchObject({ Select: 'SPECIFIC_ATTRIBUTES', IndexName: 'humanId-index' });
  });

  it('refreshes naming only writable attributes and returning only what it updated, on the lost-condition path too', async () => {
    const user = newUser();
    await grants.storeGrant(finish(user, 'one', at(1)), now);
    // A finish lands first with a later publicToken: the refresh's first write loses and it reads.
    await grants.storeGrant(finish(user, 'two', at(5)), now);

    const commands = await commandsOf(async () => {
      expect(await recovery.storePublicToken(refresh(user, 'refresh', at(3)), now)).toMatchObject({
        publicToken: 'public-two',
      });
      expect(await recovery.storePublicToken(refresh(user, 'later', at(9)), now)).toMatchObject({
        publicToken: 'public-later',
      });
    });

    expect(commands.map(({ name }) => name)).toEqual(['UpdateCommand', 'GetCommand', 'UpdateCommand']);
    for (const command of commands) {
      const allowed = command.name === 'GetCommand' ? readable : writable;
      for (const name of namedAttributes(command)) expect(allowed).toContain(name);
      if (command.name === 'GetCommand') expect(command.ProjectionExpression).toBeTypeOf('string');
      else expect(command.ReturnValues).toBe('UPDATED_NEW');
    }
    const item = await rawItem(user.clientUserId);
    expect(item).toMatchObject({ accessTokenCiphertext: 'ciphertext-two', accessTokenIssuedAt: at(5) });
  });
});
