import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASE_PROPS, logicalIdAt, synthesize } from './stack-fixture.js';

/** Logical IDs of the stateful resources: a change here replaces the key (undecryptable tokens) or a queue (lost grants). */
const TOKEN_KEY_ID = 'TokenKey812BBFC4';
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const OUTBOX_ID = 'Outbox27BBF20A';
const DEAD_LETTERS_ID = 'OutboxDeadLettersA73F12D9';

describe('the outbox and the token key in the stack', () => {
  let template: Template;

  beforeAll(() => {
    template = synthesize(BASE_PROPS).template;
  });

  it('keeps the logical IDs of the token key, the outbox and its dead-letter queue', () => {
    expect(logicalIdAt(template, 'HumanConnectBackend/TokenKey/Key/Resource')).toBe(TOKEN_KEY_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/Outbox/Resource')).toBe(OUTBOX_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/OutboxDeadLetters/Resource')).toBe(DEAD_LETTERS_ID);
  });

  it('creates a retained, rotating token key', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
    });
  });

  it('encrypts both queues with the token key, keeps grants 14 days and dead-letters a grant after 5 receives', () => {
    const queues = template.toJSON().Resources;

    expect(queues[OUTBOX_ID].Properties).toEqual({
      KmsMasterKeyId: getAtt(TOKEN_KEY_ID),
      MessageRetentionPeriod: 1_209_600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: getAtt(DEAD_LETTERS_ID), maxReceiveCount: 5 },
    });
    expect(queues[DEAD_LETTERS_ID].Properties).toEqual({
      KmsMasterKeyId: getAtt(TOKEN_KEY_ID),
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('drains the outbox with partial batch responses, batches of 10', () => {
    const drain = logicalIdAt(template, 'HumanConnectBackend/DrainOutbox/Function/Resource');

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [OUTBOX_ID, 'Arn'] },
      FunctionName: { Ref: drain },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('alarms as soon as one grant is in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [DEAD_LETTERS_ID, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('keeps rejected grants 14 days, encrypted, and alarms as soon as one is there', () => {
    const rejected = logicalIdAt(template, 'HumanConnectBackend/OutboxRejectedGrants/Resource');

    expect(template.toJSON().Resources[rejected].Properties).toEqual({
      KmsMasterKeyId: getAtt(TOKEN_KEY_ID),
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [rejected, 'QueueName'] } }],
      Threshold: 1,
    });
  });

  it('runs the redrive every 5 minutes, once per run (a failed run is the next run\u2019s to do)', () => {
    const redrive = logicalIdAt(template, 'HumanConnectBackend/RedriveOutbox/Function/Resource');

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [redrive, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }),
      ],
    });
  });
});
