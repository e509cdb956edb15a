/**
 * A deletion's write of the token table (DynamoDbTombstones) against dynalite: the record becomes a
 * tombstone in one conditional write, whatever it held (a v1 user, a current-generation user, an
 * earlier tombstone, nothing); a write landing between the deletion's read and its write is seen;
 * an SDK retry of the committed write is recognised; the requests name only what the role allows.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbTombstones } from '../../../../functions/adapters/token-table/tombstones.js';
import { DependencyUnavailableError } from '../../../../functions/domain/errors.js';
import { gate, startTokenTable, type TokenTable } from '../../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const CLIENT_ID = 'c'.repeat(40);
const DAY_MS = 24 * 60 * 60 * 1000;
const now = new Date('2026-12-04T12:00:00.000Z');
/** 2026-12-19T12:00:00.000Z: fifteen days after `now`, in epoch seconds. */
const PURGE_AT = 1_797_681_600;

let table: TokenTable;
let tombstones: DynamoDbTombstones;
let users = 0;
const newUser = () => {
  users += 1;
  return `deleted-${users}@example.com`;
};
const rawItem = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const put = (item: Record<string, unknown>) =>
  table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));

/** A record holding everything either generation writes. */
const fullRecord = (clientUserId: string) => ({
  clientUserId,
  humanId: HUMAN_ID,
  clientId: CLIENT_ID,
  accessTokenCiphertext: 'ciphertext-v1',
  accessTokenIssuedAt: '2026-12-01T10:00:00.000Z',
  accessToken: 'legacy-plaintext',
  publicToken: 'public-v1',
  publicTokenIssuedAt: '2026-12-01T10:00:00.000Z',
  exchangedAt: '2026-11-01T10:00:00.000Z',
  mintedAccessTokenCiphertext: 'ciphertext-minted',
  mintedAccessTokenExpiresAt: '2026-12-05T10:00:00.000Z',
  mintedAccessTokenIssuedAt: '2026-12-04T10:00:00.000Z',
  connectedAt: '2026-12-01T10:00:00.000Z',
  reconnectRequired: true,
  createdAt: '2026-11-01T10:00:00.000Z',
  updatedAt: '2026-12-04T10:00:00.000Z',
  version: 6,
  lastWriteId: 'write-6',
  idempotencyRecords: [
    { id: 'finishSession#aaa', expiresAt: 1_796_400_000 },
    { id: 'finishSession#bbb', expiresAt: 1_796_400_100 },
  ],
});

