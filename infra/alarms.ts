/**
 * The stack's alarms (docs/deploy.md#alarms): the API's 5xx rate, Human API failures as the
 * functions count them, Lambda throttles of each function, and the queues that should stay empty
 * (dead letters, rejected grants, key changes).
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  HUMAN_API_FAILURE_METRIC,
  HUMAN_DATA_UPSTREAM_FAILURE_METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../functions/commons/telemetry.js';
import { acknowledgeComplianceRule } from './acknowledgements.js';
import type { BackendFunction } from './backend-function.js';

/** Alarm tuning: evaluated over 5-minute periods. */
const ALARM_PERIOD = Duration.minutes(5);
/** 5xx rate (percent of requests) that alarms, in 2 consecutive periods. */
const SERVER_ERROR_RATE_PERCENT = 5;
/** Below this many requests in a period the 5xx rate is not judged (one failure would be ≥ 10 %). */
const SERVER_ERROR_RATE_MIN_REQUESTS = 10;
/** Human API failures (5xx, timeouts, refused credentials, broken answers) per period that alarm. */
const HUMAN_API_FAILURES_PER_PERIOD = 5;
/** Data gateway requests answered 502/504 (Human API's data API failing after the retries) per period that alarm. */
const HUMAN_DATA_FAILURES_PER_PERIOD = 5;

/**
 * An alarm on a queue that should stay empty (a dead-letter, rejected or record queue): one
 * visible message, at the 1-minute maximum, is something for a person to look at. None without
 * the queue.
 */
function queueAlarm(scope: Construct, id: string, queue: IQueue | undefined, alarmDescription: string): Alarm[] {
  if (queue === undefined) return [];
  return [
    new Alarm(scope, id, {
      alarmDescription,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
  ];
}

/** Props of {@link ConnectAlarms}. */
export interface ConnectAlarmsProps {
  /** The API whose 5xx rate is watched. */
  readonly api: HttpApi;
  /** The functions whose throttles are watched, by the name their alarm's ID starts with. */
  readonly functions: Readonly<Record<string, BackendFunction>>;
  /** SNS topic notified when an alarm goes off and when it recovers; none when undefined. */
  readonly alarmTopicArn: string | undefined;
  /** The outbox's dead-letter queue: any message in it is a grant the drain could not apply. */
  readonly outboxDeadLetters?: IQueue;
  /** The rejected-grants queue: any message in it is one the drain can never apply. */
  readonly outboxRejectedGrants?: IQueue;
  /** The record of changes to the token key (key-watch.ts): any message in it is a change to look at. */
  readonly tokenKeyChanges?: IQueue;
  /** The notifications' dead-letter queue: any message in it is one a consumer failed five times. */
  readonly notificationsDeadLetters?: IQueue;
}

/** The alarms of the Human Connect backend, all notifying one optional topic. */
export class ConnectAlarms extends Construct {
  /** Every alarm created. */
  readonly alarms: readonly Alarm[];

  constructor(
    scope: Construct,
    id: string,
    {
      api,
      functions,
      alarmTopicArn,
      outboxDeadLetters,
      outboxRejectedGrants,
      tokenKeyChanges,
      notificationsDeadLetters,
    }: ConnectAlarmsProps,
  ) {
    super(scope, id);
    const serverErrorRate = new MathExpression({
      expression: `IF(requests >= ${SERVER_ERROR_RATE_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`,
      usingMetrics: {
        errors: api.metricServerError({ period: ALARM_PERIOD, statistic: Stats.SUM }),
        requests: api.metricCount({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      },
      period: ALARM_PERIOD,
      label: '5xx responses (% of requests)',
    });
    const serviceMetric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        // Powertools Metrics adds the service as its default dimension.
        dimensionsMap: { service: SERVICE_NAME },
        statistic: Stats.SUM,
        period: ALARM_PERIOD,
      });
    const humanApiFailures = serviceMetric(HUMAN_API_FAILURE_METRIC);
    this.alarms = [
      new Alarm(this, 'ServerErrorRateAlarm', {
        alarmDescription: `More than ${SERVER_ERROR_RATE_PERCENT} % of API requests answered 5xx in two consecutive 5-minute periods (periods with fewer than ${SERVER_ERROR_RATE_MIN_REQUESTS} requests are not judged).`,
        metric: serverErrorRate,
        threshold: SERVER_ERROR_RATE_PERCENT,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'HumanApiFailureAlarm', {
        alarmDescription: `Human API failed (5xx, timeout, refused credentials or broken answer) at least ${HUMAN_API_FAILURES_PER_PERIOD} times in 5 minutes.`,
        metric: humanApiFailures,
        threshold: HUMAN_API_FAILURES_PER_PERIOD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'HumanDataFailureAlarm', {
        alarmDescription: `The data gateway answered 502 or 504 at least ${HUMAN_DATA_FAILURES_PER_PERIOD} times in 5 minutes: Human API's data API failed (5xx or no answer after the retries, an unreadable answer, or a page too large for a Lambda answer) (docs/deploy.md#alarms).`,
        metric: serviceMetric(HUMAN_DATA_UPSTREAM_FAILURE_METRIC),
        threshold: HUMAN_DATA_FAILURES_PER_PERIOD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ...Object.entries(functions).map(
        ([name, connectFunction]) =>
          new Alarm(this, `${name}ThrottlesAlarm`, {
            alarmDescription: `Lambda throttled invocations of ${name} (account or function concurrency exhausted).`,
            metric: connectFunction.function.metricThrottles({ period: ALARM_PERIOD, statistic: Stats.SUM }),
            threshold: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      ),
      ...queueAlarm(
        this,
        'OutboxDeadLettersAlarm',
        outboxDeadLetters,
        'Grants in the outbox dead-letter queue: the drain could not write them five times (the token table failing). The redrive moves them back to the outbox every 5 minutes once the table answers (docs/reliability.md); the alarm clears when they are stored.',
      ),
      ...queueAlarm(
        this,
        'OutboxRejectedGrantsAlarm',
        outboxRejectedGrants,
        'A message in the rejected-grants queue: the drain found a queued message that is not a valid grant of this app and set it aside, unstored (docs/design.md#outbox). Read its problem attribute; nothing retries it.',
      ),
      ...queueAlarm(
        this,
        'TokenKeyChangedAlarm',
        tokenKeyChanges,
        "The token key's policy or grants changed, or it was disabled or scheduled for deletion (docs/security.md#detecting-key-changes). Each change, as CloudTrail recorded it, waits in the key-change queue: read it, confirm it was intended, and delete it to clear this alarm.",
      ),
      ...queueAlarm(
        this,
        'NotificationsDeadLettersAlarm',
        notificationsDeadLetters,
        "A notification in the notifications' dead-letter queue: a consumer received it five times without deleting it (docs/notifications.md#consuming-notifications). It is a hint: read it, fix the consumer, and re-fetch that user's data through the data gateway; then delete it to clear this alarm.",
      ),
    ];
    if (alarmTopicArn !== undefined) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn));
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    } else {
      // With a topic every alarm notifies it, and the rule holds; without one it is the team's choice.
      acknowledgeComplianceRule(
        this,
        'CloudWatchAlarmAction',
        'No alarmTopicArn was given, so the alarms change state in CloudWatch without notifying anyone; set alarmTopicArn (docs/deploy.md#alarms) to have every alarm notify an SNS topic when it goes off and when it recovers.',
      );
    }
  }
}
