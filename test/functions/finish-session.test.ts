import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { metrics } from '../../functions/commons/observability.js';
import { MAX_BODY_BYTES } from '../../functions/http/http-handler.js';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';

const CLIENT_ID = process.env.HUMANAPI_CLIENT_ID ?? '';
const humanApi = vi.fn<typeof fetch>();
// Human API on loopback, answering what each test scripts (the handler reads its URL at import).
process.env.HUMANAPI_BASE_URL = await serveFetchHandler(humanApi);
const { handler } = await import('../../functions/finish-session.js');

const dynamoDb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);
const secretsManager = mockClient(SecretsManagerClient);
const kms = mockClient(KMSClient);
const sqs = mockClient(SQSClient);

const session = {
  humanId: 'a1'.repeat(12),
  clientId: CLIENT_ID,
  sessionToken: 'f0'.repeat(16),
  userId: 'u'.repeat(24),
};
const exchange = {
  humanId: session.humanId,
  accessToken: 'ac'.repeat(20),
  publicToken: 'pb'.repeat(16),
  clientId: CLIENT_ID,
  clientUserId: 'alice@example.com',
};

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function invoke(event: Parameters<typeof handler>[0]) {
  const result = await handler(event, createLambdaContext('finishSession', 10_000));
  return { ...result, json: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

describe('finishSession handler', () => {
  beforeEach(() => {
    dynamoDb.reset();
    documents.reset();
    secretsManager.reset();
    kms.reset();
    sqs.reset();
    humanApi.mockReset();
    kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]) });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    dynamoDb.on(PutItemCommand).resolves({});
    dynamoDb.on(UpdateItemCommand).resolves({});
    dynamoDb.on(DeleteItemCommand).resolves({});
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"clientSecret":"the-secret"}' });
    documents.on(UpdateCommand).callsFake(async (input: { ExpressionAttributeValues: Record<string, unknown> }) => ({
      Attributes: {
        clientUserId: exchange.clientUserId,
        humanId: input.ExpressionAttributeValues[':humanId'],
        accessTokenCiphertext: input.ExpressionAttributeValues[':accessTokenCiphertext'],
        publicToken: input.ExpressionAttributeValues[':publicToken'],
        clientId: CLIENT_ID,
        createdAt: 'now',
        updatedAt: 'now',
        version: 1,
      },
    }));
  });

  it('answers { humanId, clientUserId, publicToken } for a JSON sessionTokenObject, never the accessToken', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({
      humanId: session.humanId,
      clientUserId: 'alice@example.com',
      publicToken: exchange.publicToken,
    });
    expect(result.body).not.toContain(exchange.accessToken);
    expect(result.body).not.toContain('the-secret');
    expect(result.headers).toMatchObject({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    expect(JSON.parse(String(humanApi.mock.calls[0]?.[1]?.body))).toEqual({
      humanId: session.humanId,
      clientId: CLIENT_ID,
      sessionToken: session.sessionToken,
      clientSecret: 'the-secret',
    });
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'test-tokens',
      ExpressionAttributeValues: expect.objectContaining({ ':accessTokenCiphertext': 'AQID' }),
    });
    expect(kms).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: 'alias/test-token-key',
      EncryptionContext: { clientUserId: 'alice@example.com' },
    });
    expect(JSON.stringify(documents.commandCalls(UpdateCommand)[0]?.args[0].input)).not.toContain(exchange.accessToken);
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'test-idempotency' });
  });

  it('accepts the form-urlencoded body of jQuery\u2019s $.post, plain or base64-encoded by API Gateway', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));
    const form = new URLSearchParams(session).toString();

    const plain = await invoke(
      httpApiEvent({ body: form, contentType: 'application/x-www-form-urlencoded; charset=UTF-8' }),
    );
    const encoded = await invoke(
      httpApiEvent({
        body: Buffer.from(form).toString('base64'),
        contentType: 'application/x-www-form-urlencoded',
        isBase64Encoded: true,
      }),
    );

    expect(plain.statusCode).toBe(200);
    expect(encoded.statusCode).toBe(200);
  });

  it.each([
    ['application/json ; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/vnd.api+json;charset=UTF-8', 'json'],
    ['application/x-www-form-urlencoded ;charset=UTF-8', 'form'],
    ['application/x-www-form-urlencoded ; charset=utf-8', 'form'],
  ])('parses a body sent as %s exactly like the plain type', async (contentType, encoding) => {
    humanApi.mockImplementation(async () => answer(201, exchange));
    const body = encoding === 'json' ? JSON.stringify(session) : new URLSearchParams(session).toString();

    const result = await invoke(httpApiEvent({ body, contentType }));

    expect(result.statusCode, result.body).toBe(200);
    expect(result.json.publicToken).toBe(exchange.publicToken);
  });

  it('answers a replay with the user’s current publicToken, without a second exchange (idempotency record completed)', async () => {
    dynamoDb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: {
          id: { S: 'key' },
          status: { S: 'COMPLETED' },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
          data: {
            M: {
              humanId: { S: session.humanId },
              clientUserId: { S: 'alice@example.com' },
              publicToken: { S: 'stored' },
            },
          },
        },
      }),
    );

    documents
      .on(GetCommand)
      .resolvesOnce({})
      .resolves({
        Item: {
          clientUserId: 'alice@example.com',
          humanId: session.humanId,
          clientId: CLIENT_ID,
          publicToken: 'current',
          createdAt: 't0',
          updatedAt: 't1',
          version: 2,
        },
      });

    const beforeTheRecord = await invoke(httpApiEvent({ body: JSON.stringify(session) }));
    const afterANewerToken = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(beforeTheRecord.statusCode).toBe(200);
    expect(beforeTheRecord.json.publicToken).toBe('stored');
    expect(afterANewerToken.json.publicToken).toBe('current');
    expect(humanApi).not.toHaveBeenCalled();
  });

  it.each([
    ['broken JSON', '{"humanId":', 'application/json', 400],
    ['a JSON array', '[]', 'application/json', 400],
    ['a prototype key', '{"__proto__":{"polluted":true}}', 'application/json', 400],
    ['an empty body', undefined, 'application/json', 400],
    ['text/plain', JSON.stringify(session), 'text/plain', 415],
    ['no content type', JSON.stringify(session), null, 415],
    ['a body over 16 KiB', JSON.stringify({ ...session, pad: 'x'.repeat(MAX_BODY_BYTES) }), 'application/json', 413],
  ])('refuses %s with a 4xx problem+json, calling no one', async (_, body, contentType, status) => {
    const result = await invoke(httpApiEvent({ body, contentType }));

    expect(result.statusCode).toBe(status);
    expect(result.headers).toMatchObject({ 'Content-Type': 'application/problem+json' });
    expect(result.json.status).toBe(status);
    expect(humanApi).not.toHaveBeenCalled();
    expect(dynamoDb).not.toHaveReceivedAnyCommand();
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it('lists every invalid field', async () => {
    const result = await invoke(
      httpApiEvent({ body: JSON.stringify({ humanId: 42, clientId: CLIENT_ID, sessionToken: 'a\u0000b' }) }),
    );

    expect(result.statusCode).toBe(400);
    expect(result.json.errors).toEqual([
      { path: 'humanId', message: expect.any(String) },
      { path: 'sessionToken', message: expect.any(String) },
    ]);
  });

  it('answers 403 for another app\u2019s clientId, writing nothing at all', async () => {
    const result = await invoke(httpApiEvent({ body: JSON.stringify({ ...session, clientId: 'e'.repeat(40) }) }));

    expect(result.statusCode).toBe(403);
    expect(humanApi).not.toHaveBeenCalled();
    expect(dynamoDb).not.toHaveReceivedAnyCommand();
    expect(documents).not.toHaveReceivedAnyCommand();
  });

  it.each([
    [400, 422],
    [404, 422],
    [500, 502],
    [503, 502],
  ])('maps a Human API %i to %i and stores nothing', async (upstream, status) => {
    humanApi.mockImplementation(async () => answer(upstream, { error: 'x' }));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(status);
    expect(documents).not.toHaveReceivedAnyCommand();
    expect(dynamoDb).toHaveReceivedCommand(DeleteItemCommand);
  });

  it('re-reads the secret and retries once on a 401, then answers 502 if refused again', async () => {
    humanApi.mockImplementation(async () => answer(401, { error: 'Unauthorized' }));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(502);
    expect(humanApi).toHaveBeenCalledTimes(2);
    // The secret is cached from earlier invocations of this module: the one read is the forced re-read.
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('counts a request failed by Human API in the HumanApiFailure metric, but not a 401 fixed by the secret re-read', async () => {
    const addMetric = vi.spyOn(metrics, 'addMetric');
    humanApi.mockImplementationOnce(async () => answer(401, {})).mockImplementation(async () => answer(201, exchange));
    await invoke(httpApiEvent({ body: JSON.stringify(session) }));
    const failuresCounted = () => addMetric.mock.calls.filter(([name]) => name === 'HumanApiFailure');
    expect(failuresCounted()).toEqual([]);

    humanApi.mockImplementation(async () => answer(500, {}));
    await invoke(httpApiEvent({ body: JSON.stringify({ ...session, sessionToken: 'e1'.repeat(16) }) }));

    expect(failuresCounted()).toEqual([['HumanApiFailure', 'Count', 1]]);
    addMetric.mockRestore();
  });

  it('answers 503 when DynamoDB fails, without calling Human API', async () => {
    dynamoDb.on(PutItemCommand).rejects(new Error('Service unavailable'));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(503);
    expect(humanApi).not.toHaveBeenCalled();
  });

  it('answers 409 while the same session is being finished by another request, without calling Human API', async () => {
    dynamoDb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: {
          id: { S: 'key' },
          status: { S: 'INPROGRESS' },
          expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
          in_progress_expiration: { N: String(Date.now() + 60_000) },
        },
      }),
    );

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(409);
    expect(result.json.type).toBe('urn:humanconnect:problem:session-in-flight');
    expect(humanApi).not.toHaveBeenCalled();
  });

  it('answers 200 with the stored tokens when only completing the idempotency record fails', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));
    dynamoDb.on(UpdateItemCommand).rejects(new Error('Service unavailable'));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session) }));

    expect(result.statusCode).toBe(200);
    expect(result.json.publicToken).toBe(exchange.publicToken);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('queues the grant and answers 200 when the token write fails; 503 when the outbox fails too', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));
    documents.on(UpdateCommand).rejects(new Error('Service unavailable'));

    const queued = await invoke(httpApiEvent({ body: JSON.stringify(session) }));
    sqs.on(SendMessageCommand).rejects(new Error('Service unavailable'));
    const unavailable = await invoke(
      httpApiEvent({ body: JSON.stringify({ ...session, sessionToken: 'e1'.repeat(16) }) }),
    );

    expect(queued.statusCode).toBe(200);
    expect(queued.json.publicToken).toBe(exchange.publicToken);
    const message = JSON.parse(String(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody));
    expect(message).toMatchObject({ accessTokenCiphertext: 'AQID', publicToken: exchange.publicToken });
    expect(JSON.stringify(message)).not.toContain(exchange.accessToken);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-outbox',
    });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.body).not.toContain(exchange.clientUserId);
  });

  it('answers 409 user-deleted, queuing nothing, when the user was deleted after Human API answered', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));
    documents.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'condition', $metadata: {} }));
    documents.on(GetCommand).resolves({
      Item: { clientUserId: exchange.clientUserId, deletedAt: '2999-01-01T00:00:00.000Z', version: 4 },
    });

    const result = await invoke(httpApiEvent({ body: JSON.stringify({ ...session, sessionToken: 'd1'.repeat(16) }) }));

    expect(result.statusCode).toBe(409);
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:user-deleted', status: 409 });
    expect(result.body).not.toContain(exchange.publicToken);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('in JWT mode, the claim is read from the authorizer context (no claim: 403)', async () => {
    humanApi.mockImplementation(async () => answer(201, exchange));

    const result = await invoke(httpApiEvent({ body: JSON.stringify(session), claims: { sub: 'alice@example.com' } }));

    // This module runs without JWT_USER_CLAIM: claims are ignored and the session is finished.
    expect(result.statusCode).toBe(200);
  });
});
