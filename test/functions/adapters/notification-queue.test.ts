/** The notifications queue (SqsNotificationQueue): FIFO batches, grouped by user, deduplicated by identity. SQS mocked at the SDK. */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsNotificationQueue } from '../../../functions/adapters/notification-queue.js';
import type { NotificationHint } from '../../../functions/contract/notifications.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/notifications.fifo';
const queue = () => new SqsNotificationQueue(new SQSClient({}), QUEUE_URL);

const hint = (index: number): NotificationHint => ({
  version: 1,
  notificationId: index.toString(16).padStart(64, '0'),
  humanId: `human-${index % 3}`,
  type: 'activities/summaries',
  receivedAt: '2026-01-01T00:00:30.000Z',
  signatureVerified: true,
});

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('SqsNotificationQueue', () => {
  it('sends each hint as JSON, grouped by its humanId and deduplicated by its notificationId', async () => {
    await queue().send([hint(1), hint(2)]);

    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: [
        {
          Id: '0',
          MessageBody: JSON.stringify(hint(1)),
          MessageGroupId: 'human-1',
          MessageDeduplicationId: '0000000000000000000000000000000000000000000000000000000000000001',
        },
        {
          Id: '1',
          MessageBody: JSON.stringify(hint(2)),
          MessageGroupId: 'human-2',
          MessageDeduplicationId: '0000000000000000000000000000000000000000000000000000000000000002',
        },
      ],
    });
  });

  it('sends 23 hints in batches of 10, 10 and 3', async () => {
    await queue().send(Array.from({ length: 23 }, (_, index) => hint(index)));

    const sizes = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 3]);
  });

  it('answers DependencyUnavailableError naming the queue when SQS fails, after trying every batch', async () => {
    sqs.on(SendMessageBatchCommand).rejectsOnce(new Error('Service unavailable')).resolves({ Successful: [] });

    await expect(queue().send(Array.from({ length: 12 }, (_, index) => hint(index)))).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'the notifications queue',
    });
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('answers DependencyUnavailableError when SQS refuses an entry of a batch', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: '1', SenderFault: false, Code: 'InternalError' }],
    });

    await expect(queue().send([hint(1), hint(2)])).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