beforeAll(async () => {
  table = await startTokenTable();
  tombstones = new DynamoDbTombstones(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

beforeEach(() => {
  table.hook = async () => 'pass';
  table.local.resetFaults();
});

describe('tombstones: what a deletion leaves', () => {
  it('removes every token and identity attribute of a record, keeping its idempotency records to remove', async () => {
    const clientUserId = newUser();
    await put(fullRecord(clientUserId));

    const written = await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);

    expect(written).toEqual({
      removedRecord: true,
      deletedAt: '2026-12-04T12:00:00.000Z',
      idempotencyRecordIds: ['finishSession#aaa', 'finishSession#bbb'],
    });
    expect(await rawItem(clientUserId)).toEqual({
      clientUserId,
      deletedAt: '2026-12-04T12:00:00.000Z',
      purgeAt: PURGE_AT,
      updatedAt: '2026-12-04T12:00:00.000Z',
      version: 7,
      lastWriteId: expect.any(String),
      idempotencyRecords: fullRecord(clientUserId).idempotencyRecords,
    });
  });

  it('leaves a tombstone for a user it never saw, so a grant queued for them never lands', async () => {
    const clientUserId = newUser();

    const written = await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);

    expect(written).toEqual({ removedRecord: false, deletedAt: '2026-12-04T12:00:00.000Z', idempotencyRecordIds: [] });
    expect(await rawItem(clientUserId)).toEqual({
      clientUserId,
      deletedAt: '2026-12-04T12:00:00.000Z',
      purgeAt: PURGE_AT,
      updatedAt: '2026-12-04T12:00:00.000Z',
      version: 1,
      lastWriteId: expect.any(String),
    });
  });

  it('moves an earlier tombstone to the later deletion, and reports no record removed', async () => {
    const clientUserId = newUser();
    await tombstones.writeTombstone(clientUserId, new Date('2026-12-01T00:00:00.000Z'), 15 * DAY_MS);

    const written = await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);

    expect(written).toEqual({ removedRecord: false, deletedAt: '2026-12-04T12:00:00.000Z', idempotencyRecordIds: [] });
    expect(await rawItem(clientUserId)).toMatchObject({ deletedAt: '2026-12-04T12:00:00.000Z', purgeAt: PURGE_AT });
  });

  it('never moves a tombstone back, when this clock is behind the one that wrote it', async () => {
    const clientUserId = newUser();
    await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);

    const written = await tombstones.writeTombstone(clientUserId, new Date('2026-12-04T11:59:00.000Z'), 15 * DAY_MS);

    expect(written.deletedAt).toBe('2026-12-04T12:00:00.000Z');
    expect(await rawItem(clientUserId)).toMatchObject({ deletedAt: '2026-12-04T12:00:00.000Z', purgeAt: PURGE_AT });
  });

  it('sets its time no earlier than any token it removes: a grant delivered again cannot pass', async () => {
    // Prepare: a token issued a second after the deletion's clock says now (a clock ahead, or a
    // finish that landed as the deletion ran).
    const clientUserId = newUser();
    const grants = new DynamoDbGrantStore(table.client, table.tableName);
    const grant = {
      clientUserId,
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      accessTokenCiphertext: 'ciphertext-ahead',
      accessTokenIssuedAt: '2026-12-04T12:00:01.000Z',
      publicToken: 'public-ahead',
      publicTokenIssuedAt: '2026-12-04T12:00:01.000Z',
    };
    await grants.storeGrant(grant, now);

    // Act
    const written = await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);
    const again = await grants.storeGrant(grant, now);

    // Assess
    expect(written.deletedAt).toBe('2026-12-04T12:00:01.000Z');
    expect(again).toBeUndefined();
    expect(await rawItem(clientUserId)).not.toHaveProperty('accessTokenCiphertext');
  });

  it('deletes a user who connected again after an earlier deletion, at the later time', async () => {
    const clientUserId = newUser();
    await tombstones.writeTombstone(clientUserId, new Date('2026-12-01T00:00:00.000Z'), 15 * DAY_MS);
    await new DynamoDbGrantStore(table.client, table.tableName).storeGrant(
      {
        clientUserId,
        humanId: HUMAN_ID,
        clientId: CLIENT_ID,
        accessTokenCiphertext: 'ciphertext-again',
        accessTokenIssuedAt: '2026-12-02T00:00:00.000Z',
        publicToken: 'public-again',
        publicTokenIssuedAt: '2026-12-02T00:00:00.000Z',
      },
      new Date('2026-12-02T00:00:00.000Z'),
    );

    const written = await tombstones.writeTombstone(clientUserId, now, 15 * DAY_MS);

    expect(written).toMatchObject({ removedRecord: true, deletedAt: '2026-12-04T12:00:00.000Z' });
    expect(await rawItem(clientUserId)).not.toHaveProperty('accessTokenCiphertext');
    expect(await rawItem(clientUserId)).not.toHaveProperty('publicToken');
  });
});

