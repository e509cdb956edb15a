import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTokenStore } from '../../../functions/commons/clients/token-store.js';
import { DependencyUnavailableError } from '../../../functions/commons/errors.js';

const dynamoDb = mockClient(DynamoDBDocumentClient);
const store = createTokenStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tokens');
const now = new Date('2026-11-21T10:00:00.000Z');
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

  it('upserts in one UpdateItem that keeps createdAt and adds 1 to version', async () => {
    dynamoDb.on(UpdateCommand).resolves({ Attributes: stored });

    const record = await store.upsertTokenRecord(grant, now);

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
      }),
    });
  });

  it('reads by clientUserId consistently and by humanId through the GSI', async () => {
    dynamoDb.on(GetCommand).resolves({ Item: stored });
    dynamoDb.on(QueryCommand).resolves({ Items: [stored] });

    expect(await store.getTokenRecord('alice')).toEqual(stored);
    expect(await store.findTokenRecordByHumanId(grant.humanId)).toEqual(stored);
    expect(dynamoDb).toHaveReceivedCommandWith(GetCommand, { ConsistentRead: true, Key: { clientUserId: 'alice' } });
    expect(dynamoDb).toHaveReceivedCommandWith(QueryCommand, { IndexName: 'humanId-index' });
  });

  it('answers undefined when there is no record', async () => {
    dynamoDb.on(GetCommand).resolves({});
    dynamoDb.on(QueryCommand).resolves({ Items: [] });

    expect(await store.getTokenRecord('nobody')).toBeUndefined();
    expect(await store.findTokenRecordByHumanId('unknown')).toBeUndefined();
  });

  it('replaces the publicToken only if humanId and version are unchanged', async () => {
    dynamoDb.on(UpdateCommand).resolves({ Attributes: { ...stored, publicToken: 'n'.repeat(32), version: 4 } });

    const record = await store.replacePublicToken(stored, 'n'.repeat(32), now);

    expect(record?.publicToken).toBe('n'.repeat(32));
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateCommand, {
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

    await expect(store.upsertTokenRecord(grant, now)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.getTokenRecord('alice')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.findTokenRecordByHumanId('h')).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.replacePublicToken(stored, 'x', now)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
