import { describe, expect, it } from 'vitest';
import { BASE_PROPS, onlyResource, synthesize } from './stack-fixture.js';

describe('the operators\u2019 dashboard and tracing', () => {
  const { template } = synthesize(BASE_PROPS);
  const body = () => {
    const { resource } = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    return JSON.stringify((resource.Properties as { DashboardBody: unknown }).DashboardBody);
  };

  it('shows requests, 4xx, 5xx and latency of each route', () => {
    const text = body();

    for (const title of ['Requests by route', '4xx by route', '5xx by route', 'Latency by route (ms)']) {
      expect(text).toContain(title);
    }
    expect(text).toContain('\\"Resource\\",\\"/sessions\\"');
    expect(text).toContain('\\"Resource\\",\\"/public-tokens\\"');
    expect(text).toContain('\\"Resource\\",\\"/connect-tokens\\"');
    expect(text).toContain('\\"Method\\",\\"GET\\",\\"Resource\\",\\"/users/{clientUserId}/human/{path+}\\"');
    expect(text).toContain('p99');
  });

  it('shows Human API failures and latency, and Lambda throttles', () => {
    const text = body();

    expect(text).toContain('HumanApiFailure');
    expect(text).toContain('HumanApiLatency');
    expect(text).toContain('Throttles');
  });

  it('shows the data gateway\u2019s calls, upstream failures and bytes', () => {
    const text = body();

    expect(text).toContain('\\"title\\":\\"Data gateway\\"');
    for (const metric of ['HumanDataCalls', 'HumanDataUpstreamFailures', 'HumanDataBytes']) {
      expect(text).toContain(`\\"HumanConnect\\",\\"${metric}\\",\\"service\\",\\"humanapi-connect\\"`);
    }
  });

  it('shows the drain beside the HTTP functions, and the outbox depth and dead letters', () => {
    const text = body();

    for (const name of ['FinishSession', 'RecoverPublicToken', 'ConnectTokens', 'HumanData', 'DrainOutbox']) {
      expect(text).toContain(`${name} throttles`);
      expect(text).toContain(`${name} errors`);
    }
    expect(text).toContain('\\"title\\":\\"Outbox\\"');
    expect(text).toContain('outbox depth');
    expect(text).toContain('dead letters');
    expect(text).toContain('ApproximateNumberOfMessagesVisible');
  });

  it('turns on the stage\u2019s per-route metrics the dashboard reads', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { DetailedMetricsEnabled: true },
    });
  });

  it('traces every function actively with X-Ray', () => {
    template.allResourcesProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });
});
