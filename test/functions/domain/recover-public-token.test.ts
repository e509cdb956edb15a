import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbGrantStore } from '../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../functions/adapters/token-table/recovery.js';
import {
  CallerMismatchError,
  HumanApiAuthError,
  HumanApiFailedError,
  TokenRecordNotFoundError,
} from '../../../functions/domain/errors.js';
import { recoverPublicToken } from '../../../functions/domain/recover-public-token.js';
import { startTokenTable, type TokenTable } from '../../support/token-table.js';
import { CLIENT_ID, fakeHumanApi, fakeSecrets } from '../fakes.js';

const humanId = 'h'.repeat(24);
const trusted = { kind: 'trusted' } as const;
const seeded = '2026-11-20T10:00:00.000Z';

let table: TokenTable;
let grants: DynamoDbGrantStore;
let recovery: DynamoDbRecoveryStore;

beforeAll(async () => {
  table = await startTokenTable();
  grants = new DynamoDbGrantStore(table.client, table.tableName);
  recovery = new DynamoDbRecoveryStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

const record = () => table.local.readItem(table.tableName, { clientUserId: 'alice' });

describe('recoverPublicToken', () => {
  let humanApi: ReturnType<typeof fakeHumanApi>;
  let secrets: ReturnType<typeof fakeSecrets>;
  let dependencies: Parameters<typeof recoverPublicToken>[2];

  beforeEach(async () => {
    humanApi = fakeHumanApi();
    secrets = fakeSecrets('old-secret', 'new-secret');
    dependencies = { clientId: CLIENT_ID, humanApi, secrets, recovery, now: () => new Date('2026-11-21T10:00:00Z') };
    // A fresh alice for every test.
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { clientUserId: 'alice' } }));
    await grants.storeGrant(
      {
        clientUserId: 'alice',
        humanId,
        clientId: CLIENT_ID,
        accessTokenCiphertext: 'ciphertext-seed',
        accessTokenIssuedAt: seeded,
        publicToken: 'p'.repeat(32),
        publicTokenIssuedAt: seeded,
      },
      new Date(seeded),
    );
  });

  it('answers the stored publicToken by clientUserId, without calling Human API', async () => {
    const answer = await recoverPublicToken({ clientUserId: 'alice' }, trusted, dependencies);

    expect(answer).toEqual({ humanId, clientUserId: 'alice', publicToken: 'p'.repeat(32) });
    expect(humanApi.createPublicToken).not.toHaveBeenCalled();
  });

  it('answers the stored publicToken by humanId', async () => {
    const answer = await recoverPublicToken({ humanId }, trusted, dependencies);

    expect(answer.clientUserId).toBe('alice');
  });

  it('answers TokenRecordNotFoundError when there is no record', async () => {
    await expect(recoverPublicToken({ clientUserId: 'bob' }, trusted, dependencies)).rejects.toBeInstanceOf(
      TokenRecordNotFoundError,
    );
    await expect(recoverPublicToken({ humanId: 'x'.repeat(24) }, trusted, dependencies)).rejects.toBeInstanceOf(
      TokenRecordNotFoundError,
    );
  });

  it('answers TokenRecordNotFoundError for a deleted user\u2019s tombstone, calling no one, even on refresh', async () => {
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { clientUserId: 'dora', deletedAt: seeded, version: 3 } }),
    );

    await expect(recoverPublicToken({ clientUserId: 'dora' }, trusted, dependencies)).rejects.toBeInstanceOf(
      TokenRecordNotFoundError,
    );
    await expect(
      recoverPublicToken({ clientUserId: 'dora', refresh: true }, trusted, dependencies),
    ).rejects.toBeInstanceOf(TokenRecordNotFoundError);
    expect(humanApi.createPublicToken).not.toHaveBeenCalled();
  });

  it('mints and stores a publicToken for a current-generation record that holds none yet', async () => {
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { clientUserId: 'cora', humanId: 'k'.repeat(24), clientId: CLIENT_ID, version: 1 },
      }),
    );
    humanApi.createPublicToken.mockResolvedValue({ humanId: 'k'.repeat(24), publicToken: 'n'.repeat(32) });

    const answer = await recoverPublicToken({ clientUserId: 'cora' }, trusted, dependencies);

    expect(answer).toEqual({ humanId: 'k'.repeat(24), clientUserId: 'cora', publicToken: 'n'.repeat(32) });
    expect(await table.local.readItem(table.tableName, { clientUserId: 'cora' })).toMatchObject({
      publicToken: 'n'.repeat(32),
      publicTokenIssuedAt: '2026-11-21T10:00:00.000Z',
      version: 2,
    });
  });

  it('on refresh, gets a fresh publicToken from Human API and stores it', async () => {
    humanApi.createPublicToken.mockResolvedValue({ humanId, publicToken: 'n'.repeat(32) });

    const answer = await recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies);

    expect(answer.publicToken).toBe('n'.repeat(32));
    expect(humanApi.createPublicToken).toHaveBeenCalledWith({
      humanId,
      clientId: CLIENT_ID,
      clientSecret: 'old-secret',
    });
    expect(await record()).toMatchObject({
      publicToken: 'n'.repeat(32),
      publicTokenIssuedAt: '2026-11-21T10:00:00.000Z',
      accessTokenCiphertext: 'ciphertext-seed',
      accessTokenIssuedAt: seeded,
    });
  });

  it('re-reads the secret once when Human API refuses the credentials', async () => {
    humanApi.createPublicToken
      .mockRejectedValueOnce(new HumanApiAuthError(401))
      .mockResolvedValue({ humanId, publicToken: 'n'.repeat(32) });

    await recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies);

    expect(humanApi.createPublicToken).toHaveBeenLastCalledWith({
      humanId,
      clientId: CLIENT_ID,
      clientSecret: 'new-secret',
    });
  });

  it('leaves the record unchanged when Human API fails during a refresh', async () => {
    humanApi.createPublicToken.mockRejectedValue(new HumanApiFailedError('503'));
    const before = await record();

    await expect(
      recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies),
    ).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(await record()).toEqual(before);
  });

  it('refuses an answer for another humanId', async () => {
    humanApi.createPublicToken.mockResolvedValue({ humanId: 'z'.repeat(24), publicToken: 'n'.repeat(32) });

    await expect(
      recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies),
    ).rejects.toBeInstanceOf(HumanApiFailedError);
    expect((await record())?.publicToken).toBe('p'.repeat(32));
  });

  it('in JWT mode, serves the caller', async () => {
    const answer = await recoverPublicToken({ clientUserId: 'alice' }, { kind: 'user', userId: 'alice' }, dependencies);

    expect(answer.clientUserId).toBe('alice');
  });

  it('in JWT mode, refuses a body naming another user by clientUserId or humanId', async () => {
    const mallory = { kind: 'user', userId: 'mallory' } as const;

    await expect(recoverPublicToken({ clientUserId: 'alice' }, mallory, dependencies)).rejects.toBeInstanceOf(
      CallerMismatchError,
    );
    await expect(recoverPublicToken({ humanId }, mallory, dependencies)).rejects.toBeInstanceOf(CallerMismatchError);
    await expect(recoverPublicToken({ humanId, refresh: true }, mallory, dependencies)).rejects.toBeInstanceOf(
      CallerMismatchError,
    );
    expect(humanApi.createPublicToken).not.toHaveBeenCalled();
  });
});
