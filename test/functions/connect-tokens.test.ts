import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';

const humanApi = vi.fn<typeof fetch>();
// Human API's auth service on loopback, answering what each test scripts (the handler reads its URL at import).
process.env.HUMANAPI_AUTH_BASE_URL = await serveFetchHandler(humanApi);
const { handler } = await import('../../functions/connect-tokens.js');

const documents = mockClient(DynamoDBDocumentClient);
const secretsManager = mockClient(SecretsManagerClient);
const humanId = 'h'.repeat(24);

const answer = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

async function invoke(
  run: (event: APIGatewayProxyEventV2, context: ReturnType<typeof createLambdaContext>) => Promise<unknown>,
  body: unknown,
  claims?: Record<string, unknown>,
) {
  const result = (await run(
    httpApiEvent({ path: '/connect-tokens', body: JSON.stringify(body), ...(claims === undefined ? {} : { claims }) }),
    createLambdaContext('connectTokens', 10_000),
  )) as { statusCode: number; body: string; headers: Record<string, string> };
  return { ...result, json: JSON.parse(result.body) as Record<string, unknown> };
}

beforeEach(() => {
  documents.reset();
  secretsManager.reset();
  humanApi.mockReset();
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientSecret: 'the-secret' }) });
});

describe('connectTokens handler (IAM mode)', () => {
  it('answers a create token for a new user, posting to /v1/connect/token, and records the humanId', async () => {
    documents.on(GetCommand).resolves({});
    documents.on(UpdateCommand).resolves({});
    humanApi.mockResolvedValue(answer(200, { session_token: 'session-token', expires_in: 3600, human_id: humanId }));

    const result = await invoke(handler, { clientUserId: 'alice', email: 'alice@example.com' });

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId });
    expect(result.headers['Cache-Control']).toBe('no-store');
    expect(new URL(String(humanApi.mock.calls[0]?.[0])).pathname).toBe('/v1/connect/token');
    expect(JSON.parse(String(humanApi.mock.calls[0]?.[1]?.body))).toMatchObject({
      client_id: process.env.HUMANAPI_CLIENT_ID,
      client_secret: 'the-secret',
      client_user_id: 'alice',
      type: 'session',
    });
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'test-tokens',
      Key: { clientUserId: 'alice' },
    });
  });

  it.each([
    ['no email for a new user', { clientUserId: 'alice' }, 'email'],
    ['no clientUserId', { email: 'alice@example.com' }, 'clientUserId'],
    ['a malformed email', { clientUserId: 'alice', email: 'not-an-email' }, 'email'],
    ['a field of another route', { clientUserId: 'alice', email: 'a@example.com', sessionToken: 'x' }, ''],
  ])('answers 400 naming the field for %s, writing nothing', async (_, body, path) => {
    documents.on(GetCommand).resolves({});

    const result = await invoke(handler, body);

    expect(result.statusCode).toBe(400);
    expect(result.headers['Content-Type']).toBe('application/problem+json');
    expect(result.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(humanApi).not.toHaveBeenCalled();
    expect(documents).not.toHaveReceivedCommand(UpdateCommand);
  });

  it.each([
    [502, () => answer(500, { error: 'boom' })],
    [502, () => answer(200, { unexpected: true })],
  ])('answers %i when Human API fails a connected user, writing nothing', async (status, response) => {
    documents
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId, connectedAt: '2026-12-01T09:00:00Z' } });
    humanApi.mockImplementation(async () => response());

    const result = await invoke(handler, { clientUserId: 'alice' });

    expect(result.statusCode).toBe(status);
    expect(humanApi).toHaveBeenCalledTimes(1);
    expect(documents).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('answers 422, writing nothing, when Human API refuses a new user both a session and an id token', async () => {
    documents.on(GetCommand).resolves({});
    humanApi.mockImplementation(async () => answer(400, { error: 'bad' }));

    const result = await invoke(handler, { clientUserId: 'alice', email: 'alice@example.com' });

    expect(result.statusCode).toBe(422);
    expect(humanApi.mock.calls.map(([, init]) => JSON.parse(String(init?.body)).type)).toEqual([
      'session',
      'id',
      'id_token',
    ]);
    expect(documents).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('marks a connected user Human API refuses an id token reconnectRequired, and answers 400 naming email without one', async () => {
    documents
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId, connectedAt: '2026-12-01T09:00:00Z' } });
    documents.on(UpdateCommand).resolves({});
    humanApi.mockImplementation(async () => answer(404, { error: 'not_found' }));

    const result = await invoke(handler, { clientUserId: 'alice' });

    expect(result.statusCode).toBe(400);
    expect(result.json.errors).toEqual([{ path: 'email', message: 'Required for a user who is not connected' }]);
    expect(humanApi.mock.calls.map(([, init]) => JSON.parse(String(init?.body)).type)).toEqual(['id', 'id_token']);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { clientUserId: 'alice' },
      UpdateExpression: expect.stringContaining('reconnectRequired = :yes'),
    });
  });

  it('answers a connected user Human API refuses an id token a create token when the email is given', async () => {
    documents
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId, connectedAt: '2026-12-01T09:00:00Z' } });
    documents.on(UpdateCommand).resolves({});
    humanApi.mockImplementation(async (_url, init) =>
      JSON.parse(String(init?.body)).type === 'session'
        ? answer(200, { session_token: 'session-token', expires_in: 3600, human_id: 'n'.repeat(24) })
        : answer(404, { error: 'not_found' }),
    );

    const result = await invoke(handler, { clientUserId: 'alice', email: 'alice@example.com' });

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId: 'n'.repeat(24) });
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(documents).toHaveReceivedNthCommandWith(UpdateCommand, 2, {
      Key: { clientUserId: 'alice' },
      ExpressionAttributeValues: expect.objectContaining({ ':humanId': 'n'.repeat(24) }),
    });
  });

  it('answers 503 when DynamoDB is unavailable', async () => {
    documents.on(GetCommand).rejects(new Error('socket hang up'));

    const result = await invoke(handler, { clientUserId: 'alice', email: 'alice@example.com' });

    expect(result.statusCode).toBe(503);
    expect(humanApi).not.toHaveBeenCalled();
  });
});

describe('connectTokens handler (JWT mode)', () => {
  it('takes the caller from the claim and refuses another user with 403', async () => {
    vi.stubEnv('JWT_USER_CLAIM', 'sub');
    vi.resetModules();
    const jwt = await import('../../functions/connect-tokens.js');
    vi.unstubAllEnvs();
    documents.on(GetCommand).resolves({ Item: { clientUserId: 'bob', humanId, publicToken: 'p'.repeat(32) } });
    humanApi.mockImplementation(async () => answer(200, { id_token: 'id-token', expires_in: 600 }));

    const own = await invoke(jwt.handler, {}, { sub: 'bob' });
    const other = await invoke(jwt.handler, { clientUserId: 'alice' }, { sub: 'bob' });

    expect(own.statusCode).toBe(200);
    expect(own.json).toEqual({ token: 'id-token', mode: 'edit', expiresIn: 600, humanId });
    expect(documents).toHaveReceivedCommandWith(GetCommand, { Key: { clientUserId: 'bob' } });
    expect(other.statusCode).toBe(403);
    expect(humanApi).toHaveBeenCalledTimes(1);
  });
});
