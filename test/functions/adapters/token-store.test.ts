import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenStore } from '../../../functions/adapters/token-store.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../../functions/commons/errors.js';
import { logger } from '../../../functions/commons/observability.js';

const dynamoDb = mockClient(DynamoDBDocumentClient);
const store = createTokenStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tokens');
const now = new Date('2026-11-21T10:00:00.000Z');
const exchangedAt = new Date('2026-11-21T09:59:59.000Z');
const grant = {
  clientUserId: 'alice',
  humanId: 'h'.repeat(24),
  accessToken: 'a'.repeat(40),
  publicToken: 'p'.repeat(32),
  clientId: 'c'.repeat(40),
};
const stored = { ...grant, createdAt: now.toISOString(), updatedAt: now.toISOString(), version: 3 };

describe('token store', () => {
  beforeEach(() => {
    dynamoDb.reset();
  });

  it('upserts in one UpdateItem that keeps createdAt, adds 1 to version and records the exchange time', async () => {
    dynamoDb.on(UpdateCommand).resolves({ Attributes: stored });

    const record = await store.upsertTokenRecord(grant, { exchangedAt, now });

    expect(record).toEqual(stored);
    expect(dynamoDb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'tokens',
      Key: { clientUserId: 'alice' },
      UpdateExpression: expect.stringMatching(/createdAt = if_not_exists\(createdAt, :now\).*ADD version :one/),
      ExpressionAttributeValues: expect.objectContaining({
        ':accessToken': grant.accessToken,
        ':one': 1,
        ':now': now.toISOString(),
        ':exchangedAt': exchangedAt.toISOString(),
        ':writeId': expect.any(String),
      }),
    });
  });

  it('writes only if the stored tokens are not from a later exchange, and not twice for one write ID', async () => {
    dynamoDb.on(UpdateCommand).resolves({ Attributes: stored });

    await store.upsertTokenRecord(grant, { exchangedAt, now });
    await store.upsertTokenRecord(grant, { exchangedAt, now });

    const writeIds = dynamoDb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input.ExpressionAttributeValues?.[':writeId']);
    expect(new Set(writeIds).size).toBe(2);
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression:
        '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId) AND ' +
        '(attribute_not_exists(exchangedAt) OR exchangedAt <= :exchangedAt)',
    });
  });

  it('answers the stored record when the condition fails (a newer exchange, or its own committed retry)', async () => {
    const newer = { ...stored, publicToken: 'N'.repeat(32), version: 4 };
    dynamoDb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'newer', $metadata: {} }));
    dynamoDb.on(GetCommand).resolves({ Item: newer });

    const record = await store.upsertTokenRecord(grant, { exchangedAt, now });

    expect(record).toEqual(newer);
    expect(dynamoDb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true, Key: { clientUserId: 'alice' } });
  });

  it('reads a whole record by clientUserId consistently', async () => {
    dynamoDb.on(GetCommand).resolves({ Item: stored });

    expect(await store.getTokenRecord('alice')).toEqual(stored);
    expect(dynamoDb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true, Key: { clientUserId: 'alice' } });
  });

  it('reads for recovery by clientUserId and by humanId naming only non-token attributes, as its role requires', async () => {
    const projected = {
      ProjectionExpression: '#r0, #r1, #r2, #r3, #r4, #r5',
      ExpressionAttributeNames: {
        '#r0': 'clientUserId',
        '#r1': 'humanId',
        '#r2': 'clientId',
        '#r3': 'publicToken',
        '#r4': 'publicTokenIssuedAt',
        '#r5': 'version',
      },
    };
    const seen = { clientUserId: 'alice', humanId: grant.humanId, publicToken: grant.publicToken, version: 3 };
    dynamoDb.on(GetCommand).resolves({ Item: { ...seen, clientId: grant.clientId } });
    dynamoDb.on(QueryCommand).resolves({ Items: [seen] });

    expect(await store.getRecoveryRecord('alice')).toEqual(seen);
    expect(await store.findRecoveryRecordByHumanId(grant.humanId)).toEqual(seen);
    expect(dynamoDb).toHaveReceivedCommandWith(GetCommand, {
      ConsistentRead: true,
      Key: { clientUserId: 'alice' },
      ...projected,
    });
    expect(dynamoDb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'humanId-index',
      Select: 'SPECIFIC_ATTRIBUTES',
      ...projected,
    });
  });

  it('answers undefined when there is no record', async () => {
    dynamoDb.on(GetCommand).resolves({});
    dynamoDb.on(QueryCommand).resolves({ Items: [] });

    expect(await store.getTokenRecord('nobody')).toBeUndefined();
    expect(await store.getRecoveryRecord('nobody')).toBeUndefined();
    expect(await store.findRecoveryRecordByHumanId('unknown')).toBeUndefined();
  });

  it('replaces the publicToken only if humanId and version are unchanged', async () => {
    // UPDATED_NEW: DynamoDB answers the attributes the update set, not the record.
    const updated = {
      publicToken: 'n'.repeat(32),
      updatedAt: now.toISOString(),
      exchangedAt: now.toISOString(),
      version: 4,
    };
    dynamoDb.on(UpdateCommand).resolves({ Attributes: updated });

    const record = await store.replacePublicToken(stored, 'n'.repeat(32), now);

    expect(record).toEqual({ clientUserId: 'alice', humanId: grant.humanId, publicToken: 'n'.repeat(32), version: 4 });
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateCommand, {
      ReturnValues: 'UPDATED_NEW',
      ConditionExpression: 'humanId = :humanId AND version = :version',
      ExpressionAttributeValues: expect.objectContaining({ ':humanId': grant.humanId, ':version': 3 }),
    });
  });

  it('answers undefined when a concurrent write won the condition', async () => {
    dynamoDb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'lost', $metadata: {} }));

    expect(await store.replacePublicToken(stored, 'n'.repeat(32), now)).toBeUndefined();
  });

  it('turns DynamoDB failures into DependencyUnavailableError', async () => {
    dynamoDb.onAnyCommand().rejects(new Error('ProvisionedThroughputExceeded'));

    await expect(store.upsertTokenRecord(grant, { exchangedAt, now })).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );
    await expect(store.getTokenRecord('alice')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.getRecoveryRecord('alice')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.findRecoveryRecordByHumanId('h')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.replacePublicToken(stored, 'x', now)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers the stored attributes of a record, without write bookkeeping such as lastWriteId', async () => {
    dynamoDb.on(GetCommand).resolves({ Item: { ...stored, exchangedAt: now.toISOString(), lastWriteId: 'w-1' } });

    expect(await store.getTokenRecord('alice')).toEqual({ ...stored, exchangedAt: now.toISOString() });
  });

  it('reads a current-generation record, which holds no token yet, with empty tokens', async () => {
    const { accessToken: _access, publicToken: _public, ...withoutTokens } = stored;
    dynamoDb.on(GetCommand).resolves({ Item: withoutTokens });

    expect(await store.getTokenRecord('alice')).toEqual({ ...withoutTokens, accessToken: '', publicToken: '' });
  });

  it.each([
    ['a missing humanId', { ...stored, humanId: undefined }],
    ['a version that is not a number', { ...stored, version: '3' }],
    ['a publicToken that is not a string', { ...stored, publicToken: { S: 'p' } }],
  ])('refuses an item with %s as a DynamoDB failure, logging field names but no values', async (_, item) => {
    const logged = vi.spyOn(logger, 'error');
    dynamoDb.on(GetCommand).resolves({ Item: item });
    dynamoDb.on(QueryCommand).resolves({ Items: [item] });
    dynamoDb.on(UpdateCommand).resolves({ Attributes: item });

    await expect(store.getTokenRecord('alice')).rejects.toBeInstanceOf(UnreadableTokenRecordError);
    await expect(store.upsertTokenRecord(grant, { exchangedAt, now })).rejects.toBeInstanceOf(
      UnreadableTokenRecordError,
    );
    expect(logged).toHaveBeenCalled();
    expect(JSON.stringify(logged.mock.calls)).not.toContain(grant.publicToken);
    expect(JSON.stringify(logged.mock.calls)).not.toContain(grant.humanId);
    logged.mockRestore();
  });

  // Recovery reads never see the access token: only the attributes they read can be wrong.
  it.each([
    [
      'a version that is not a number',
      { clientUserId: 'alice', humanId: grant.humanId, publicToken: 'p', version: '3' },
    ],
    [
      'a publicToken that is not a string',
      { clientUserId: 'alice', humanId: grant.humanId, publicToken: 1, version: 3 },
    ],
  ])('refuses a recovery read with %s as a DynamoDB failure', async (_, item) => {
    dynamoDb.on(GetCommand).resolves({ Item: item });
    dynamoDb.on(QueryCommand).resolves({ Items: [item] });
    dynamoDb.on(UpdateCommand).resolves({ Attributes: item });

    await expect(store.getRecoveryRecord('alice')).rejects.toBeInstanceOf(UnreadableTokenRecordError);
    await expect(store.findRecoveryRecordByHumanId(grant.humanId)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
    await expect(store.replacePublicToken(stored, 'x', now)).rejects.toBeInstanceOf(UnreadableTokenRecordError);
  });
});
