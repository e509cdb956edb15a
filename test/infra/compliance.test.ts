import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  AwsSolutionsChecks,
  HIPAASecurityChecks,
  type IApplyRule,
  NagRuleCompliance,
  NIST80053R5Checks,
} from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BASE_PROPS, type SynthesizedStack, synthesize, synthesizeFromContext } from './stack-fixture.js';

type Finding = { path: string; id: string };

/** Records every finding a pack's rule makes, acknowledged or not. */
function recordFinding(findings: Finding[], packName: string, params: IApplyRule): void {
  const path = params.node.node.path.replace('/Default/', '/');
  const ruleId = `${packName}-${params.ruleSuffixOverride ?? params.rule.name}`;
  try {
    const result = params.rule(params.node);
    if (result === NagRuleCompliance.NON_COMPLIANT) findings.push({ path, id: ruleId });
    if (Array.isArray(result)) findings.push(...result.map((finding) => ({ path, id: `${ruleId}[${finding}]` })));
  } catch {
    findings.push({ path, id: ruleId });
  }
}

/** The three packs the app runs, each also recording every finding, acknowledged or not. */
function allFindings(scope: IConstruct): Finding[] {
  const findings: Finding[] = [];
  const packs = [
    new (class extends AwsSolutionsChecks {
      protected override applyRule(params: IApplyRule): void {
        recordFinding(findings, this.readPackName, params);
        super.applyRule(params);
      }
    })(),
    new (class extends HIPAASecurityChecks {
      protected override applyRule(params: IApplyRule): void {
        recordFinding(findings, this.readPackName, params);
        super.applyRule(params);
      }
    })(),
    new (class extends NIST80053R5Checks {
      protected override applyRule(params: IApplyRule): void {
        recordFinding(findings, this.readPackName, params);
        super.applyRule(params);
      }
    })(),
  ];
  for (const pack of packs) pack.validateScope(scope);
  return findings;
}

/** Every acknowledgement in the tree: where (the backend's `Default` ID left out), which rule, why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([qualifiedId, reason]) => ({
        path: construct.node.path.replace('/Default/', '/'),
        id: qualifiedId.replace(/^[^:]+::/, ''),
        reason,
      })),
  );
}

/** Synthesis with the three packs, allowed time on a busy machine. */
const SYNTH_TIMEOUT_MS = 60_000;

const isAtOrUnder = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

