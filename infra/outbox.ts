/**
 * The outbox (docs/design.md#outbox): the queue finishSession puts a grant on when its token
 * write fails, the dead-letter queue behind it, the drain that applies queued grants to the token
 * table, the rejected-grants queue where the drain sets aside a message it can never apply, and
 * the redrive that moves dead-lettered grants back once the table answers. The queues are added
 * to the backend's own scope, so their logical IDs (`Outbox…`, `OutboxDeadLetters…`) are those
 * the stack always had: a new ID would replace a queue and lose the grants in it.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { TableGrants, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { PROBE_KEY } from '../functions/adapters/token-table/attributes.js';
import { BackendFunction, type BackendFunctionProps } from './backend-function.js';
import { grantKeyThroughService } from './token-access.js';

/** Time the drain has for one batch of 10 grants (each one UpdateItem, rarely a few more). */
export const OUTBOX_DRAIN_TIMEOUT_SECONDS = 30;
/** Receives after which a queued grant goes to the dead-letter queue (and the alarm goes off). */
export const OUTBOX_MAX_RECEIVE_COUNT = 5;
/** How often the redrive looks at the dead-letter queue. */
export const REDRIVE_INTERVAL = Duration.minutes(5);

/** The outbox's queues. */
export interface OutboxQueues {
  /** Grants whose token write failed, waiting for the drain. */
  readonly outbox: Queue;
  /** Grants the drain could not write after {@link OUTBOX_MAX_RECEIVE_COUNT} receives: redriven, and alarmed on. */
  readonly deadLetters: Queue;
  /** Messages the drain can never apply (not a valid grant of this app): kept for inspection, never redriven. */
  readonly rejected: Queue;
}

/** A queue of the outbox: encrypted with `key`, TLS only, keeping a message 14 days (SQS's longest). */
function outboxQueue(
  scope: Construct,
  id: string,
  key: IKey,
  extra: Partial<ConstructorParameters<typeof Queue>[2]> = {},
) {
  return new Queue(scope, id, {
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...extra,
  });
}

/** Adds the outbox and its dead-letter and rejected-grants queues to `scope` (the backend). */
export function addOutboxQueues(scope: Construct, key: IKey): OutboxQueues {
  const deadLetters = outboxQueue(scope, 'OutboxDeadLetters', key);
  const outbox = outboxQueue(scope, 'Outbox', key, {
    // Six times the drain's timeout, as Lambda's SQS event source asks.
    visibilityTimeout: Duration.seconds(6 * OUTBOX_DRAIN_TIMEOUT_SECONDS),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: OUTBOX_MAX_RECEIVE_COUNT },
  });
  const rejected = outboxQueue(scope, 'OutboxRejectedGrants', key);
  Validations.of(rejected).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'The rejected-grants queue is itself where the drain dead-letters what it can never apply; nothing consumes it automatically, and the OutboxRejectedGrantsAlarm goes off for each message (docs/design.md#outbox).',
  });
  return { outbox, deadLetters, rejected };
}

/** Lets `grantee` put messages on `queue`: `sqs:SendMessage` only, and the queue key through SQS. */
export function grantQueueSend(queue: Queue, key: IKey, grantee: IGrantable): void {
  grantKeyThroughService(key, grantee, 'sqs', { write: true });
  Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
}

/** Props of {@link addOutboxFunctions}: the backend's function settings, the queues, the key and the table. */
export interface OutboxFunctionsProps
  extends Omit<BackendFunctionProps, 'functionName' | 'description' | 'timeout' | 'invokedBy'> {
  readonly queues: OutboxQueues;
  /** The key of the queues and of the token table. */
  readonly key: IKey;
  readonly tokenTable: TableV2;
}

