import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTokenStore,
  type PublicTokenUpdate,
  type TokenGrant,
  type TokenStore,
} from '../../../functions/adapters/token-store.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../../functions/commons/errors.js';
import { logger } from '../../../functions/commons/observability.js';
import { gate, startTokenTable, type TokenTable } from '../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const CLIENT_ID = 'c'.repeat(40);
const now = new Date('2026-11-21T12:00:00.000Z');
/** Issue times, one per second: `at(2)` is issued after `at(1)`. */
const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString();

let table: TokenTable;
let store: TokenStore;
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
const updateItems = () => table.local.requestCounts.UpdateItem ?? 0;

beforeAll(async () => {
  table = await startTokenTable();
  store = createTokenStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

beforeEach(() => {
  table.hook = async () => 'pass';
  table.local.resetFaults();
});

describe('token store: one write per finish in the common case', () => {
  it('creates a record with both issue times, version 1 and createdAt, in one UpdateItem', async () => {
    const clientUserId = newUser();
    const writes = updateItems();

    const record = await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);

    expect(updateItems() - writes).toBe(1);
    expect(record).toMatchObject({
      publicToken: 'public-a',
      accessTokenCiphertext: 'ciphertext-a',
      accessTokenIssuedAt: at(1),
      publicTokenIssuedAt: at(1),
      createdAt: now.toISOString(),
      version: 1,
    });
  });

  it('replaces both tokens with later-issued ones in one UpdateItem, keeping createdAt', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);
    const writes = updateItems();
    const later = new Date(now.getTime() + 60_000);

    const record = await store.upsertTokenRecord(finish(clientUserId, 'b', at(2)), later);

    expect(updateItems() - writes).toBe(1);
    expect(record).toMatchObject({
      publicToken: 'public-b',
      accessTokenCiphertext: 'ciphertext-b',
      createdAt: now.toISOString(),
      updatedAt: later.toISOString(),
      version: 2,
    });
  });

  it('keeps a later-issued record when an earlier-issued finish arrives late, and answers it', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'b', at(2)), now);

    const record = await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);

    expect(record).toMatchObject({ publicToken: 'public-b', accessTokenCiphertext: 'ciphertext-b', version: 1 });
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

describe('token store: newest wins per token, whatever the order writes land in', () => {
  it.each(cases)(
    'finishes A, B and refresh R issued in order $issue, landing in order $landing',
    async ({ issue, landing }) => {
      // Prepare: a record issued before all three; issue times 10 s, 20 s, 30 s in the given order.
      const clientUserId = newUser();
      await store.upsertTokenRecord(finish(clientUserId, 'seed', at(1)), now);
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
        if (write.kind === 'finish') await store.upsertTokenRecord(finish(clientUserId, name, at(write.second)), now);
        else await store.storePublicToken(refresh(clientUserId, name, at(write.second)), now);
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
    await store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now);
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
    const finishing = store.upsertTokenRecord(finish(clientUserId, 'B', at(2)), now);
    await reached.opened;
    await store.storePublicToken(refresh(clientUserId, 'R', at(3)), now);
    paused.open();
    const answered = await finishing;

    // Assess
    expect(answered).toMatchObject({ accessTokenCiphertext: 'ciphertext-B', publicToken: 'public-R', version: 3 });
    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenCiphertext: 'ciphertext-B',
      publicToken: 'public-R',
    });
  });

  it('keeps a slow refresh\u2019s own publicToken when a finish issued before it landed first', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'seed', at(1)), now);
    await store.upsertTokenRecord(finish(clientUserId, 'F', at(2)), now);

    const answered = await store.storePublicToken(refresh(clientUserId, 'R', at(3)), now);

    expect(answered).toMatchObject({ publicToken: 'public-R' });
    expect(await rawItem(clientUserId)).toMatchObject({
      publicToken: 'public-R',
      accessTokenCiphertext: 'ciphertext-F',
    });
  });

  it('counts a write whose answer was lost and the SDK retried exactly once', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now);
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    const answered = await store.upsertTokenRecord(finish(clientUserId, 'B', at(2)), now);

    expect(lost).toBe(true);
    expect(answered).toMatchObject({ publicToken: 'public-B', version: 2 });
    expect((await rawItem(clientUserId))?.version).toBe(2);
  });

  it('re-reads and applies only what is still newer when another write lands between its read and its write', async () => {
    // Prepare: accessToken from t1, publicToken refreshed at t3; finish B (t2) must read, then write.
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now);
    await store.storePublicToken(refresh(clientUserId, 'R', at(3)), now);
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
    const finishing = store.upsertTokenRecord(finish(clientUserId, 'B', at(2)), now);
    await reached.opened;
    await store.upsertTokenRecord(finish(clientUserId, 'C', at(4)), now);
    paused.open();
    const answered = await finishing;

    // Assess
    expect(answered).toMatchObject({ accessTokenCiphertext: 'ciphertext-C', publicToken: 'public-C' });
    expect(await rawItem(clientUserId)).toMatchObject({ accessTokenCiphertext: 'ciphertext-C', version: 3 });
  });
});

