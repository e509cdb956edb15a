/**
 * The access-token reader's reads and minted-token writes of the token table
 * (DynamoDbAccessTokenRecords) against dynalite: what a granted reader reads, how a minted token
 * is stored (newest wins, never on a missing record, never before a deletion), and that every
 * request names only what a reader's role may touch.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbConnectUserStore } from '../../../../functions/adapters/token-table/connect-users.js';
import { DynamoDbGrantStore } from '../../../../functions/adapters/token-table/grants.js';
import { DynamoDbAccessTokenRecords } from '../../../../functions/adapters/token-table/reader.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../../../functions/domain/errors.js';
import { startTokenTable, type TokenTable } from '../../../support/token-table.js';

const HUMAN_ID = 'h'.repeat(24);
const CLIENT_ID = 'c'.repeat(40);
const now = new Date('2026-11-21T12:00:00.000Z');
/** Issue times, one per second: `at(2)` is issued after `at(1)`. */
const at = (second: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, second)).toISOString();

let table: TokenTable;
let records: DynamoDbAccessTokenRecords;
let grants: DynamoDbGrantStore;
let users = 0;
const newUser = () => {
  users += 1;
  return `user-${users}@example.com`;
};
const rawItem = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const put = (item: Record<string, unknown>) =>
  table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
const v1Finish = (clientUserId: string, issuedAt: string) =>
  grants.storeGrant(
    {
      clientUserId,
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      accessTokenCiphertext: 'ciphertext-a',
      accessTokenIssuedAt: issuedAt,
      publicToken: 'public-a',
      publicTokenIssuedAt: issuedAt,
    },
    now,
  );
const minted = (clientUserId: string, name: string, issuedAt: string) => ({
  clientUserId,
  ciphertext: `minted-ciphertext-${name}`,
  expiresAt: '2026-11-22T10:00:00.000Z',
  issuedAt,
});

beforeAll(async () => {
  table = await startTokenTable();
  records = new DynamoDbAccessTokenRecords(table.client, table.tableName);
  grants = new DynamoDbGrantStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

beforeEach(() => {
  table.hook = async () => 'pass';
  table.local.resetFaults();
});

describe('reader records: reads', () => {
  it('reads a v1 record\u2019s ciphertext', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));

    expect(await records.read(clientUserId)).toEqual({
      ciphertext: 'ciphertext-a',
      legacyPlaintext: undefined,
      minted: undefined,
    });
  });

  it('reads a legacy record\u2019s plaintext, and a minted token with its expiry', async () => {
    const legacy = newUser();
    const current = newUser();
    await put({ clientUserId: legacy, humanId: HUMAN_ID, accessToken: 'plaintext-legacy', version: 1 });
    await put({
      clientUserId: current,
      humanId: HUMAN_ID,
      mintedAccessTokenCiphertext: 'minted-ciphertext',
      mintedAccessTokenExpiresAt: '2026-11-22T10:00:00.000Z',
      version: 2,
    });

    expect(await records.read(legacy)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: 'plaintext-legacy',
      minted: undefined,
    });
    expect(await records.read(current)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: undefined,
      minted: { ciphertext: 'minted-ciphertext', expiresAt: '2026-11-22T10:00:00.000Z' },
    });
  });

  it('reads a ciphertext stored as a binary attribute as base64, as the reader always has', async () => {
    const clientUserId = newUser();
    await put({
      clientUserId,
      humanId: HUMAN_ID,
      accessTokenCiphertext: Uint8Array.from([1, 2, 3]),
      mintedAccessTokenCiphertext: Uint8Array.from([4, 5, 6]),
      mintedAccessTokenExpiresAt: '2026-11-22T10:00:00.000Z',
      version: 1,
    });

    expect(await records.read(clientUserId)).toEqual({
      ciphertext: 'AQID',
      legacyPlaintext: undefined,
      minted: { ciphertext: 'BAUG', expiresAt: '2026-11-22T10:00:00.000Z' },
    });
  });

  it('reads empty values as none, and a minted token without an expiry as none', async () => {
    const clientUserId = newUser();
    await put({
      clientUserId,
      humanId: HUMAN_ID,
      accessTokenCiphertext: '',
      accessToken: '',
      mintedAccessTokenCiphertext: 'minted-ciphertext',
      version: 1,
    });

    expect(await records.read(clientUserId)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: undefined,
      minted: undefined,
    });
  });

  it('answers undefined without a record, and for a deleted user\u2019s tombstone', async () => {
    const deleted = newUser();
    await put({ clientUserId: deleted, deletedAt: at(1), accessTokenCiphertext: 'left-behind', version: 3 });

    expect(await records.read(newUser())).toBeUndefined();
    expect(await records.read(deleted)).toBeUndefined();
  });

  it('refuses an item that is not a token record', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId: HUMAN_ID, accessTokenCiphertext: 42 });

    await expect(records.read(clientUserId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
  });
});

