/**
 * `/connect-tokens`' reads and writes of the token table (DynamoDbConnectUserStore) against
 * dynalite: the user's humanId and connection state, never a token, and only the attributes the
 * function's role may touch.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbConnectUserStore } from '../../../../functions/adapters/token-table/connect-users.js';
import {
  DependencyUnavailableError,
  HumanApiFailedError,
  UnreadableTokenRecordError,
} from '../../../../functions/domain/errors.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

const humanId = 'h'.repeat(24);
const CLIENT_ID = 'c'.repeat(40);
const now = new Date('2026-12-01T10:00:00.000Z');
const later = new Date('2026-12-01T11:00:00.000Z');

let table: TokenTable;
let store: DynamoDbConnectUserStore;
let users = 0;
const newUser = () => {
  users += 1;
  return `user-${users}`;
};
const write = (clientUserId: string, connected = false, at = now) => ({
  clientUserId,
  humanId,
  clientId: CLIENT_ID,
  connected,
  now: at,
});
const rawItem = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const put = (item: Record<string, unknown>) =>
  table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));

/** A v1 user's record, as a finish wrote it. */
const v1Record = (clientUserId: string) => ({
  clientUserId,
  humanId,
  clientId: CLIENT_ID,
  accessTokenCiphertext: 'ciphertext-v1',
  accessTokenIssuedAt: '2026-11-30T10:00:00.000Z',
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: '2026-11-30T10:00:00.000Z',
  createdAt: '2026-11-30T10:00:00.000Z',
  updatedAt: '2026-11-30T10:00:00.000Z',
  version: 3,
});

beforeAll(async () => {
  table = await startTokenTable();
  store = new DynamoDbConnectUserStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

beforeEach(() => {
  table.hook = async () => 'pass';
  table.local.resetFaults();
});

describe('connect users: reads', () => {
  it('reads the humanId of a record without a connection as not connected', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId, version: 1 });

    expect(await store.getConnectUser(clientUserId)).toEqual({ clientUserId, humanId, connected: false });
  });

  it.each([
    ['connectedAt', { connectedAt: '2026-12-01T09:00:00.000Z' }],
    ['a v1 publicToken', { publicToken: 'p'.repeat(32) }],
  ])('reads a user as connected from %s', async (_, attributes) => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId, version: 1, ...attributes });

    expect(await store.getConnectUser(clientUserId)).toEqual({ clientUserId, humanId, connected: true });
  });

  it.each([
    ['connectedAt', { connectedAt: '2026-12-01T09:00:00.000Z' }],
    ['a v1 publicToken', { publicToken: 'p'.repeat(32) }],
  ])('reads a user marked reconnectRequired as not connected, whatever %s says', async (_, attributes) => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId, version: 1, reconnectRequired: true, ...attributes });

    expect(await store.getConnectUser(clientUserId)).toEqual({
      clientUserId,
      humanId,
      connected: false,
      reconnectRequired: true,
    });
  });

  it('answers undefined when there is no record, and no humanId for an empty one', async () => {
    const empty = newUser();
    await put({ clientUserId: empty, humanId: '', version: 1 });

    expect(await store.getConnectUser(newUser())).toBeUndefined();
    expect(await store.getConnectUser(empty)).toEqual({ clientUserId: empty, humanId: undefined, connected: false });
  });

  it('treats an item of another shape as a storage failure', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId, connectedAt: 42 });

    await expect(store.getConnectUser(clientUserId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
  });
});

