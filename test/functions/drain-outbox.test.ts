import 'aws-sdk-client-mock-vitest/extend';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../functions/commons/observability.js';
import { createLambdaContext } from '../../local/lambda-adapter.js';

const { handler } = await import('../../functions/drain-outbox.js');
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const REJECTED_GRANTS_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/test-outbox-rejected';
/** An issue time `minutes` before now (negative: after now). */
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const grant = {
  clientUserId: 'alice@example.com',
  humanId: 'h'.repeat(24),
  clientId: process.env.HUMANAPI_CLIENT_ID,
  accessTokenCiphertext: 'AQID',
  accessTokenIssuedAt: minutesAgo(60),
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: minutesAgo(60),
};
const body = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...grant, ...overrides });

function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((messageBody, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body: messageBody,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox',
      awsRegion: 'us-east-1',
    })),
  };
}

const drain = (...bodies: string[]) => handler(sqsEvent(...bodies), createLambdaContext('drainOutbox', 30_000));
/** What went to the rejected-grants queue: each body with its problem attribute. */
const rejections = () =>
  sqs.commandCalls(SendMessageCommand).map(({ args: [{ input }] }) => ({
    queueUrl: input.QueueUrl,
    body: input.MessageBody,
    problem: input.MessageAttributes?.problem?.StringValue,
  }));

describe('drainOutbox handler', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'rejected-1' });
    documents.on(UpdateCommand).resolves({
      Attributes: { ...grant, createdAt: 't', updatedAt: 't', version: 1 },
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('applies a queued grant with the newest-wins write, reporting no failure', async () => {
    const result = await drain(body());

    expect(result.batchItemFailures).toEqual([]);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'test-tokens',
      Key: { clientUserId: 'alice@example.com' },
      ConditionExpression: expect.stringContaining('accessTokenIssuedAt < :accessTokenIssuedAt'),
      ExpressionAttributeValues: expect.objectContaining({ ':accessTokenCiphertext': 'AQID' }),
    });
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('sets every invalid message aside in the rejected-grants queue with its rule, storing none and failing none', async () => {
    const invalid = [
      ['not json', 'not JSON'],
      [body({ publicToken: 'p'.repeat(513) }), "fails the grant's rules: publicToken"],
      [body({ clientUserId: 'alice\u0000@example.com' }), "fails the grant's rules: clientUserId"],
      [body({ accessTokenCiphertext: 'A'.repeat(4097) }), "fails the grant's rules: accessTokenCiphertext"],
      [body({ accessTokenCiphertext: 'not base64!' }), "fails the grant's rules: accessTokenCiphertext"],
      [body({ accessToken: 'a'.repeat(40) }), "fails the grant's rules: (body)"],
      [body({ clientId: 'e'.repeat(40) }), 'another app\u2019s grant'],
      [body({ accessTokenIssuedAt: minutesAgo(14 * 24 * 60 + 5) }), 'issued before the outbox\u2019s lifetime'],
      [body({ publicTokenIssuedAt: minutesAgo(-10) }), 'issued in the future'],
    ] as const;

    const result = await drain(...invalid.map(([message]) => message), body());

    expect(result.batchItemFailures).toEqual([]);
    expect(rejections()).toEqual(
      invalid.map(([message, problem]) => ({ queueUrl: REJECTED_GRANTS_QUEUE_URL, body: message, problem })),
    );
    // Only the valid grant was written.
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, { Key: { clientUserId: 'alice@example.com' } });
  });

  it('drops, with a warning, a grant issued before its user was deleted, failing nothing', async () => {
    documents
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    documents.on(GetCommand).resolves({
      Item: { clientUserId: 'alice@example.com', deletedAt: minutesAgo(1), purgeAt: 1_800_000_000, version: 3 },
    });
    const warned = vi.spyOn(logger, 'warn');

    const result = await drain(body());

    expect(result.batchItemFailures).toEqual([]);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
    expect(warned).toHaveBeenCalledWith('Dropped a queued grant issued before its user was deleted');
  });

  it('reports a message the rejected-grants queue could not take, so SQS delivers it again', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('Service unavailable'));

    const result = await drain('not json', body());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
  });

  it('reports a grant whose write fails, so SQS delivers it again', async () => {
    documents.on(UpdateCommand).rejects(new Error('Service unavailable'));

    const result = await drain(body(), body({ clientUserId: 'bob' })).catch((error: unknown) => error);

    // Every record failed: Powertools throws, and Lambda returns the whole batch to the queue.
    expect(result).toBeInstanceOf(Error);
    expect(sqs).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('refuses to start without REJECTED_GRANTS_QUEUE_URL, naming it', async () => {
    vi.stubEnv('REJECTED_GRANTS_QUEUE_URL', '');
    vi.resetModules();
    try {
      await expect(import('../../functions/drain-outbox.js')).rejects.toThrow(
        'Environment variable REJECTED_GRANTS_QUEUE_URL is required but not set',
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