/**
 * Adds the drain (`DrainOutbox`) and the redrive (`RedriveOutbox`) to `scope`.
 *
 * - The drain takes batches of 10 from the outbox with partial batch responses, each grant written
 *   with the newest-wins upsert; it may consume the outbox, write the token table (UpdateItem,
 *   GetItem) and put what it rejects on the rejected-grants queue, with the key only through SQS
 *   and DynamoDB.
 * - The redrive runs every {@link REDRIVE_INTERVAL}: when grants wait in the dead-letter queue and
 *   the table answers (a read of the probe key, all it may read), it starts SQS's message move
 *   task back to the outbox.
 */
export function addOutboxFunctions(
  scope: Construct,
  { queues, key, tokenTable, ...functionProps }: OutboxFunctionsProps,
): { readonly drain: BackendFunction; readonly redrive: BackendFunction } {
  const drain = new BackendFunction(scope, 'DrainOutbox', {
    ...functionProps,
    environment: { ...functionProps.environment, REJECTED_GRANTS_QUEUE_URL: queues.rejected.queueUrl },
    timeout: Duration.seconds(OUTBOX_DRAIN_TIMEOUT_SECONDS),
    invokedBy: 'outbox-queue',
    functionName: 'drainOutbox',
    description: 'Outbox: applies queued token grants to the token table, newest token wins',
  });
  // The event source grants consuming (receive, delete, change visibility) on the queue it is
  // given, and on a KMS-encrypted queue also kms:Decrypt with no condition. Given the outbox by
  // ARN alone, it grants only the SQS calls; the key is granted below, through SQS only.
  const outboxByArn = Queue.fromQueueArn(scope, 'OutboxOfTheDrain', queues.outbox.queueArn);
  drain.function.addEventSource(new SqsEventSource(outboxByArn, { batchSize: 10, reportBatchItemFailures: true }));
  grantKeyThroughService(key, drain.role, 'sqs', { write: false });
  grantQueueSend(queues.rejected, key, drain.role);
  // The same upsert as finishSession: UpdateItem, and GetItem when its condition keeps a newer record.
  // The table alone, not its index (the table's own grants cover `index/*` too).
  TableGrants.fromTable(tokenTable, [], false).actions(drain.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
  grantKeyThroughService(key, drain.role, 'dynamodb', { write: true });

  const redrive = new BackendFunction(scope, 'RedriveOutbox', {
    ...functionProps,
    environment: {
      ...functionProps.environment,
      DEAD_LETTERS_QUEUE_URL: queues.deadLetters.queueUrl,
      DEAD_LETTERS_QUEUE_ARN: queues.deadLetters.queueArn,
    },
    timeout: Duration.seconds(30),
    invokedBy: 'schedule',
    functionName: 'redriveOutbox',
    description: 'Outbox: moves dead-lettered grants back to the outbox once the token table answers',
  });
  new Rule(scope, 'RedriveOutboxSchedule', {
    description: 'Redrives dead-lettered outbox grants once the token table answers (docs/design.md#outbox)',
    schedule: Schedule.rate(REDRIVE_INTERVAL),
    targets: [new LambdaFunction(redrive.function, { retryAttempts: 0 })],
  });
  // SQS's message move task runs with the caller's permissions on both queues.
  Grant.addToPrincipal({
    grantee: redrive.role,
    actions: ['sqs:GetQueueAttributes', 'sqs:StartMessageMoveTask', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
    resourceArns: [queues.deadLetters.queueArn],
  });
  grantQueueSend(queues.outbox, key, redrive.role);
  grantKeyThroughService(key, redrive.role, 'sqs', { write: true });
  // The probe: GetItem of the probe key's key attribute, nothing else.
  Grant.addToPrincipal({
    grantee: redrive.role,
    actions: ['dynamodb:GetItem'],
    resourceArns: [tokenTable.tableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PROBE_KEY], 'dynamodb:Attributes': ['clientUserId'] },
    },
  });
  grantKeyThroughService(key, redrive.role, 'dynamodb', { write: false });
  return { drain, redrive };
}