describe('connect users: recording the humanId', () => {
  it('creates a record without tokens in one UpdateItem: humanId, clientId, createdAt, version 1', async () => {
    const clientUserId = newUser();
    const writes = table.local.requestCounts.UpdateItem ?? 0;

    await store.recordConnectUser(write(clientUserId));

    expect((table.local.requestCounts.UpdateItem ?? 0) - writes).toBe(1);

    const item = await rawItem(clientUserId);
    expect(item).toEqual({
      clientUserId,
      humanId,
      clientId: CLIENT_ID,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      lastWriteId: expect.any(String),
      version: 1,
    });
  });

  it('keeps every token, createdAt and clientId of an existing record, adding 1 to version', async () => {
    const clientUserId = newUser();
    await put(v1Record(clientUserId));

    await store.recordConnectUser({ ...write(clientUserId, false, later), clientId: 'other-client-id' });

    expect(await rawItem(clientUserId)).toMatchObject({
      ...v1Record(clientUserId),
      updatedAt: later.toISOString(),
      version: 4,
    });
  });

  it('sets connectedAt once, when asked, and never moves it', async () => {
    const clientUserId = newUser();

    await store.recordConnectUser(write(clientUserId, false));
    expect(await rawItem(clientUserId)).not.toHaveProperty('connectedAt');
    await store.recordConnectUser(write(clientUserId, true, now));
    await store.recordConnectUser(write(clientUserId, true, later));

    expect(await rawItem(clientUserId)).toMatchObject({ connectedAt: now.toISOString(), version: 3 });
    expect(await store.getConnectUser(clientUserId)).toEqual({ clientUserId, humanId, connected: true });
  });

  it('removes reconnectRequired when recording a connection, and keeps it otherwise', async () => {
    const kept = newUser();
    const cleared = newUser();
    await put({ clientUserId: kept, humanId, connectedAt: now.toISOString(), reconnectRequired: true, version: 2 });
    await put({ clientUserId: cleared, humanId, connectedAt: now.toISOString(), reconnectRequired: true, version: 2 });

    await store.recordConnectUser(write(kept, false, later));
    await store.recordConnectUser(write(cleared, true, later));

    expect(await rawItem(kept)).toMatchObject({ reconnectRequired: true, version: 3 });
    expect(await rawItem(cleared)).not.toHaveProperty('reconnectRequired');
    expect(await rawItem(cleared)).toMatchObject({ connectedAt: now.toISOString(), version: 3 });
    expect(await store.getConnectUser(cleared)).toEqual({ clientUserId: cleared, humanId, connected: true });
  });

  it('accepts its own earlier attempt when the SDK retried a committed write, counting it once', async () => {
    const clientUserId = newUser();
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    await expect(store.recordConnectUser(write(clientUserId))).resolves.toBeUndefined();

    expect(lost).toBe(true);
    expect(await rawItem(clientUserId)).toMatchObject({ humanId, version: 1 });
  });

  it('refuses to replace another humanId, changing nothing', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId: 'x'.repeat(24), version: 1 });

    await expect(store.recordConnectUser(write(clientUserId))).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(await rawItem(clientUserId)).toEqual({ clientUserId, humanId: 'x'.repeat(24), version: 1 });
  });

  it('records the new humanId of a user marked reconnectRequired (deleted at Human API, back as a new human)', async () => {
    const clientUserId = newUser();
    await put({ ...v1Record(clientUserId), humanId: 'x'.repeat(24), reconnectRequired: true });

    await store.recordConnectUser(write(clientUserId, false, later));

    expect(await rawItem(clientUserId)).toMatchObject({ humanId, reconnectRequired: true, version: 4 });
    expect(await store.getConnectUser(clientUserId)).toEqual({
      clientUserId,
      humanId,
      connected: false,
      reconnectRequired: true,
    });
  });
});

describe('connect users: on a deleted user\u2019s tombstone', () => {
  const tombstoneOf = (clientUserId: string) => ({
    clientUserId,
    deletedAt: '2026-11-30T10:00:00.000Z',
    purgeAt: 1_800_000_000,
    updatedAt: '2026-11-30T10:00:00.000Z',
    version: 4,
  });

  it('reads a tombstone as a user who is not connected and has no humanId', async () => {
    const clientUserId = newUser();
    await put(tombstoneOf(clientUserId));

    expect(await store.getConnectUser(clientUserId)).toEqual({ clientUserId, humanId: undefined, connected: false });
  });

  it.each([
    ['a new user (create)', false],
    ['a connection (edit)', true],
  ])('records %s from scratch on it: a new createdAt, and the record no longer expires', async (_, connected) => {
    const clientUserId = newUser();
    await put(tombstoneOf(clientUserId));

    await store.recordConnectUser(write(clientUserId, connected, later));

    const item = await rawItem(clientUserId);
    expect(item).toMatchObject({
      humanId,
      clientId: CLIENT_ID,
      createdAt: later.toISOString(),
      deletedAt: '2026-11-30T10:00:00.000Z',
      version: 5,
    });
    expect(item).not.toHaveProperty('purgeAt');
  });
});

describe('connect users: marking a user to reconnect', () => {
  it('marks the record reconnectRequired, keeping the humanId and every token', async () => {
    const clientUserId = newUser();
    await put({ ...v1Record(clientUserId), connectedAt: now.toISOString() });

    await store.markReconnectRequired(clientUserId, later);

    expect(await rawItem(clientUserId)).toMatchObject({
      ...v1Record(clientUserId),
      connectedAt: now.toISOString(),
      reconnectRequired: true,
      updatedAt: later.toISOString(),
      version: 4,
    });
    expect(await store.getConnectUser(clientUserId)).toEqual({
      clientUserId,
      humanId,
      connected: false,
      reconnectRequired: true,
    });
  });

  it('creates no record for a user without one', async () => {
    const clientUserId = newUser();

    await expect(store.markReconnectRequired(clientUserId, later)).resolves.toBeUndefined();

    expect(await rawItem(clientUserId)).toBeUndefined();
  });
});

