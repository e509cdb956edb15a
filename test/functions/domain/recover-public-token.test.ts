import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTokenStore, type TokenStore } from '../../../functions/adapters/token-store.js';
import {
  CallerMismatchError,
  HumanApiAuthError,
  HumanApiFailedError,
  TokenRecordNotFoundError,
} from '../../../functions/commons/errors.js';
import { recoverPublicToken } from '../../../functions/domain/recover-public-token.js';
import { startTokenTable, type TokenTable } from '../../support/token-table.js';
import { CLIENT_ID, fakeHumanApi, fakeSecrets } from '../fakes.js';

const humanId = 'h'.repeat(24);
const trusted = { kind: 'trusted' } as const;
const seeded = '2026-11-20T10:00:00.000Z';

let table: TokenTable;
let tokenStore: TokenStore;

beforeAll(async () => {
  table = await startTokenTable();
  tokenStore = createTokenStore(table.client, table.tableName);
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
    dependencies = { clientId: CLIENT_ID, humanApi, secrets, tokenStore, now: () => new Date('2026-11-21T10:00:00Z') };
    // A fresh alice for every test.
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { clientUserId: 'alice' } }));
    await tokenStore.upsertTokenRecord(
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
