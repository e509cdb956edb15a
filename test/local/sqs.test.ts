import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { type LocalSqs, MAX_RECEIVE_COUNT, startLocalSqs, startOutboxDrain } from '../../local/sqs.js';

let sqs: LocalSqs;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startLocalSqs({ path: undefined, visibilityTimeoutSeconds: 0 });
  client = new SQSClient({
    endpoint: sqs.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await sqs?.close();
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('the local SQS stand-in and drain loop', () => {
  it('delivers sent messages to the drain handler as an SQS event, deletes the ones it applied, and dead-letters one that keeps failing', async () => {
    // Prepare: the SDK's own MD5 checks run on send and receive.
    await client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: '{"ok":true}' }));
    await client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: '{"ok":false}' }));
    const seen: string[] = [];
    const handler = async (event: SQSEvent) => {
      seen.push(...event.Records.map((record) => record.body));
      return {
        batchItemFailures: event.Records.filter((record) => record.body.includes('false')).map((record) => ({
          itemIdentifier: record.messageId,
        })),
      };
    };

    // Act
    const drain = startOutboxDrain({
      endpoint: sqs.endpoint,
      queueUrl: sqs.outboxQueueUrl,
      handler,
      context: () => createLambdaContext('drainOutbox', 30_000),
      intervalMs: 20,
    });
    await until(() => sqs.depths().deadLetters === 1);
    await drain.stop();

    // Assess
    expect(seen.filter((body) => body === '{"ok":true}')).toHaveLength(1);
    expect(seen.filter((body) => body === '{"ok":false}')).toHaveLength(MAX_RECEIVE_COUNT);
    expect(sqs.depths()).toEqual({ outbox: 0, deadLetters: 1, rejected: 0 });
    const attributes = await client.send(new GetQueueAttributesCommand({ QueueUrl: sqs.outboxQueueUrl }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });

  it('keeps what is sent to the rejected-grants queue apart from the outbox, with the SDK\u2019s checks passing', async () => {
    const before = sqs.depths();

    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.rejectedGrantsQueueUrl,
        MessageBody: 'not json',
        MessageAttributes: { problem: { DataType: 'String', StringValue: 'not JSON' } },
      }),
    );

    expect(sqs.rejectedGrantsQueueUrl).toBe(`${sqs.endpoint}/000000000000/humanapi-outbox-rejected`);
    expect(sqs.depths()).toEqual({ ...before, rejected: before.rejected + 1 });
  });

  it('fails a send with an injected fault, and refuses an unknown queue', async () => {
    sqs.injectFaults(1, 'SendMessage');

    await expect(
      client.send(new SendMessageCommand({ QueueUrl: sqs.outboxQueueUrl, MessageBody: 'x' })),
    ).rejects.toThrow();
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/other`, MessageBody: 'x' })),
    ).rejects.toThrow(/does not exist/);
  });
});
