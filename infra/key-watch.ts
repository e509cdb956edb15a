/**
 * Detects what the stack cannot prevent (docs/security.md#detecting-key-changes): an administrator
 * of the account can change the token key's policy, grant its use, disable it or schedule its
 * deletion. An EventBridge rule matches those calls in CloudTrail's management events and keeps
 * each one, as CloudTrail recorded it (who, when, what), in a queue for 14 days; the
 * `TokenKeyChangedAlarm` (alarms.ts) goes off while the queue holds any.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The KMS calls that change who can use the key, or whether it can be used at all. */
export const KEY_CHANGE_EVENTS = ['PutKeyPolicy', 'DisableKey', 'ScheduleKeyDeletion', 'DisableKeyRotation'] as const;

/** Props of {@link TokenKeyWatch}. */
export interface TokenKeyWatchProps {
  /** The key watched (created by the stack or given by prop). */
  readonly key: IKey;
}

/** The rule and the queue that record changes to the token key. */
export class TokenKeyWatch extends Construct {
  /** Matches changes to the key in CloudTrail's management events. */
  readonly rule: Rule;
  /** Each matched change, as CloudTrail recorded it; read and delete them to clear the alarm. */
  readonly changes: Queue;

  constructor(scope: Construct, id: string, { key }: TokenKeyWatchProps) {
    super(scope, id);
    this.changes = new Queue(this, 'Changes', {
      // The events name principals and policies, no token: the queue's own SSE suffices, and
      // EventBridge can write to it without a key grant.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const noConsumer =
      'The queue is a record of changes to the token key for the people who answer its alarm; nothing consumes it automatically, so there is nothing to dead-letter.';
    Validations.of(this.changes).acknowledge({ id: 'AwsSolutions-SQS3', reason: noConsumer });
    this.rule = new Rule(this, 'Rule', {
      description: 'Changes to the Human Connect token key: policy, grants, disabling, deletion (docs/security.md)',
      eventPattern: {
        source: ['aws.kms'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['kms.amazonaws.com'],
          resources: { ARN: [key.keyArn] },
          $or: [
            { eventName: [...KEY_CHANGE_EVENTS] },
            // Grants that DynamoDB, SQS and Secrets Manager create for their own use of the key
            // are made by the service (invokedBy); a grant made by a person or a role is a change.
            { eventName: ['CreateGrant'], userIdentity: { invokedBy: [{ exists: false }] } },
          ],
        },
      },
    });
    this.rule.addTarget(new SqsQueue(this.changes));
  }
}
