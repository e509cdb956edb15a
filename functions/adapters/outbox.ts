/**
 * The outbox's queues (docs/design.md#outbox): the outbox itself, where a finish puts a grant
 * whose token write failed, and the rejected-grants queue, where the drain puts a message it can
 * never apply. Messages hold the access token only as KMS ciphertext.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { errorFields, logger } from '../commons/observability.js';
import { DependencyUnavailableError } from '../domain/errors.js';
import { grantMessageOf } from '../domain/grant-message.js';
import type { TokenGrant } from '../domain/ports.js';
import type { GrantOutbox, RejectedGrants } from '../domain/service-ports.js';

/** One SQS queue. */
export class SqsQueue implements GrantOutbox, RejectedGrants {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  send(grant: TokenGrant): Promise<void> {
    return this.sendMessage(grantMessageOf(grant));
  }

  reject(body: string, problem: string): Promise<void> {
    return this.sendMessage(body, { problem: { DataType: 'String', StringValue: problem } });
  }

  private async sendMessage(
    body: string,
    attributes?: Record<string, { DataType: string; StringValue: string }>,
  ): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: body,
          ...(attributes === undefined ? {} : { MessageAttributes: attributes }),
        }),
      );
    } catch (error) {
      logger.error('SQS request failed', { operation: 'SendMessage', ...errorFields(error) });
      throw new DependencyUnavailableError('the outbox', { cause: error });
    }
  }
}
