/**
 * The Powertools switches that would print whole events (`POWERTOOLS_LOGGER_LOG_EVENT=true`, DEBUG
 * level) are on for this file, set before the handler's modules load: no token or secret may
 * reach stdout or stderr anyway.
 */
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';

vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', 'DEBUG');
// Human API's answers, scripted per test, over real HTTP on loopback.
const humanApi = vi.fn<typeof fetch>();
vi.stubEnv('HUMANAPI_BASE_URL', await serveFetchHandler(humanApi));
const { handler } = await import('../../functions/finish-session.js');
const { logger } = await import('../../functions/commons/observability.js');

const CLIENT_ID = process.env.HUMANAPI_CLIENT_ID ?? '';
const SECRET = 'the-client-secret-value';
const session = { humanId: 'a1'.repeat(12), clientId: CLIENT_ID, sessionToken: 'f0'.repeat(16) };
const exchange = {
  humanId: session.humanId,
  accessToken: 'ac'.repeat(20),
  publicToken: 'pb'.repeat(16),
  clientId: CLIENT_ID,
  clientUserId: 'alice@example.com',
};

/** Everything written to stdout and stderr while `run` runs, console included. */
async function captureOutput(run: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        record(args.map(String).join(' '));
      }),
    ),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return chunks.join('');
}

describe('logs with POWERTOOLS_LOGGER_LOG_EVENT=true at DEBUG', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('has the switch on as Powertools reads it, so the check below means something', () => {
    expect(logger.shouldLogEvent()).toBe(true);
    expect(logger.getLevelName()).toBe('DEBUG');
  });

  it('prints no session token, access token, publicToken or client secret while finishing a session', async () => {
    mockClient(DynamoDBClient)
      .on(PutItemCommand)
      .resolves({})
      .on(UpdateItemCommand)
      .resolves({})
      .on(DeleteItemCommand)
      .resolves({});
    mockClient(SecretsManagerClient)
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ clientSecret: SECRET }) });
    mockClient(KMSClient)
      .on(EncryptCommand)
      .resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]) });
    const { accessToken: _plaintext, ...stored } = exchange;
    mockClient(DynamoDBDocumentClient)
      .on(UpdateCommand)
      .resolves({
        Attributes: { ...stored, accessTokenCiphertext: 'AQID', createdAt: 'now', updatedAt: 'now', version: 1 },
      });
    humanApi.mockImplementation(
      async () =>
        new Response(JSON.stringify(exchange), { status: 201, headers: { 'Content-Type': 'application/json' } }),
    );
    let statusCode: number | undefined;

    const output = await captureOutput(async () => {
      ({ statusCode } = await handler(
        httpApiEvent({ body: JSON.stringify(session) }),
        createLambdaContext('finishSession', 10_000),
      ));
      // Powertools prints what it buffered at DEBUG with the metrics flush; give it the same turn.
      await new Promise((resolve) => setImmediate(resolve));
    });

    expect(statusCode).toBe(200);
    for (const value of [session.sessionToken, exchange.accessToken, exchange.publicToken, SECRET]) {
      expect(output).not.toContain(value);
    }
  });
});
