/**
 * The notifications queue (docs/notifications.md#the-queue): an SQS FIFO queue, one message per
 * notification, grouped by user (`MessageGroupId` = humanId: one user's hints in order, users in
 * parallel) and deduplicated by the notification's identity (`MessageDeduplicationId`), so SQS
 * delivers a notification sent twice within five minutes once.
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorFields, logger } from '../commons/observability.js';
import type { NotificationHint } from '../contract/notifications.js';
import { DependencyUnavailableError } from '../domain/errors.js';
import type { NotificationQueue } from '../domain/service-ports.js';

/** SQS's most entries per `SendMessageBatch`. */
const BATCH_SIZE = 10;

/** The notifications queue. */
export class SqsNotificationQueue implements NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(hints: readonly NotificationHint[]): Promise<void> {
    const batches: NotificationHint[][] = [];
    for (let start = 0; start < hints.length; start += BATCH_SIZE) batches.push(hints.slice(start, start + BATCH_SIZE));
    // Every batch is tried, so one failing does not leave the others unsent; a retry of the
    // whole POST then finds the sent ones deduplicated.
    const results = await Promise.allSettled(batches.map((batch) => this.sendBatch(batch)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }

  private async sendBatch(batch: readonly NotificationHint[]): Promise<void> {
    let failedEntries: number;
    try {
      const output = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((hint, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(hint),
            MessageGroupId: hint.humanId,
            MessageDeduplicationId: hint.notificationId,
          })),
        }),
      );
      failedEntries = output.Failed?.length ?? 0;
    } catch (error) {
      logger.error('SQS request failed', { operation: 'SendMessageBatch', ...errorFields(error) });
      throw new DependencyUnavailableError('the notifications queue', { cause: error });
    }
    if (failedEntries > 0) {
      logger.error('SQS refused notifications of a batch', { operation: 'SendMessageBatch', failedEntries });
      throw new DependencyUnavailableError('the notifications queue');
    }
  }
}
