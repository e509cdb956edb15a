import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConnectUserStore } from '../../../functions/adapters/connect-user-store.js';
import {
  DependencyUnavailableError,
  HumanApiFailedError,
  UnreadableTokenRecordError,
} from '../../../functions/commons/errors.js';

const dynamoDb = mockClient(DynamoDBDocumentClient);
const store = createConnectUserStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'tokens');
const humanId = 'h'.repeat(24);
const now = new Date('2026-12-01T10:00:00.000Z');
const write = { clientUserId: 'alice', humanId, clientId: 'c'.repeat(40), connected: false, now };
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });

describe('connect user store', () => {
  beforeEach(() => {
    dynamoDb.reset();
  });

  it('reads only humanId and the connection markers, never the access token', async () => {
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId } });

    const user = await store.getConnectUser('alice');

    expect(user).toEqual({ clientUserId: 'alice', humanId, connected: false });
    expect(dynamoDb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'tokens',
      Key: { clientUserId: 'alice' },
      ConsistentRead: true,
      ProjectionExpression: 'clientUserId, humanId, connectedAt, publicToken',
    });
  });

  it.each([
    ['connectedAt', { connectedAt: '2026-12-01T09:00:00.000Z' }],
    ['a v1 publicToken', { publicToken: 'p'.repeat(32) }],
  ])('reads a user as connected from %s', async (_, attributes) => {
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId, ...attributes } });

    expect((await store.getConnectUser('alice'))?.connected).toBe(true);
  });

  it('answers undefined when there is no record', async () => {
    dynamoDb.on(GetCommand).resolves({});

    expect(await store.getConnectUser('alice')).toBeUndefined();
  });

  it('treats an item of another shape as a storage failure', async () => {
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId: 42 } });

    await expect(store.getConnectUser('alice')).rejects.toBeInstanceOf(UnreadableTokenRecordError);
  });

  it('records the humanId in one UpdateItem that keeps createdAt and clientId and adds 1 to version', async () => {
    dynamoDb.on(UpdateCommand).resolves({});

    await store.recordConnectUser(write);

    const input = dynamoDb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input?.Key).toEqual({ clientUserId: 'alice' });
    expect(input?.UpdateExpression).toBe(
      'SET humanId = :humanId, clientId = if_not_exists(clientId, :clientId), ' +
        'createdAt = if_not_exists(createdAt, :now), updatedAt = :now, lastWriteId = :writeId ADD version :one',
    );
    expect(input?.ConditionExpression).toBe(
      '(attribute_not_exists(humanId) OR humanId = :humanId) AND ' +
        '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId)',
    );
    expect(input?.ExpressionAttributeValues).toEqual({
      ':humanId': humanId,
      ':clientId': 'c'.repeat(40),
      ':now': '2026-12-01T10:00:00.000Z',
      ':writeId': expect.any(String),
      ':one': 1,
    });
    expect(JSON.stringify(input)).not.toMatch(/accessToken|publicToken/);
  });

  it('sets connectedAt once, when asked', async () => {
    dynamoDb.on(UpdateCommand).resolves({});

    await store.recordConnectUser({ ...write, connected: true });

    expect(dynamoDb.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toContain(
      'connectedAt = if_not_exists(connectedAt, :now)',
    );
  });

  it('accepts a lost condition when the record already holds this humanId (its own earlier attempt)', async () => {
    dynamoDb.on(UpdateCommand).rejects(conditionFailed());
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId } });

    await expect(store.recordConnectUser(write)).resolves.toBeUndefined();
  });

  it('refuses to replace another humanId', async () => {
    dynamoDb.on(UpdateCommand).rejects(conditionFailed());
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId: 'x'.repeat(24) } });

    await expect(store.recordConnectUser(write)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('makes only requests its role allows: a projected read, and a write naming non-token attributes and returning nothing', async () => {
    // The stack's fine-grained conditions (infra/token-access.ts grantConnectUserAccess), literally.
    const readable = ['clientUserId', 'humanId', 'connectedAt', 'publicToken'];
    const writable = [
      'clientUserId',
      'humanId',
      'clientId',
      'createdAt',
      'updatedAt',
      'lastWriteId',
      'connectedAt',
      'version',
    ];
    const named = (...expressions: (string | undefined)[]) =>
      expressions
        .flatMap((expression) => expression?.match(/[:A-Za-z_][\w]*/g) ?? [])
        .filter((word) => !word.startsWith(':') && !/^(SET|ADD|AND|OR|if_not_exists|attribute_not_exists)$/.test(word));
    dynamoDb.on(UpdateCommand).rejects(conditionFailed());
    dynamoDb.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId } });

    await store.recordConnectUser({ ...write, connected: true });

    const [update] = dynamoDb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    const [read] = dynamoDb.commandCalls(GetCommand).map((call) => call.args[0].input);
    expect(read?.ProjectionExpression?.split(', ')).toEqual(readable);
    expect(read?.ExpressionAttributeNames).toBeUndefined();
    const written = named(update?.UpdateExpression, update?.ConditionExpression);
    expect(new Set([...Object.keys(update?.Key ?? {}), ...written])).toEqual(new Set(writable));
    expect(update?.ExpressionAttributeNames).toBeUndefined();
    expect(update?.ReturnValues).toBe('NONE');
    expect(update?.ReturnValuesOnConditionCheckFailure).toBeUndefined();
  });

  it('answers DependencyUnavailableError when DynamoDB fails', async () => {
    dynamoDb.on(UpdateCommand).rejects(new Error('socket hang up'));
    dynamoDb.on(GetCommand).rejects(new Error('socket hang up'));

    await expect(store.recordConnectUser(write)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.getConnectUser('alice')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