describe('reader records: a v1 token Human API refused', () => {
  const refuse = (clientUserId: string, when: string) =>
    new DynamoDbConnectUserStore(table.client, table.tableName).markAccessTokenRefused(clientUserId, new Date(when));

  it('is never read again once refused, so the reader mints instead; the ciphertext stays stored', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));

    await refuse(clientUserId, at(2));

    expect(await records.read(clientUserId)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: undefined,
      minted: undefined,
    });
    expect(await rawItem(clientUserId)).toMatchObject({
      accessTokenCiphertext: 'ciphertext-a',
      accessTokenRefusedAt: at(2),
    });
  });

  it('is read again when a finish issued after the refusal stored a new one', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));
    await refuse(clientUserId, at(2));

    await v1Finish(clientUserId, at(3));

    expect((await records.read(clientUserId))?.ciphertext).toBe('ciphertext-a');
  });

  it('refuses a legacy record\u2019s plaintext and a token issued at the refusal\u2019s very time, and keeps a minted one', async () => {
    const legacy = newUser();
    await put({ clientUserId: legacy, humanId: HUMAN_ID, accessToken: 'plain', exchangedAt: at(1) });
    const current = newUser();
    await v1Finish(current, at(2));
    await records.storeMinted(minted(current, 'kept', at(3)), now);

    await refuse(legacy, at(1));
    await refuse(current, at(2));

    expect(await records.read(legacy)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: undefined,
      minted: undefined,
    });
    expect(await records.read(current)).toEqual({
      ciphertext: undefined,
      legacyPlaintext: undefined,
      minted: { ciphertext: 'minted-ciphertext-kept', expiresAt: '2026-11-22T10:00:00.000Z' },
    });
  });

  it('marking a refusal creates no record for a user who has none', async () => {
    const clientUserId = newUser();

    await refuse(clientUserId, at(1));

    expect(await rawItem(clientUserId)).toBeUndefined();
  });
});

describe('reader records: minted access tokens, newest wins', () => {
  it('stores a minted token on a record, keeping its v1 tokens, counting one write and setting connectedAt', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));

    await expect(records.storeMinted(minted(clientUserId, 'm', at(2)), now)).resolves.toBe(true);

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

  it('keeps connectedAt when it is set', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId: HUMAN_ID, connectedAt: at(1), version: 1 });

    await records.storeMinted(minted(clientUserId, 'm', at(2)), now);

    expect(await rawItem(clientUserId)).toMatchObject({ connectedAt: at(1), version: 2 });
  });

  it('never replaces a minted token by one issued earlier, whichever lands last', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));
    await records.storeMinted(minted(clientUserId, 'later', at(5)), now);

    await expect(records.storeMinted(minted(clientUserId, 'earlier', at(4)), now)).resolves.toBe(false);

    expect(await rawItem(clientUserId)).toMatchObject({
      mintedAccessTokenCiphertext: 'minted-ciphertext-later',
      mintedAccessTokenIssuedAt: at(5),
      version: 2,
    });
  });

  it('creates no record for a user who has none', async () => {
    const clientUserId = newUser();

    await expect(records.storeMinted(minted(clientUserId, 'm', at(1)), now)).resolves.toBe(false);

    expect(await rawItem(clientUserId)).toBeUndefined();
  });

  it('stores no token minted before the user\u2019s deletion, one minted after it', async () => {
    const clientUserId = newUser();
    await put({ clientUserId, humanId: HUMAN_ID, deletedAt: at(10), version: 3 });

    await expect(records.storeMinted(minted(clientUserId, 'before', at(9)), now)).resolves.toBe(false);
    expect(await rawItem(clientUserId)).not.toHaveProperty('mintedAccessTokenCiphertext');
    await expect(records.storeMinted(minted(clientUserId, 'after', at(11)), now)).resolves.toBe(true);

    expect(await rawItem(clientUserId)).toMatchObject({
      mintedAccessTokenCiphertext: 'minted-ciphertext-after',
      deletedAt: at(10),
      version: 4,
    });
  });

  it('stores no token on a tombstone, even one minted after the deletion (a mint in flight as it landed)', async () => {
    const clientUserId = newUser();
    const tombstone = { clientUserId, deletedAt: at(10), purgeAt: 1_800_000_000, version: 3 };
    await put(tombstone);

    await expect(records.storeMinted(minted(clientUserId, 'after', at(11)), now)).resolves.toBe(false);

    expect(await rawItem(clientUserId)).toEqual(tombstone);
  });

  it('counts a write whose answer was lost once, and reports it stored', async () => {
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));
    let lost = false;
    table.hook = async (operation) => {
      if (operation !== 'UpdateItem' || lost) return 'pass';
      lost = true;
      return 'lose-answer';
    };

    await expect(records.storeMinted(minted(clientUserId, 'm', at(2)), now)).resolves.toBe(true);

    expect(await rawItem(clientUserId)).toMatchObject({ mintedAccessTokenIssuedAt: at(2), version: 2 });
  });
});

