import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTokenStore } from '../../../functions/adapters/token-store.js';
import {
  CallerMismatchError,
  HumanApiAuthError,
  HumanApiFailedError,
  TokenRecordNotFoundError,
} from '../../../functions/commons/errors.js';
import { recoverPublicToken } from '../../../functions/domain/recover-public-token.js';
import { CLIENT_ID, exchangeFor, fakeHumanApi, fakeSecrets, memoryTokenStore } from '../fakes.js';

const humanId = 'h'.repeat(24);
const trusted = { kind: 'trusted' } as const;

describe('recoverPublicToken', () => {
  let humanApi: ReturnType<typeof fakeHumanApi>;
  let tokenStore: ReturnType<typeof memoryTokenStore>;
  let secrets: ReturnType<typeof fakeSecrets>;
  let dependencies: Parameters<typeof recoverPublicToken>[2];

  beforeEach(async () => {
    humanApi = fakeHumanApi();
    tokenStore = memoryTokenStore();
    secrets = fakeSecrets('old-secret', 'new-secret');
    dependencies = { clientId: CLIENT_ID, humanApi, secrets, tokenStore, now: () => new Date('2026-11-21T10:00:00Z') };
    const seeded = new Date('2026-11-20T10:00:00Z');
    await tokenStore.upsertTokenRecord(exchangeFor('alice'), { exchangedAt: seeded, now: seeded });
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
    expect(tokenStore.records.get('alice')).toMatchObject({
      publicToken: 'n'.repeat(32),
      accessToken: 'a'.repeat(40),
      version: 2,
    });
  });

  it('gets a fresh publicToken when none is stored', async () => {
    const record = tokenStore.records.get('alice');
    if (record === undefined) throw new Error('seed missing');
    tokenStore.records.set('alice', { ...record, publicToken: '' });
    humanApi.createPublicToken.mockResolvedValue({ humanId, publicToken: 'n'.repeat(32) });

    const answer = await recoverPublicToken({ clientUserId: 'alice' }, trusted, dependencies);

    expect(answer.publicToken).toBe('n'.repeat(32));
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
    const before = structuredClone(tokenStore.records.get('alice'));

    await expect(
      recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies),
    ).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(tokenStore.records.get('alice')).toEqual(before);
  });

  it('refuses an answer for another humanId', async () => {
    humanApi.createPublicToken.mockResolvedValue({ humanId: 'z'.repeat(24), publicToken: 'n'.repeat(32) });

    await expect(
      recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, dependencies),
    ).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(tokenStore.records.get('alice')?.publicToken).toBe('p'.repeat(32));
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

describe('recoverPublicToken racing a finish (DynamoDB conditional update)', () => {
  const dynamoDb = mockClient(DynamoDBDocumentClient);
  const read = { ...exchangeFor('alice'), createdAt: 't0', updatedAt: 't0', version: 3 };
  const newerFromFinish = {
    ...read,
    accessToken: 'A'.repeat(40),
    publicToken: 'F'.repeat(32),
    updatedAt: 't1',
    version: 4,
  };

  beforeEach(() => {
    dynamoDb.reset();
  });

  it('does not clobber the newer tokens of a concurrent finish, and answers them', async () => {
    dynamoDb.on(GetCommand).resolvesOnce({ Item: read }).resolves({ Item: newerFromFinish });
    dynamoDb
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'version changed', $metadata: {} }));
    const humanApi = fakeHumanApi();
    humanApi.createPublicToken.mockResolvedValue({ humanId, publicToken: 'R'.repeat(32) });
    const tokenStore = createTokenStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tokens');

    const answer = await recoverPublicToken({ clientUserId: 'alice', refresh: true }, trusted, {
      clientId: CLIENT_ID,
      humanApi,
      secrets: fakeSecrets(),
      tokenStore,
    });

    expect(answer.publicToken).toBe('F'.repeat(32));
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'humanId = :humanId AND version = :version',
      ExpressionAttributeValues: expect.objectContaining({ ':version': 3, ':publicToken': 'R'.repeat(32) }),
    });
  });
});
