import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';

const { handler } = await import('../../functions/drain-outbox.js');
const documents = mockClient(DynamoDBDocumentClient);

const grant = {
  clientUserId: 'alice@example.com',
  humanId: 'h'.repeat(24),
  clientId: 'c'.repeat(40),
  accessTokenCiphertext: 'AQID',
  accessTokenIssuedAt: '2026-11-21T10:00:00.000Z',
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: '2026-11-21T10:00:00.000Z',
};

function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body,
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

describe('drainOutbox handler', () => {
  beforeEach(() => {
    documents.reset();
    documents.on(UpdateCommand).resolves({
      Attributes: { ...grant, createdAt: 't', updatedAt: 't', version: 1 },
    });
  });

  it('applies each queued grant with the newest-wins upsert and reports only the unreadable one as failed', async () => {
    const result = await handler(
      sqsEvent(JSON.stringify(grant), '{"not":"a grant"}', 'not json'),
      createLambdaContext('drainOutbox', 30_000),
    );

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }]);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: expect.stringContaining('accessTokenIssuedAt < :accessTokenIssuedAt'),
      ExpressionAttributeValues: expect.objectContaining({ ':accessTokenCiphertext': 'AQID' }),
    });
  });

  it('reports a grant whose write fails, so SQS delivers it again', async () => {
    documents.on(UpdateCommand).rejects(new Error('Service unavailable'));

    const result = await handler(
      sqsEvent(JSON.stringify(grant), JSON.stringify({ ...grant, clientUserId: 'bob' })),
      createLambdaContext('drainOutbox', 30_000),
    ).catch((error: unknown) => error);

    // Every record failed: Powertools throws, and Lambda returns the whole batch to the queue.
    expect(result).toBeInstanceOf(Error);
  });
});
