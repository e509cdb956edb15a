/**
 * The outbox's dead-letter queue, moved back to the outbox with SQS's own message move task
 * (`StartMessageMoveTask`, the console's "redrive"): no message is read or rewritten here.
 */
import { GetQueueAttributesCommand, type SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { errorFields, logger } from '../commons/observability.js';
import { DependencyUnavailableError } from '../domain/errors.js';
import type { DeadLetterQueue } from '../domain/service-ports.js';

/** The dead-letter queue of the outbox. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queue: { readonly url: string; readonly arn: string },
  ) {}

  async depth(): Promise<number> {
    const output = await this.call('GetQueueAttributes', () =>
      this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      ),
    );
    return Number(output.Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  async moveBackToOutbox(): Promise<'started' | 'already running'> {
    try {
      // No destination: SQS moves each message back to the queue it was dead-lettered from.
      await this.client.send(new StartMessageMoveTaskCommand({ SourceArn: this.queue.arn }));
      return 'started';
    } catch (error) {
      // One move task per queue at a time: a run that finds one going leaves it to finish.
      if (
        error instanceof Error &&
        /already.*(running|in progress)|UnsupportedOperation/i.test(`${error.name} ${error.message}`)
      ) {
        return 'already running';
      }
      logger.error('SQS request failed', { operation: 'StartMessageMoveTask', ...errorFields(error) });
      throw new DependencyUnavailableError('the outbox', { cause: error });
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      logger.error('SQS request failed', { operation, ...errorFields(error) });
      throw new DependencyUnavailableError('the outbox', { cause: error });
    }
  }
}
