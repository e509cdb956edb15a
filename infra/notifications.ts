/**
 * Human API's notifications (docs/notifications.md): the secret in the notification URL's path,
 * generated per deployment and rotatable with `put-secret-value`; the SQS FIFO queue verified
 * notifications are handed to, which the team's consumers read; and its dead-letter queue. Added
 * to the backend's own scope, so their logical IDs (`Notifications…`) stay put.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { keyAndRotateByHand } from './client-secret.js';
import { grantKeyThroughService } from './token-access.js';

/** Receives after which a notification a consumer keeps failing goes to the dead-letter queue. */
export const NOTIFICATIONS_MAX_RECEIVE_COUNT = 5;
/** How long a received notification stays hidden from other consumers (a re-fetch through the data gateway). */
export const NOTIFICATIONS_VISIBILITY_TIMEOUT = Duration.minutes(2);
/** Length of the generated path secret: letters and digits, about 285 bits. */
export const PATH_SECRET_LENGTH = 48;

/** The notifications' resources. */
export interface NotificationsResources {
  /** The FIFO queue of verified notifications (hints), which the team's consumers read. */
  readonly queue: Queue;
  /** Notifications a consumer failed {@link NOTIFICATIONS_MAX_RECEIVE_COUNT} times: alarmed on. */
  readonly deadLetters: Queue;
  /** The secret in the notification URL's path: `{ApiUrl}/notifications/<its value>`. */
  readonly pathSecret: Secret;
}

/** A FIFO queue of notifications: encrypted with `key`, TLS only, 14 days' retention. */
function notificationsQueue(
  scope: Construct,
  id: string,
  key: IKey,
  extra: Partial<ConstructorParameters<typeof Queue>[2]> = {},
) {
  return new Queue(scope, id, {
    fifo: true,
    // The receiver names each notification's identity itself (MessageDeduplicationId).
    contentBasedDeduplication: false,
    // High-throughput FIFO: deduplication and ordering per user (the message group is the humanId).
    deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
    fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    ...extra,
  });
}

/** Adds the notifications' queues and path secret to `scope` (the backend). */
export function addNotifications(scope: Construct, key: IKey): NotificationsResources {
  const deadLetters = notificationsQueue(scope, 'NotificationsDeadLetters', key);
  const queue = notificationsQueue(scope, 'Notifications', key, {
    visibilityTimeout: NOTIFICATIONS_VISIBILITY_TIMEOUT,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: NOTIFICATIONS_MAX_RECEIVE_COUNT },
  });
  const pathSecret = new Secret(scope, 'NotificationsPathSecret', {
    description:
      'Path secret of the Human API notification URL: {ApiUrl}/notifications/<this value> (docs/deploy.md#notifications)',
    generateSecretString: { passwordLength: PATH_SECRET_LENGTH, excludePunctuation: true, includeSpace: false },
    // Generated, never typed in: a new deployment generates a new one (and a new URL to register).
    removalPolicy: RemovalPolicy.DESTROY,
  });
  keyAndRotateByHand(
    pathSecret,
    key,
    'The path secret is part of the notification URL registered with Human API, which only Human API support can change; a rotation Lambda could not re-register it. Ops rotate with put-secret-value and register the new URL; the receiver accepts the previous value for 7 days meanwhile (docs/deploy.md#rotating-the-notifications-secret).',
  );
  return { queue, deadLetters, pathSecret };
}

/**
 * Lets `grantee` (the team's consumer) read the notifications queue: receive, delete, change
 * visibility and read its attributes, and the queue key through SQS only. It grants nothing of the
 * token table or its tokens: a consumer re-fetches through the data gateway.
 */
export function grantNotificationsConsume(
  { queue }: Pick<NotificationsResources, 'queue'>,
  key: IKey,
  grantee: IGrantable,
): void {
  Grant.addToPrincipal({
    grantee,
    actions: [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
    ],
    resourceArns: [queue.queueArn],
  });
  grantKeyThroughService(key, grantee, 'sqs', { write: false });
}
