/**
 * The operators' CloudWatch dashboard (docs/deploy.md#alarms): requests, 4xx and 5xx by route,
 * latency p50/p99 by route, Human API failures and latency, Lambda throttles and errors, the data
 * gateway's calls, failures and bytes, and the outbox queue's depth and dead letters when the stack
 * has them.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, type IMetric, Metric, Stats, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  HUMAN_API_FAILURE_METRIC,
  HUMAN_API_LATENCY_METRIC,
  HUMAN_DATA_BYTES_METRIC,
  HUMAN_DATA_CALLS_METRIC,
  HUMAN_DATA_UPSTREAM_FAILURE_METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../functions/commons/telemetry.js';
import type { BackendFunction } from './backend-function.js';

const PERIOD = Duration.minutes(5);

/** Props of {@link ConnectDashboard}. */
export interface ConnectDashboardProps {
  readonly api: HttpApi;
  /** The stage whose route metrics are shown (it must have detailed metrics on). */
  readonly stage: HttpStage;
  /** The routes, as `METHOD /path`. */
  readonly routes: readonly string[];
  /** The functions, by name. */
  readonly functions: Readonly<Record<string, BackendFunction>>;
  /** The outbox queue, when the stack has one. */
  readonly outboxQueue?: IQueue;
  /** The outbox's dead-letter queue, when the stack has one. */
  readonly deadLetterQueue?: IQueue;
}

/** The dashboard of the Human Connect backend. */
export class ConnectDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ConnectDashboardProps) {
    super(scope, id);
    const { api, stage, routes, functions } = props;
    const routeMetric = (metricName: string, route: string, statistic: string) => {
      const [method = '', resource = ''] = route.split(' ');
      return new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: api.apiId, Stage: stage.stageName, Method: method, Resource: resource },
        statistic,
        period: PERIOD,
        label: `${route} ${metricName} (${statistic})`,
      });
    };
    const perRoute = (metricName: string, statistics: readonly string[]): IMetric[] =>
      routes.flatMap((route) => statistics.map((statistic) => routeMetric(metricName, route, statistic)));
    const humanApi = (metricName: string, statistic: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE_NAME },
        statistic,
        period: PERIOD,
        label: `${metricName} (${statistic})`,
      });
    const fn = Object.entries(functions);

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Human Connect backend\nAlarms, metrics and Logs Insights queries: docs/deploy.md#alarms. A `requestId` from a problem body finds its log lines.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Requests by route', left: perRoute('Count', [Stats.SUM]), width: 8 }),
      new GraphWidget({ title: '4xx by route', left: perRoute('4xx', [Stats.SUM]), width: 8 }),
      new GraphWidget({ title: '5xx by route', left: perRoute('5xx', [Stats.SUM]), width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Latency by route (ms)',
        left: perRoute('Latency', [Stats.p(50), Stats.p(99)]),
        width: 12,
      }),
      new GraphWidget({
        title: 'Human API',
        left: [humanApi(HUMAN_API_FAILURE_METRIC, Stats.SUM)],
        right: [humanApi(HUMAN_API_LATENCY_METRIC, Stats.p(50)), humanApi(HUMAN_API_LATENCY_METRIC, Stats.p(99))],
        leftYAxis: { label: 'failures', min: 0 },
        rightYAxis: { label: 'latency ms', min: 0 },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda throttles and errors',
        left: fn.map(([name, f]) =>
          f.function.metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: `${name} throttles` }),
        ),
        right: fn.map(([name, f]) =>
          f.function.metricErrors({ period: PERIOD, statistic: Stats.SUM, label: `${name} errors` }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Lambda duration (ms)',
        left: fn.flatMap(([name, f]) =>
          [Stats.p(50), Stats.p(99)].map((statistic) =>
            f.function.metricDuration({ period: PERIOD, statistic, label: `${name} ${statistic}` }),
          ),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Data gateway',
        left: [humanApi(HUMAN_DATA_CALLS_METRIC, Stats.SUM), humanApi(HUMAN_DATA_UPSTREAM_FAILURE_METRIC, Stats.SUM)],
        right: [humanApi(HUMAN_DATA_BYTES_METRIC, Stats.SUM)],
        leftYAxis: { label: 'requests', min: 0 },
        rightYAxis: { label: 'bytes answered', min: 0 },
        width: 12,
      }),
    );
    const queues: IMetric[] = [
      ...(props.outboxQueue === undefined
        ? []
        : [props.outboxQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'outbox depth' })]),
      ...(props.deadLetterQueue === undefined
        ? []
        : [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'dead letters' })]),
    ];
    if (queues.length > 0) {
      this.dashboard.addWidgets(new GraphWidget({ title: 'Outbox', left: queues, width: 12 }));
    }
  }
}