describe('connect users: failures and the role', () => {
  it('answers DependencyUnavailableError when DynamoDB fails', async () => {
    const clientUserId = newUser();
    table.local.injectFault({ count: 1000 });

    await expect(store.recordConnectUser(write(clientUserId))).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.getConnectUser(clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.markReconnectRequired(clientUserId, now)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('makes only requests its role allows: projected reads, and writes naming non-token attributes and returning nothing', async () => {
    // The stack's fine-grained conditions (infra/token-access.ts grantConnectUserAccess), literally.
    const readable = ['clientUserId', 'humanId', 'connectedAt', 'publicToken', 'reconnectRequired'];
    const writable = new Set([
      'clientUserId',
      'humanId',
      'clientId',
      'createdAt',
      'updatedAt',
      'lastWriteId',
      'connectedAt',
      'reconnectRequired',
      'version',
      'purgeAt',
    ]);
    const keywords = /^(SET|ADD|REMOVE|AND|OR|NOT|if_not_exists|attribute_exists|attribute_not_exists)$/;
    const named = (...expressions: (string | undefined)[]) =>
      expressions
        .flatMap((expression) => expression?.match(/[:A-Za-z_][\w]*/g) ?? [])
        .filter((word) => !word.startsWith(':') && !keywords.test(word));
    const clientUserId = newUser();
    // The record holds another humanId: the write loses its condition and reads the record back.
    await put({ ...v1Record(clientUserId), humanId: 'x'.repeat(24) });
    const send = vi.spyOn(table.client, 'send');

    await expect(store.recordConnectUser(write(clientUserId, true))).rejects.toBeInstanceOf(HumanApiFailedError);
    await store.markReconnectRequired(clientUserId, now);
    await store.getConnectUser(clientUserId);

    const commands = send.mock.calls.map(([command]) => ({
      name: command.constructor.name,
      input: command.input as Record<string, unknown>,
    }));
    send.mockRestore();
    expect(commands.map(({ name }) => name)).toEqual(['UpdateCommand', 'GetCommand', 'UpdateCommand', 'GetCommand']);
    for (const { name, input } of commands) {
      if (name === 'GetCommand') {
        const names = input.ExpressionAttributeNames as Record<string, string>;
        const projected = String(input.ProjectionExpression)
          .split(', ')
          .map((placeholder) => names[placeholder]);
        expect(projected).toEqual(readable);
        expect(input.ConsistentRead).toBe(true);
        continue;
      }
      const written = named(input.UpdateExpression as string, input.ConditionExpression as string);
      for (const attribute of [...Object.keys(input.Key as object), ...written]) expect(writable).toContain(attribute);
      expect(input.ExpressionAttributeNames).toBeUndefined();
      expect(input.ReturnValues).toBe('NONE');
      expect(input.ReturnValuesOnConditionCheckFailure).toBeUndefined();
    }
  });

  it('names in the data gateway\u2019s marks only the reconnect mark\u2019s attributes, returning nothing', async () => {
    // infra/data-gateway.ts, literally: what the gateway's role may write besides minting.
    const writable = [
      'clientUserId',
      'reconnectRequired',
      'accessTokenRefusedAt',
      'updatedAt',
      'lastWriteId',
      'version',
    ];
    const clientUserId = newUser();
    await put(v1Record(clientUserId));
    const send = vi.spyOn(table.client, 'send');

    await store.markAccessTokenRefused(clientUserId, now);
    await store.markReconnectRequired(clientUserId, now);

    const inputs = send.mock.calls.map(([command]) => command.input as Record<string, unknown>);
    send.mockRestore();
    expect(inputs).toHaveLength(2);
    for (const input of inputs) {
      const named = `${String(input.UpdateExpression)} ${String(input.ConditionExpression)}`
        .match(/[:A-Za-z_]\w*/g)
        ?.filter((word) => !word.startsWith(':') && !/^(SET|ADD|attribute_exists)$/.test(word));
      for (const attribute of named ?? []) expect(writable).toContain(attribute);
      expect(input.ReturnValues).toBe('NONE');
    }
    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenRefusedAt: now.toISOString(),
      reconnectRequired: true,
    });
  });
});
