import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';

const humanApi = vi.fn<typeof fetch>();
// Human API on loopback, answering what each test scripts (the handler reads its URL at import).
process.env.HUMANAPI_BASE_URL = await serveFetchHandler(humanApi);
const { handler } = await import('../../functions/recover-public-token.js');

const documents = mockClient(DynamoDBDocumentClient);
const secretsManager = mockClient(SecretsManagerClient);
const record = {
  clientUserId: 'alice',
  humanId: 'h'.repeat(24),
  accessToken: 'a'.repeat(40),
  publicToken: 'p'.repeat(32),
  clientId: process.env.HUMANAPI_CLIENT_ID,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  version: 2,
};

async function invoke(body: unknown) {
  const result = await handler(
    httpApiEvent({ path: '/public-tokens', body: JSON.stringify(body) }),
    createLambdaContext('recoverPublicToken', 10_000),
  );
  return { ...result, json: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

describe('recoverPublicToken handler', () => {
  beforeEach(() => {
    documents.reset();
    secretsManager.reset();
    humanApi.mockReset();
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'plain-secret' });
  });

  it('answers the stored publicToken, never the accessToken, reading DynamoDB once', async () => {
    documents.on(GetCommand).resolves({ Item: record });

    const result = await invoke({ clientUserId: 'alice' });

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ humanId: record.humanId, clientUserId: 'alice', publicToken: record.publicToken });
    expect(result.body).not.toContain(record.accessToken);
    expect(documents).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(humanApi).not.toHaveBeenCalled();
  });

  it('finds the user by humanId through the GSI', async () => {
    documents.on(QueryCommand).resolves({ Items: [record] });

    const result = await invoke({ humanId: record.humanId });

    expect(result.statusCode).toBe(200);
    expect(documents).toHaveReceivedCommandWith(QueryCommand, { TableName: 'test-tokens', IndexName: 'humanId-index' });
  });

  it('refreshes through Human API and stores the new publicToken only over an earlier-issued one', async () => {
    documents.on(GetCommand).resolves({ Item: record });
    documents.on(UpdateCommand).resolves({ Attributes: { ...record, publicToken: 'n'.repeat(32), version: 3 } });
    humanApi.mockImplementation(
      async () =>
        new Response(JSON.stringify({ humanId: record.humanId, publicToken: 'n'.repeat(32) }), { status: 200 }),
    );

    const result = await invoke({ clientUserId: 'alice', refresh: true });

    expect(result.json.publicToken).toBe('n'.repeat(32));
    expect(JSON.parse(String(humanApi.mock.calls[0]?.[1]?.body))).toEqual({
      humanId: record.humanId,
      clientId: process.env.HUMANAPI_CLIENT_ID,
      clientSecret: 'plain-secret',
    });
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: expect.stringContaining('publicTokenIssuedAt < :publicTokenIssuedAt'),
      UpdateExpression: expect.not.stringContaining('accessToken'),
    });
  });

  it('answers 404 when there is no record, and 503 when DynamoDB fails', async () => {
    documents.on(GetCommand).resolvesOnce({}).rejects(new Error('down'));

    expect((await invoke({ clientUserId: 'bob' })).statusCode).toBe(404);
    expect((await invoke({ clientUserId: 'bob' })).statusCode).toBe(503);
  });

  it('answers 400 naming the problem when both or neither identifier is given', async () => {
    const both = await invoke({ clientUserId: 'alice', humanId: record.humanId });
    const neither = await invoke({ refresh: true });

    expect(both.statusCode).toBe(400);
    expect(neither.statusCode).toBe(400);
    expect(both.json.errors).toEqual([{ path: '', message: 'Give exactly one of clientUserId and humanId' }]);
    expect(documents).not.toHaveReceivedAnyCommand();
  });
});

describe('handler configuration', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it.each(['TOKENS_TABLE_NAME', 'HUMANAPI_SECRET_ID'])('fails to load naming a missing %s', async (variable) => {
    vi.stubEnv(variable, '');
    vi.resetModules();

    await expect(import('../../functions/recover-public-token.js')).rejects.toThrow(
      `Environment variable ${variable} is required but not set`,
    );
  });
});