describe('token store: refreshes', () => {
  it('never touches the accessToken', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now);

    const answered = await store.storePublicToken(refresh(clientUserId, 'R', at(2)), now);

    expect(answered).toEqual({ clientUserId, humanId: HUMAN_ID, publicToken: 'public-R', version: 2 });
    expect(await rawItem(clientUserId)).toMatchObject({
      publicToken: 'public-R',
      publicTokenIssuedAt: at(2),
      accessTokenCiphertext: 'ciphertext-A',
      accessTokenIssuedAt: at(1),
      version: 2,
    });
  });

  it('creates no record for a user without one, and leaves a record of another humanId alone', async () => {
    const absent = newUser();
    const other = newUser();
    await store.upsertTokenRecord({ ...finish(other, 'A', at(1)), humanId: 'x'.repeat(24) }, now);

    expect(await store.storePublicToken(refresh(absent, 'R', at(2)), now)).toBeUndefined();
    expect(await rawItem(absent)).toBeUndefined();
    expect(await store.storePublicToken(refresh(other, 'R', at(2)), now)).toMatchObject({ publicToken: 'public-A' });
  });
});

describe('token store: records written before per-token issue times', () => {
  async function legacyRecord(clientUserId: string): Promise<void> {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
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
        },
      }),
    );
  }

  it('reads exchangedAt as the issue time of both tokens', async () => {
    const clientUserId = newUser();
    await legacyRecord(clientUserId);

    expect(await store.getTokenRecord(clientUserId)).toMatchObject({
      accessTokenIssuedAt: at(5),
      publicTokenIssuedAt: at(5),
      accessTokenCiphertext: undefined,
    });
    expect(await store.upsertTokenRecord(finish(clientUserId, 'old', at(4)), now)).toMatchObject({
      publicToken: 'public-legacy',
      version: 7,
    });
  });

  it('drops the plaintext accessToken and exchangedAt on the first later finish', async () => {
    const clientUserId = newUser();
    await legacyRecord(clientUserId);

    await store.upsertTokenRecord(finish(clientUserId, 'new', at(6)), now);

    const item = await rawItem(clientUserId);
    expect(item).toMatchObject({ accessTokenCiphertext: 'ciphertext-new', version: 8, createdAt: now.toISOString() });
    expect(item).not.toHaveProperty('accessToken');
    expect(item).not.toHaveProperty('exchangedAt');
  });

  it('keeps the plaintext accessToken on a refresh, which cannot encrypt it', async () => {
    const clientUserId = newUser();
    await legacyRecord(clientUserId);

    await store.storePublicToken(refresh(clientUserId, 'R', at(6)), now);

    expect(await rawItem(clientUserId)).toMatchObject({ accessToken: 'plaintext-legacy', publicToken: 'public-R' });
    expect(await store.getTokenRecord(clientUserId)).toMatchObject({ accessTokenIssuedAt: at(5) });
  });
});