describe('tombstones: racing writers', () => {
  it('reads again when a grant lands between its read and its write, and removes that grant too', async () => {
    // Prepare: the deletion pauses between its read and its write; a finish writes meanwhile,
    // listing its idempotency record.
    const clientUserId = newUser();
    await put(fullRecord(clientUserId));
    const paused = gate();
    const resume = gate();
    let reads = 0;
    let writes = 0;
    const deleting = new DynamoDbTombstones(
      table.freshClient(async (operation) => {
        if (operation === 'GetItem') reads += 1;
        if (operation === 'UpdateItem' && ++writes === 1) {
          paused.open();
          await resume.opened;
        }
        return 'pass';
      }),
      table.tableName,
    );

    // Act
    const deletion = deleting.writeTombstone(clientUserId, now, 15 * DAY_MS);
    await paused.opened;
    await new DynamoDbGrantStore(table.client, table.tableName).storeGrant(
      {
        clientUserId,
        humanId: HUMAN_ID,
        clientId: CLIENT_ID,
        accessTokenCiphertext: 'ciphertext-racing',
        accessTokenIssuedAt: '2026-12-04T11:00:00.000Z',
        publicToken: 'public-racing',
        publicTokenIssuedAt: '2026-12-04T11:00:00.000Z',
      },
      new Date('2026-12-04T11:00:00.000Z'),
      { id: 'finishSession#racing', expiresAt: 1_796_403_600 },
    );
    resume.open();
    const written = await deletion;

    // Assess
    expect(reads).toBe(2);
    expect(written.idempotencyRecordIds).toEqual(['finishSession#aaa', 'finishSession#bbb', 'finishSession#racing']);
    expect(await rawItem(clientUserId)).not.toHaveProperty('accessTokenCiphertext');
    expect(await rawItem(clientUserId)).toMatchObject({ deletedAt: '2026-12-04T12:00:00.000Z', version: 8 });
  });

  it('counts its own write once when the SDK retries it after a lost answer', async () => {
    const clientUserId = newUser();
    await put(fullRecord(clientUserId));
    let first = true;
    const deleting = new DynamoDbTombstones(
      table.freshClient(async (operation) => {
        if (operation !== 'UpdateItem' || !first) return 'pass';
        first = false;
        return 'lose-answer';
      }),
      table.tableName,
    );

    const written = await deleting.writeTombstone(clientUserId, now, 15 * DAY_MS);

    expect(written).toEqual({
      removedRecord: true,
      deletedAt: '2026-12-04T12:00:00.000Z',
      idempotencyRecordIds: ['finishSession#aaa', 'finishSession#bbb'],
    });
    expect(await rawItem(clientUserId)).toMatchObject({ version: 7 });
  });

  it('answers DependencyUnavailableError when other writers keep winning, and when DynamoDB fails', async () => {
    const clientUserId = newUser();
    await put(fullRecord(clientUserId));
    // Another writer writes between every read and write: the deletion never finds the record it read.
    const busy = new DynamoDbTombstones(
      table.freshClient(async (operation) => {
        if (operation === 'UpdateItem') {
          await put({ ...fullRecord(clientUserId), lastWriteId: `other-${Math.random()}` });
        }
        return 'pass';
      }),
      table.tableName,
    );

    await expect(busy.writeTombstone(clientUserId, now, DAY_MS)).rejects.toBeInstanceOf(DependencyUnavailableError);
    table.local.injectFault({ count: 1000 });
    await expect(tombstones.writeTombstone(newUser(), now, DAY_MS)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await rawItem(clientUserId)).toMatchObject({ accessTokenCiphertext: 'ciphertext-v1' });
  });
});

describe('tombstones: the role', () => {
  it('reads no token and writes only what the tombstone sets and removes, returning nothing', async () => {
    // The stack's fine-grained conditions (infra/token-access.ts grantUserDeletion), literally.
    const readable = [
      'clientUserId',
      'humanId',
      'accessTokenIssuedAt',
      'publicTokenIssuedAt',
      'mintedAccessTokenIssuedAt',
      'exchangedAt',
      'deletedAt',
      'lastWriteId',
      'version',
      'idempotencyRecords',
    ];
    const writable = new Set([
      'clientUserId',
      'humanId',
      'clientId',
      'accessToken',
      'accessTokenCiphertext',
      'mintedAccessTokenCiphertext',
      'mintedAccessTokenExpiresAt',
      'mintedAccessTokenIssuedAt',
      'accessTokenIssuedAt',
      'publicToken',
      'publicTokenIssuedAt',
      'exchangedAt',
      'connectedAt',
      'reconnectRequired',
      'accessTokenRefusedAt',
      'createdAt',
      'deletedAt',
      'purgeAt',
      'updatedAt',
      'lastWriteId',
      'version',
    ]);
    const keywords = /^(SET|ADD|REMOVE|AND|NOT|attribute_exists|attribute_not_exists)$/;
    const clientUserId = newUser();
    await put(fullRecord(clientUserId));
    const send = vi.spyOn(table.client, 'send');

    await tombstones.writeTombstone(clientUserId, now, DAY_MS);
    await tombstones.writeTombstone(newUser(), now, DAY_MS);

    const commands = send.mock.calls.map(([command]) => ({
      name: command.constructor.name,
      input: command.input as Record<string, unknown>,
    }));
    send.mockRestore();
    expect(commands.map(({ name }) => name)).toEqual(['GetCommand', 'UpdateCommand', 'GetCommand', 'UpdateCommand']);
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
      const named = `${String(input.UpdateExpression)} ${String(input.ConditionExpression)}`
        .match(/[:A-Za-z_][\w]*/g)
        ?.filter((word) => !word.startsWith(':') && !keywords.test(word));
      for (const attribute of [...Object.keys(input.Key as object), ...(named ?? [])]) {
        expect(writable).toContain(attribute);
      }
      expect(input.ExpressionAttributeNames).toBeUndefined();
      expect(input.ReturnValues).toBe('NONE');
      expect(input.ReturnValuesOnConditionCheckFailure).toBeUndefined();
    }
  });
});
