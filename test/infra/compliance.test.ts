import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, type IApplyRule, NagRuleCompliance } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BASE_PROPS, type SynthesizedStack, synthesize, synthesizeFromContext } from './stack-fixture.js';

/** AwsSolutionsChecks that also records every finding, acknowledged or not. */
class AllFindings extends AwsSolutionsChecks {
  readonly findings: { path: string; id: string }[] = [];

  protected override applyRule(params: IApplyRule): void {
    const path = params.node.node.path;
    const ruleId = `${this.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`;
    try {
      const result = params.rule(params.node);
      if (result === NagRuleCompliance.NON_COMPLIANT) this.findings.push({ path, id: ruleId });
      if (Array.isArray(result))
        this.findings.push(...result.map((finding) => ({ path, id: `${ruleId}[${finding}]` })));
    } catch {
      this.findings.push({ path, id: ruleId });
    }
    super.applyRule(params);
  }
}

/** Every acknowledgement in the tree: where, which rule, why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([qualifiedId, reason]) => ({
        path: construct.node.path,
        id: qualifiedId.replace(/^[^:]+::/, ''),
        reason,
      })),
  );
}

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
])('cdk-nag AwsSolutions on the app %s', (_case, build) => {
  let synthesized: SynthesizedStack;

  beforeAll(() => {
    synthesized = build();
  });

  it('leaves no finding unacknowledged', () => {
    const report = synthesized.checks.validateScope(synthesized.app);

    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only findings that exist, each with a reason', () => {
    const all = new AllFindings();
    all.validateScope(synthesized.app);
    const acknowledged = acknowledgements(synthesized.app);

    for (const finding of all.findings) {
      expect(acknowledged.some((ack) => ack.id === finding.id && isAtOrUnder(finding.path, ack.path))).toBe(true);
    }
    for (const ack of acknowledged) {
      expect(all.findings.some((finding) => finding.id === ack.id && isAtOrUnder(finding.path, ack.path))).toBe(true);
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
  it('acknowledges exactly the open /sessions route and the hand-rotated secret in IAM mode', () => {
    const { app } = synthesize(BASE_PROPS);

    expect(
      acknowledgements(app)
        .map(({ path, id }) => `${path} ${id}`)
        .sort(),
    ).toEqual([
      'HumanConnectBackend/ClientSecret AwsSolutions-SMG4',
      'HumanConnectBackend/FinishSession/Role AwsSolutions-IAM5[Resource::*]',
      'HumanConnectBackend/HttpApi/POST--sessions AwsSolutions-APIG4',
      'HumanConnectBackend/RecoverPublicToken/Role AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  it('needs no acknowledgement for /sessions once a JWT authorizer guards it', () => {
    const { app } = synthesize({ ...BASE_PROPS, jwt: { issuer: 'https://issuer.example.com', audience: ['web'] } });

    expect(
      acknowledgements(app)
        .map(({ id }) => id)
        .sort(),
    ).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SMG4']);
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
