import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createIdempotency } from '../../../functions/adapters/idempotency.js';
import { DependencyUnavailableError, RequestInFlightError } from '../../../functions/domain/errors.js';
import { createLambdaContext } from '../../../local/lambda-adapter.js';

type Key = { readonly sessionToken: string; readonly callerId: string | null };

const dynamoDb = mockClient(DynamoDBClient);
const context = createLambdaContext('finishSession', 10_000);
const result = { publicToken: 'p'.repeat(32) };
const key: Key = { sessionToken: 's'.repeat(32), callerId: null };

/** Replays answer what the stored result says, marked so a test can tell. */
const replayed = vi.fn(async (stored: unknown) => ({ publicToken: `replayed:${JSON.stringify(stored)}` }));

function idempotentRunner() {
  return createIdempotency<Key, typeof result>({
    tableName: 'idempotency',
    dynamoDb: new DynamoDBClient({}),
    expiresAfterSeconds: 3600,
    onReplay: replayed,
  });
}

function existingRecord(status: 'COMPLETED' | 'INPROGRESS', data?: Record<string, string>) {
  const inAnHour = String(Math.floor(Date.now() / 1000) + 3600);
  return new ConditionalCheckFailedException({
    message: 'exists',
    $metadata: {},
    Item: {
      id: { S: 'the-key' },
      status: { S: status },
      expiration: { N: inAnHour },
      in_progress_expiration: { N: String(Date.now() + 60_000) },
      ...(data === undefined
        ? {}
        : { data: { M: Object.fromEntries(Object.entries(data).map(([name, value]) => [name, { S: value }])) } }),
    },
  });
}

const idOfPut = (index: number) => dynamoDb.commandCalls(PutItemCommand)[index]?.args[0].input.Item?.id?.S;

describe('createIdempotency', () => {
  beforeEach(() => {
    dynamoDb.reset();
    dynamoDb.on(PutItemCommand).resolves({});
    dynamoDb.on(UpdateItemCommand).resolves({});
    dynamoDb.on(DeleteItemCommand).resolves({});
  });

  it('runs the work once, records it in progress first and completes the record with its result', async () => {
    const work = vi.fn(async () => result);

    expect(await idempotentRunner()(key, context, work)).toEqual(result);

    expect(work).toHaveBeenCalledTimes(1);
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'idempotency' });
    expect(dynamoDb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'idempotency',
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'COMPLETED' } }),
    });
  });

  it('answers a replay through onReplay, handing it the stored result, without running the work', async () => {
    dynamoDb.on(PutItemCommand).rejects(existingRecord('COMPLETED', { publicToken: 'stored' }));
    const work = vi.fn(async () => result);

    expect(await idempotentRunner()(key, context, work)).toEqual({ publicToken: 'replayed:{"publicToken":"stored"}' });
    expect(work).not.toHaveBeenCalled();
  });

  it('does not call onReplay for a first run', async () => {
    replayed.mockClear();

    expect(await idempotentRunner()(key, context, async () => result)).toEqual(result);
    expect(replayed).not.toHaveBeenCalled();
  });

  it('refuses a duplicate while the same key is in flight, without running the work', async () => {
    dynamoDb.on(PutItemCommand).rejects(existingRecord('INPROGRESS'));
    const work = vi.fn(async () => result);

    await expect(idempotentRunner()(key, context, work)).rejects.toBeInstanceOf(RequestInFlightError);
    expect(work).not.toHaveBeenCalled();
  });

  it('fails naming DynamoDB (503), without running the work, when the record cannot be written', async () => {
    dynamoDb.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));
    const work = vi.fn(async () => result);

    const failure: unknown = await idempotentRunner()(key, context, work).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DependencyUnavailableError);
    expect(failure).toMatchObject({ dependency: 'DynamoDB' });
    expect(work).not.toHaveBeenCalled();
  });

  it('answers the result of work that succeeded when only completing the record failed', async () => {
    dynamoDb.on(UpdateItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    expect(await idempotentRunner()(key, context, async () => result)).toEqual(result);
  });

  it('rethrows the work\u2019s own failure and deletes the in-progress record so a retry can run', async () => {
    const failure = new Error('Human API down');

    await expect(idempotentRunner()(key, context, async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(dynamoDb).toHaveReceivedCommandTimes(DeleteItemCommand, 1);
  });

  it('hashes the whole key: the same key gives the same record, another caller another one', async () => {
    const once = idempotentRunner();

    await once(key, context, async () => result);
    await once({ ...key }, context, async () => result);
    await once({ ...key, callerId: 'alice' }, context, async () => result);

    expect(idOfPut(0)).toBeDefined();
    expect(idOfPut(1)).toBe(idOfPut(0));
    expect(idOfPut(2)).not.toBe(idOfPut(0));
  });
});