describe('reader records: failures and the role', () => {
  it('turns DynamoDB failing past the SDK retries into DependencyUnavailableError', async () => {
    const clientUserId = newUser();
    table.local.injectFault({ count: 1000 });

    await expect(records.read(clientUserId)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(records.storeMinted(minted(clientUserId, 'm', at(1)), now)).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
  });

  it('names only the attributes a reader\u2019s role may read and write', async () => {
    // infra/token-access.ts, literally: what a granted reader reads, and what minting writes.
    const readable = new Set([
      'clientUserId',
      'humanId',
      'accessTokenCiphertext',
      'accessToken',
      'accessTokenIssuedAt',
      'exchangedAt',
      'accessTokenRefusedAt',
      'mintedAccessTokenCiphertext',
      'mintedAccessTokenExpiresAt',
      'lastWriteId',
    ]);
    const writable = new Set([
      'clientUserId',
      'mintedAccessTokenCiphertext',
      'mintedAccessTokenExpiresAt',
      'mintedAccessTokenIssuedAt',
      'connectedAt',
      'updatedAt',
      'lastWriteId',
      'deletedAt',
      'purgeAt',
      'version',
    ]);
    const keywords = /^(SET|ADD|AND|OR|NOT|if_not_exists|attribute_exists|attribute_not_exists)$/;
    const clientUserId = newUser();
    await v1Finish(clientUserId, at(1));
    await records.storeMinted(minted(clientUserId, 'later', at(5)), now);
    const send = vi.spyOn(table.client, 'send');

    await records.read(clientUserId);
    // Loses its condition (a later token is stored): the write, then the read of lastWriteId.
    await records.storeMinted(minted(clientUserId, 'earlier', at(4)), now);

    const commands = send.mock.calls.map(([command]) => ({
      name: command.constructor.name,
      input: command.input as Record<string, unknown>,
    }));
    send.mockRestore();
    expect(commands.map(({ name }) => name)).toEqual(['GetCommand', 'UpdateCommand', 'GetCommand']);
    for (const { name, input } of commands) {
      if (name === 'GetCommand') {
        const names = input.ExpressionAttributeNames as Record<string, string>;
        for (const placeholder of String(input.ProjectionExpression).split(', ')) {
          expect(readable).toContain(names[placeholder]);
        }
        continue;
      }
      const expressions = `${String(input.UpdateExpression)} ${String(input.ConditionExpression)}`;
      const named = (expressions.match(/[:A-Za-z_][\w]*/g) ?? []).filter(
        (word) => !word.startsWith(':') && !keywords.test(word),
      );
      for (const attribute of [...Object.keys(input.Key as object), ...named]) expect(writable).toContain(attribute);
      expect(input.ReturnValues).toBe('NONE');
    }
  });
});