describe('token store: failures', () => {
  it('turns DynamoDB failing past the SDK retries into DependencyUnavailableError', async () => {
    const clientUserId = newUser();
    table.local.injectFault({ count: 1000 });

    await expect(store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await expect(store.storePublicToken(refresh(clientUserId, 'R', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await expect(store.getTokenRecord(clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.getRecoveryRecord(clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.findRecoveryRecordByHumanId(HUMAN_ID)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('refuses an item that is not a token record, logging field names but no values', async () => {
    const clientUserId = newUser();
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { clientUserId, humanId: HUMAN_ID, publicToken: 'public-odd', version: '3' },
      }),
    );
    const logged = vi.spyOn(logger, 'error');

    await expect(store.getTokenRecord(clientUserId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
    await expect(store.upsertTokenRecord(finish(clientUserId, 'A', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );

    expect(logged).toHaveBeenCalled();
    expect(JSON.stringify(logged.mock.calls)).not.toContain('public-odd');
    logged.mockRestore();
  });
});

describe('token store: recovery names only what its role may touch (docs/security.md)', () => {
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
    await store.upsertTokenRecord(finish(user, 'one', at(1)), now);

    const commands = await commandsOf(async () => {
      expect(await store.getRecoveryRecord(user)).toEqual({
        clientUserId: user,
        humanId: HUMAN_ID,
        publicToken: 'public-one',
        version: 1,
      });
      expect(await store.findRecoveryRecordByHumanId(HUMAN_ID)).toMatchObject({ humanId: HUMAN_ID });
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
    await store.upsertTokenRecord(finish(user, 'one', at(1)), now);
    // A finish lands first with a later publicToken: the refresh's first write loses and it reads.
    await store.upsertTokenRecord(finish(user, 'two', at(5)), now);

    const commands = await commandsOf(async () => {
      expect(await store.storePublicToken(refresh(user, 'refresh', at(3)), now)).toMatchObject({
        publicToken: 'public-two',
      });
      expect(await store.storePublicToken(refresh(user, 'later', at(9)), now)).toMatchObject({
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
    const item = await rawItem(user);
    expect(item).toMatchObject({ accessTokenCiphertext: 'ciphertext-two', accessTokenIssuedAt: at(5) });
  });
});

describe('token store: minted access tokens, newest wins', () => {
  const minted = (clientUserId: string, name: string, issuedAt: string) => ({
    clientUserId,
    ciphertext: `minted-ciphertext-${name}`,
    expiresAt: '2026-11-22T10:00:00.000Z',
    issuedAt,
  });

  it('stores a minted token on a record, keeping its v1 tokens, counting one write and setting connectedAt', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);

    await expect(store.storeMintedAccessToken(minted(clientUserId, 'm', at(2)), now)).resolves.toBe(true);

    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenCiphertext: 'ciphertext-a',
      publicToken: 'public-a',
      mintedAccessTokenCiphertext: 'minted-ciphertext-m',
      mintedAccessTokenExpiresAt: '2026-11-22T10:00:00.000Z',
      mintedAccessTokenIssuedAt: at(2),
      connectedAt: now.toISOString(),
      version: 2,
    });
  });

  it('never replaces a minted token by one issued earlier, whichever lands last', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);
    await store.storeMintedAccessToken(minted(clientUserId, 'later', at(5)), now);

    await expect(store.storeMintedAccessToken(minted(clientUserId, 'earlier', at(4)), now)).resolves.toBe(false);

    expect(await rawItem(clientUserId)).toMatchObject({
      mintedAccessTokenCiphertext: 'minted-ciphertext-later',
      mintedAccessTokenIssuedAt: at(5),
      version: 2,
    });
  });

  it('creates no record for a user who has none', async () => {
    const clientUserId = newUser();

    await expect(store.storeMintedAccessToken(minted(clientUserId, 'm', at(1)), now)).resolves.toBe(false);

    expect(await rawItem(clientUserId)).toBeUndefined();
  });

  it('counts a write whose answer was lost once, and reports it stored', async () => {
    const clientUserId = newUser();
    await store.upsertTokenRecord(finish(clientUserId, 'a', at(1)), now);
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    await expect(store.storeMintedAccessToken(minted(clientUserId, 'm', at(2)), now)).resolves.toBe(true);

    expect(await rawItem(clientUserId)).toMatchObject({ mintedAccessTokenIssuedAt: at(2), version: 2 });
  });
});
