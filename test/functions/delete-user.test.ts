/**
 * The deleteUser handler (`DELETE /users/{clientUserId}`) on mocked AWS clients: the answer, what it
 * sends (a projected read, a tombstone write returning nothing, conditional deletes of idempotency
 * records returning nothing), and the 4xx that send nothing at all.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/delete-user.js';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';

const documents = mockClient(DynamoDBDocumentClient);
const APP_BACKEND = 'arn:aws:iam::123456789012:role/app-backend';

async function invoke({
  clientUserId = 'alice@example.com',
  rawQueryString = '',
  body,
}: {
  clientUserId?: string;
  rawQueryString?: string;
  body?: string;
} = {}) {
  const result = await handler(
    httpApiEvent({
      method: 'DELETE',
      path: `/users/${encodeURIComponent(clientUserId)}`,
      routePath: '/users/{clientUserId}',
      pathParameters: { clientUserId },
      rawQueryString,
      body,
      contentType: null,
      iamPrincipal: APP_BACKEND,
    }),
    createLambdaContext('deleteUser', 10_000),
  );
  return { ...result, json: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

const lost = () => new ConditionalCheckFailedException({ message: 'lost', $metadata: {} });

describe('deleteUser handler', () => {
  beforeEach(() => {
    documents.reset();
  });

  it('answers what it removed, reading no token and having nothing returned', async () => {
    documents.on(GetCommand).resolves({
      Item: {
        clientUserId: 'alice@example.com',
        humanId: 'h'.repeat(24),
        version: 3,
        lastWriteId: 'w3',
        idempotencyRecords: [{ id: 'finishSession#r1', expiresAt: 1_900_000_000 }],
      },
    });
    documents.on(UpdateCommand).resolves({});
    documents.on(DeleteCommand).resolves({});

    const result = await invoke();

    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({ 'Cache-Control': 'no-store', 'Content-Type': 'application/json' });
    expect(result.json).toEqual({
      clientUserId: 'alice@example.com',
      deletedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
    });
    expect(documents).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'test-tokens',
      Key: { clientUserId: 'alice@example.com' },
      ConsistentRead: true,
    });
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'test-tokens',
      ConditionExpression: 'lastWriteId = :seenWriteId',
      ReturnValues: 'NONE',
    });
    expect(documents).toHaveReceivedCommandWith(DeleteCommand, {
      TableName: 'test-idempotency',
      Key: { id: 'finishSession#r1' },
      ReturnValues: 'NONE',
    });
  });

  it('answers 200 with nothing removed for a user it never saw, leaving a tombstone', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(UpdateCommand).resolves({});

    const result = await invoke({ clientUserId: 'nobody' });

    expect(result.statusCode).toBe(200);
    expect(result.json.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'attribute_not_exists(clientUserId)',
    });
    expect(documents).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('counts an idempotency record that is gone already as not removed', async () => {
    documents.on(GetCommand).resolves({
      Item: {
        clientUserId: 'alice@example.com',
        deletedAt: '2026-12-01T00:00:00.000Z',
        lastWriteId: 'w',
        idempotencyRecords: [{ id: 'finishSession#gone', expiresAt: 1 }],
      },
    });
    documents.on(UpdateCommand).resolves({});
    documents.on(DeleteCommand).rejects(lost());

    const result = await invoke();

    expect(result.json.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
  });

  it.each([
    ['an id of control characters', 'ali\u0001ce', 'path.clientUserId'],
    ['an id over 256 characters', 'a'.repeat(257), 'path.clientUserId'],
    ['"me" from an IAM caller', 'me', 'path.clientUserId'],
  ])('answers 400 naming the parameter for %s, sending nothing', async (_, clientUserId, path) => {
    const result = await invoke({ clientUserId });

    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:invalid-parameter', status: 400 });
    expect(result.json.errors).toEqual([{ path, message: expect.any(String) }]);
    expect(documents.calls()).toEqual([]);
  });

  it('answers 400 naming a query parameter (atHumanApi is not offered), sending nothing', async () => {
    const result = await invoke({ rawQueryString: 'atHumanApi=true' });

    expect(result.statusCode).toBe(400);
    expect(result.json.errors).toEqual([{ path: 'query.atHumanApi', message: 'this route takes no query parameters' }]);
    expect(documents.calls()).toEqual([]);
  });

  it('answers 400 to a body, sending nothing', async () => {
    const result = await invoke({ body: '{"clientUserId":"alice@example.com"}' });

    expect(result.statusCode).toBe(400);
    expect(result.json.type).toBe('urn:humanconnect:problem:unexpected-body');
    expect(documents.calls()).toEqual([]);
  });

  it('answers 503 naming DynamoDB when the table fails, removing no idempotency record', async () => {
    documents.on(GetCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));

    const result = await invoke();

    expect(result.statusCode).toBe(503);
    expect(result.json.title).toBe('DynamoDB is unavailable');
    expect(documents).not.toHaveReceivedCommand(DeleteCommand);
  });
});
