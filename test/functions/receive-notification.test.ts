/** The `receiveNotification` handler: the HTTP edge, the secrets and the queue wired, AWS mocked at the SDK. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/receive-notification.js';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';

const secretsManager = mockClient(SecretsManagerClient);
const sqs = mockClient(SQSClient);
const PATH_SECRET = 'Pa7hS3cretOfThisDeployment0123456789abcdefABCDEF';
const HUMAN_ID = '5f0c2a9e8b7d6c5a4b3c2d1e';
// `printf '%s' "$BODY$TIMESTAMP$NONCE" | openssl dgst -sha1 -hmac the-client-secret`
const BODY = `[{"humanId":"${HUMAN_ID}"}]`;
const SIGNATURE = '143feda38805e9f0930a7fd98ac3d5181ad845e1';

async function invoke({
  secret = PATH_SECRET,
  body = BODY,
  headers = {},
}: {
  secret?: string;
  body?: string;
  headers?: Record<string, string>;
} = {}) {
  const result = await handler(
    httpApiEvent({
      path: `/notifications/${secret}`,
      routePath: '/notifications/{secret}',
      pathParameters: { secret },
      headers,
      body,
    }),
    createLambdaContext('receiveNotification', 10_000),
  );
  return { ...result, json: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
}

beforeEach(() => {
  secretsManager.reset();
  sqs.reset();
  secretsManager
    .on(GetSecretValueCommand, { SecretId: process.env.NOTIFICATIONS_SECRET_ID, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: PATH_SECRET, CreatedDate: new Date() });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: process.env.HUMANAPI_SECRET_ID, VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: '{"clientSecret":"the-client-secret"}', CreatedDate: new Date() });
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }] });
});

describe('receiveNotification handler', () => {
  it('answers 200 { accepted } once the notification is on the queue named by NOTIFICATIONS_QUEUE_URL', async () => {
    const result = await invoke();

    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ accepted: 1 });
    expect(result.headers).toMatchObject({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: process.env.NOTIFICATIONS_QUEUE_URL,
    });
  });

  it('refuses a signature timed outside the window with 401 notification-refused, queueing nothing', async () => {
    // The fixed signature is of 2026-01-01T00:00:00Z: today it is outside the window.
    const stale = await invoke({
      headers: {
        'x-humanapi-signature': SIGNATURE,
        'x-humanapi-timestamp': '1767225600',
        'x-humanapi-nonce': 'n0nce-1',
      },
    });

    expect(stale.statusCode).toBe(401);
    expect(stale.json).toMatchObject({
      type: 'urn:humanconnect:problem:notification-refused',
      title: 'Unauthorized',
      status: 401,
      detail: 'The signed X-HumanAPI-Timestamp is outside the accepted window; nothing was queued.',
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('answers 401 to a wrong path secret, naming nothing of the secret, and queues nothing', async () => {
    const result = await invoke({ secret: 'guessed' });

    expect(result.statusCode).toBe(401);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(result.json.detail).toBe("The notification URL's secret is not this deployment's; nothing was queued.");
    expect(result.body).not.toContain(PATH_SECRET);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 0);
  });

  it('answers 503 naming the notifications queue when SQS fails, so Human API delivers again', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('Service unavailable'));

    const result = await invoke();

    expect(result.statusCode).toBe(503);
    expect(result.json).toMatchObject({
      type: 'urn:humanconnect:problem:dependency-unavailable',
      title: 'the notifications queue is unavailable',
    });
  });

  it('answers 413 past 32 KiB and 400 naming the field for a notification without a humanId, reading no secret', async () => {
    const tooLarge = await invoke({ body: JSON.stringify([{ humanId: HUMAN_ID, padding: 'x'.repeat(32 * 1024) }]) });
    const noHumanId = await invoke({ body: '[{"type":"activities"}]' });

    expect(tooLarge.statusCode).toBe(413);
    expect(noHumanId.statusCode).toBe(400);
    expect(noHumanId.json.errors).toEqual([{ path: '0.humanId', message: 'humanId is required' }]);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
  });

  it('accepts a body of up to 32 KiB', async () => {
    const body = JSON.stringify([{ humanId: HUMAN_ID, padding: 'x'.repeat(32 * 1024 - 100) }]);

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(32 * 1024);
    expect((await invoke({ body })).statusCode).toBe(200);
  });
});