describe.each([
  ['as `cdk synth` builds it from cdk.json (no jwt)', () => synthesizeFromContext()],
  [
    'with jwt and an existing secret',
    () =>
      synthesizeFromContext({
        jwtIssuer: 'https://issuer.example.com',
        jwtAudience: 'connect-web',
        secretName: 'humanapi/client-secret',
        alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      }),
  ],
])('cdk-nag AwsSolutions, HIPAA Security and NIST 800-53 R5 on the app %s', (_case, build) => {
  let synthesized: SynthesizedStack;

  // Three rule packs over the whole app: seconds, more on a loaded machine.
  beforeAll(() => {
    synthesized = build();
  }, SYNTH_TIMEOUT_MS);

  it('runs the three packs and leaves no finding of any unacknowledged', () => {
    expect(synthesized.checks.map((pack) => pack.readPackName)).toEqual([
      'AwsSolutions',
      'HIPAA.Security',
      'NIST.800.53.R5',
    ]);
    for (const pack of synthesized.checks) {
      const report = pack.validateScope(synthesized.app);

      expect(report.violations).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  it('acknowledges only findings that exist, each with a reason', () => {
    const findings = allFindings(synthesized.app);
    const acknowledged = acknowledgements(synthesized.app);

    for (const finding of findings) {
      expect(acknowledged.some((ack) => ack.id === finding.id && isAtOrUnder(finding.path, ack.path))).toBe(true);
    }
    for (const ack of acknowledged) {
      expect(findings.some((finding) => finding.id === ack.id && isAtOrUnder(finding.path, ack.path))).toBe(true);
      expect(ack.reason.length).toBeGreaterThan(80);
    }
  });

  it('gets no warning or error from CDK itself', () => {
    const annotations = Annotations.fromStack(synthesized.stack);

    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });
});

describe('cdk-nag acknowledgements', () => {
  const paths = (app: IConstruct) =>
    acknowledgements(app)
      .map(({ path, id }) => `${path} ${id}`)
      .sort();
  /** Findings accepted in every variant, next to the functions and the created secret. */
  const common = [
    ...[
      'FinishSession',
      'RecoverPublicToken',
      'ConnectTokens',
      'HumanData',
      'DeleteUser',
      'ReceiveNotification',
      'DrainOutbox',
      'RedriveOutbox',
    ].flatMap((name) =>
      ['HIPAA.Security', 'NIST.800.53.R5'].flatMap((pack) => [
        `HumanConnectBackend/${name}/Function ${pack}-LambdaDLQ`,
        `HumanConnectBackend/${name}/Function ${pack}-LambdaInsideVPC`,
        `HumanConnectBackend/${name}/Role ${pack}-IAMNoInlinePolicy`,
      ]),
    ),
    'HumanConnectBackend/ClientSecret AwsSolutions-SMG4',
    'HumanConnectBackend/ClientSecret HIPAA.Security-SecretsManagerRotationEnabled',
    'HumanConnectBackend/ClientSecret NIST.800.53.R5-SecretsManagerRotationEnabled',
    // The notification URL's secret: re-registered with Human API by hand, rotated by hand.
    'HumanConnectBackend/NotificationsPathSecret AwsSolutions-SMG4',
    'HumanConnectBackend/NotificationsPathSecret HIPAA.Security-SecretsManagerRotationEnabled',
    'HumanConnectBackend/NotificationsPathSecret NIST.800.53.R5-SecretsManagerRotationEnabled',
    // Human API's notifications: no authorizer in either mode, the path secret and the signature prove the caller.
    'HumanConnectBackend/HttpApi/POST--notifications--{secret} AwsSolutions-APIG4',
    // The record of changes to the token key: read by people, never consumed.
    'HumanConnectBackend/TokenKeyWatch/Changes AwsSolutions-SQS3',
    // The rejected-grants queue is itself a dead-letter queue, never redriven.
    'HumanConnectBackend/OutboxRejectedGrants AwsSolutions-SQS3',
    // Active tracing: X-Ray accepts only Resource "*".
    'HumanConnectBackend/FinishSession/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/RecoverPublicToken/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/ConnectTokens/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/HumanData/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/DeleteUser/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/ReceiveNotification/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/DrainOutbox/Role AwsSolutions-IAM5[Resource::*]',
    'HumanConnectBackend/RedriveOutbox/Role AwsSolutions-IAM5[Resource::*]',
  ];

  it('acknowledges the open /sessions and notifications routes, the hand-rotated secrets, synchronous functions outside a VPC and topic-less alarms in IAM mode', () => {
    expect(paths(synthesize(BASE_PROPS).app)).toEqual(
      [
        ...common,
        'HumanConnectBackend/Alarms HIPAA.Security-CloudWatchAlarmAction',
        'HumanConnectBackend/Alarms NIST.800.53.R5-CloudWatchAlarmAction',
        'HumanConnectBackend/HttpApi/POST--sessions AwsSolutions-APIG4',
      ].sort(),
    );
  });

  it('needs no acknowledgement for /sessions once a JWT authorizer guards it (the notifications route keeps its own), nor for alarms once a topic is given', () => {
    const { app } = synthesize({
      ...BASE_PROPS,
      jwt: { issuer: 'https://issuer.example.com', audience: ['web'] },
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
    });

    expect(paths(app)).toEqual([...common].sort());
  });
});

describe('the reasons of the functions\u2019 Lambda DLQ acknowledgements', () => {
  let acknowledged: ReturnType<typeof acknowledgements>;

  beforeAll(() => {
    acknowledged = acknowledgements(synthesize(BASE_PROPS).app);
  }, SYNTH_TIMEOUT_MS);

  const reasons = (name: string) =>
    acknowledged
      .filter(({ path, id }) => path === `HumanConnectBackend/${name}/Function` && id.endsWith('-LambdaDLQ'))
      .map(({ reason }) => reason);

  it('names synchronous API Gateway invocations for the HTTP functions', () => {
    for (const name of [
      'FinishSession',
      'RecoverPublicToken',
      'ConnectTokens',
      'HumanData',
      'DeleteUser',
      'ReceiveNotification',
    ]) {
      expect(reasons(name)).toHaveLength(2);
      for (const reason of reasons(name)) expect(reason).toMatch(/^API Gateway invokes the function synchronously/);
    }
  });

  it("names the drain's SQS event source and the outbox's own dead-letter queue", () => {
    expect(reasons('DrainOutbox')).toHaveLength(2);
    for (const reason of reasons('DrainOutbox')) {
      expect(reason).toMatch(/^An SQS event source invokes the function synchronously/);
      expect(reason).toContain("the outbox's dead-letter queue after 5 receives");
    }
  });
});

describe('synthesis with a new cdk-nag finding', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('fails and names the rule and the construct', () => {
    // CDK prints the report, or puts it in the error, depending on how the app runs.
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let failure: unknown;

    try {
      synthesize(BASE_PROPS, { extend: (stack) => new Secret(stack, 'UnrotatedSecret') });
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(Error);
    const report = [(failure as Error).message, ...printed.mock.calls.flat()].join('\n');
    expect(report).toContain('AwsSolutions-SMG4');
    expect(report).toContain('HumanConnectBackend/UnrotatedSecret');
  });
});

describe('synthesis with a new HIPAA or NIST finding', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('fails on an unencrypted log group and names both packs and the construct', () => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let failure: unknown;

    try {
      synthesize(BASE_PROPS, {
        extend: (stack) => new LogGroup(stack, 'PlainLogGroup', { retention: RetentionDays.ONE_MONTH }),
      });
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(Error);
    const report = [(failure as Error).message, ...printed.mock.calls.flat()].join('\n');
    expect(report).toContain('HIPAA.Security-CloudWatchLogGroupEncrypted');
    expect(report).toContain('NIST.800.53.R5-CloudWatchLogGroupEncrypted');
    expect(report).toContain('HumanConnectBackend/PlainLogGroup');
  });
});
