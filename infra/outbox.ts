/**
 * The outbox (docs/design.md#outbox): the queue finishSession puts a grant on when its token
 * write fails, the dead-letter queue behind it, and the drain function that applies queued grants
 * to the token table. The constructs are added to the stack's own scope, so their logical IDs
 * (`Outbox…`, `OutboxDeadLetters…`) are those of the stack: a new ID would replace a queue and
 * lose the grants in it.
 */
import { Duration } from 'aws-cdk-lib';
import { TableGrants, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConnectFunction, type ConnectFunctionProps } from './connect-function.js';
import { FUNCTION_ENTRIES } from './function-bundling.js';
import { grantKeyThroughService } from './token-access.js';

/** Time the drain has for one batch of 10 grants (each one UpdateItem, rarely a few more). */
export const OUTBOX_DRAIN_TIMEOUT_SECONDS = 30;
/** Receives after which a queued grant goes to the dead-letter queue (and the alarm goes off). */
export const OUTBOX_MAX_RECEIVE_COUNT = 5;

/** The outbox and its dead-letter queue. */
export interface OutboxQueues {
  /** Grants whose token write failed, waiting for the drain. */
  readonly outbox: Queue;
  /** Grants the drain could not apply after {@link OUTBOX_MAX_RECEIVE_COUNT} receives; alarmed on. */
  readonly deadLetters: Queue;
}

/**
 * Adds the outbox and its dead-letter queue to `scope` (the stack), both encrypted with `key`,
 * TLS only, keeping a grant 14 days.
 */
export function addOutboxQueues(scope: Construct, key: IKey): OutboxQueues {
  const deadLetters = new Queue(scope, 'OutboxDeadLetters', {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const outbox = new Queue(scope, 'Outbox', {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    // Six times the drain's timeout, as Lambda's SQS event source asks.
    visibilityTimeout: Duration.seconds(6 * OUTBOX_DRAIN_TIMEOUT_SECONDS),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: OUTBOX_MAX_RECEIVE_COUNT },
  });
  return { outbox, deadLetters };
}

/**
 * Lets `grantee` put grants on the outbox: `sqs:SendMessage` only (it cannot receive them back),
 * and the queue key through SQS.
 */
export function grantOutboxSend(queues: OutboxQueues, key: IKey, grantee: IGrantable): void {
  grantKeyThroughService(key, grantee, 'sqs', { write: true });
  Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queues.outbox.queueArn] });
}

/** Props of {@link addOutboxDrain}: the stack's function settings, the queues, the key and the table. */
export interface OutboxDrainProps
  extends Omit<ConnectFunctionProps, 'entry' | 'description' | 'timeout' | 'invokedBy'> {
  readonly queues: OutboxQueues;
  /** The key of the queues and of the token table. */
  readonly key: IKey;
  readonly tokenTable: TableV2;
}

/**
 * Adds the drain (`DrainOutbox`) to `scope`: batches of 10 from the outbox with partial batch
 * responses, each grant written with the newest-wins upsert. Its role may consume the outbox and
 * call UpdateItem and GetItem on the token table, with the key only through SQS and DynamoDB.
 */
export function addOutboxDrain(
  scope: Construct,
  { queues, key, tokenTable, ...functionProps }: OutboxDrainProps,
): ConnectFunction {
  const drain = new ConnectFunction(scope, 'DrainOutbox', {
    ...functionProps,
    timeout: Duration.seconds(OUTBOX_DRAIN_TIMEOUT_SECONDS),
    invokedBy: 'outbox-queue',
    entry: FUNCTION_ENTRIES.drainOutbox,
    description: 'Outbox: applies queued token grants to the token table, newest token wins',
  });
  // The event source grants consuming (receive, delete, change visibility) on the queue it is
  // given, and on a KMS-encrypted queue also kms:Decrypt with no condition. Given the outbox by
  // ARN alone, it grants only the SQS calls; the key is granted below, through SQS only.
  const outboxByArn = Queue.fromQueueArn(scope, 'OutboxOfTheDrain', queues.outbox.queueArn);
  drain.function.addEventSource(new SqsEventSource(outboxByArn, { batchSize: 10, reportBatchItemFailures: true }));
  grantKeyThroughService(key, drain.role, 'sqs', { write: false });
  // The same upsert as finishSession: UpdateItem, and GetItem when its condition keeps a newer record.
  // The table alone, not its index (the table's own grants cover `index/*` too).
  TableGrants.fromTable(tokenTable, [], false).actions(drain.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
  grantKeyThroughService(key, drain.role, 'dynamodb', { write: true });
  return drain;
}
