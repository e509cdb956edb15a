/** The outbox's queues (SqsQueue): a grant whose write failed, and a message the drain rejected. SQS mocked at the SDK. */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../functions/adapters/outbox.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/outbox';
const queue = () => new SqsQueue(new SQSClient({}), QUEUE_URL);
const grant = {
  clientUserId: 'alice@example.com',
  humanId: 'h'.repeat(24),
  clientId: 'c'.repeat(40),
  accessTokenCiphertext: 'AQID',
  accessTokenIssuedAt: '2026-12-04T11:00:00.000Z',
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: '2026-12-04T11:00:00.000Z',
};

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('SqsQueue', () => {
  it('sends a grant as its seven fields of JSON, nothing else the object carries', async () => {
    await queue().send({ ...grant, accessToken: 'a'.repeat(40) } as typeof grant);

    const [input] = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(input?.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(String(input?.MessageBody))).toEqual(grant);
    expect(input?.MessageBody).not.toContain('a'.repeat(40));
    expect(input).not.toHaveProperty('MessageAttributes');
  });

  it('rejects a message as it came, with the reason as its problem attribute', async () => {
    await queue().reject('not json {', 'not JSON');

    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: QUEUE_URL,
      MessageBody: 'not json {',
      MessageAttributes: { problem: { DataType: 'String', StringValue: 'not JSON' } },
    });
  });

  it('answers DependencyUnavailableError naming the outbox when SQS fails', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('Service unavailable'));

    await expect(queue().send(grant)).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'the outbox',
    });
    await expect(queue().reject('x', 'not JSON')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
