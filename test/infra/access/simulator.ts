/**
 * One IAM decision, taken by `@cloud-copilot/iam-simulate` (identity, resource and key policies,
 * every condition operator) with the request context a real call carries.
 *
 * A known trap, worked around here: iam-simulate 0.1.x understands variable condition keys only
 * when the variable follows a `/` (`aws:PrincipalTag/<key>`), so `kms:EncryptionContext:<key>` is
 * dropped from the request ("ignored context key") and every condition on it sees no value: a
 * `Deny` on a user's context silently stops applying and a denied decrypt looks allowed. The
 * workaround writes every `kms:EncryptionContext:<key>` (in the policies and in the request alike)
 * as the global key `aws:PrincipalTag/kms-encryption-context.<key>`, which the simulator keeps; the
 * negative control in `simulator.test.ts` shows the trap without it and the right answer with it.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './cloud-model.js';

/** The outcome of one request. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Who makes a request. */
export interface Caller {
  /** A role's ARN (`arn:aws:iam::<account>:role/<path><name>`), or a service principal (`logs.<region>.amazonaws.com`). */
  readonly arn: string;
  /** The caller's account; none for a service principal. */
  readonly account?: string;
  /** Its identity policies. */
  readonly policies: readonly PolicyDocument[];
  /** Tags of the role. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Tags the caller put on its own session when assuming the role (they override the role's). */
  readonly sessionTags?: Readonly<Record<string, string>>;
}

/** One request to an AWS service. */
export interface AccessRequest {
  readonly caller: Caller;
  /** `service:Action`, e.g. `kms:Decrypt`. */
  readonly action: string;
  /** The ARN of the resource acted on. */
  readonly resource: string;
  /** The service's own request context: `kms:ViaService`, `dynamodb:Attributes`, … */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The resource's policy (a key policy, a queue policy, …), if it has one. */
  readonly resourcePolicy?: PolicyDocument | undefined;
}

const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:(.+)$/i;
const TAG_PREFIX = 'aws:PrincipalTag/kms-encryption-context.';

/** A `kms:EncryptionContext:<key>` as the key the simulator keeps (see the module comment). */
export function simulatorContextKey(key: string): string {
  const match = ENCRYPTION_CONTEXT.exec(key);
  if (match === null || match[1] === undefined) return key;
  if (match[1].includes('.')) throw new Error(`encryption context key ${match[1]} cannot be rewritten reversibly`);
  return `${TAG_PREFIX}${match[1].replaceAll(':', '.')}`;
}

/** Rewrites the encryption-context condition keys of every statement of a policy. */
export function rewritePolicy(policy: PolicyDocument, workaround = true): PolicyDocument {
  if (!workaround) return policy;
  return {
    ...policy,
    Statement: policy.Statement.map((statement) => {
      const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
      if (condition === undefined) return statement;
      const rewritten = Object.fromEntries(
        Object.entries(condition).map(([operator, keys]) => [
          operator,
          Object.fromEntries(Object.entries(keys).map(([key, value]) => [simulatorContextKey(key), value])),
        ]),
      );
      return { ...statement, Condition: rewritten };
    }),
  };
}

function serviceOf(arn: string): boolean {
  return !arn.startsWith('arn:');
}

/** The global context of a request: what IAM knows of every caller. */
function globalContext(caller: Caller, region: string): Record<string, string | string[]> {
  if (serviceOf(caller.arn)) {
    return {
      'aws:PrincipalIsAWSService': 'true',
      'aws:PrincipalServiceName': caller.arn,
      'aws:SecureTransport': 'true',
    };
  }
  const tags = { ...caller.tags, ...caller.sessionTags };
  if (Object.keys(tags).some((key) => key.startsWith('kms-encryption-context.'))) {
    throw new Error('a caller tag collides with the simulator workaround');
  }
  return {
    'aws:PrincipalArn': caller.arn,
    'aws:PrincipalAccount': caller.account ?? '',
    'aws:PrincipalIsAWSService': 'false',
    'aws:PrincipalType': 'AssumedRole',
    'aws:SecureTransport': 'true',
    'aws:RequestedRegion': region,
    ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:PrincipalTag/${key}`, value])),
  };
}

/** The account and region of an ARN (`arn:aws:<service>:<region>:<account>:…`). */
function partsOf(arn: string): { region: string; account: string } {
  const [, , , region = '', account = ''] = arn.split(':');
  return { region, account };
}

/**
 * Decides one request.
 *
 * @param workaround - rewrite encryption-context keys (see the module comment); `false` only for the negative control
 * @throws {Error} when iam-simulate refuses the input (a malformed policy or context)
 */
export async function decide(request: AccessRequest, { workaround = true } = {}): Promise<Decision> {
  const parts = partsOf(request.resource);
  // A wildcard-only action (`xray:PutTraceSegments` on `*`) is the caller's own account's.
  const account = parts.account === '' ? (request.caller.account ?? '') : parts.account;
  const region = parts.region === '' ? 'us-east-1' : parts.region;
  const context: Record<string, string | string[]> = { ...globalContext(request.caller, region) };
  for (const [key, value] of Object.entries(request.context ?? {})) {
    context[workaround ? simulatorContextKey(key) : key] = Array.isArray(value) ? [...value] : (value as string);
  }
  const result = await runSimulation(
    {
      request: {
        principal: request.caller.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: account },
        contextVariables: context,
      },
      identityPolicies: request.caller.policies.map((policy, index) => ({
        name: `identity-${index}`,
        policy: rewritePolicy(policy, workaround),
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy === undefined
        ? {}
        : { resourcePolicy: rewritePolicy(request.resourcePolicy, workaround) }),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  if (workaround && result.resultType === 'single' && (result.result.ignoredContextKeys ?? []).length > 0) {
    throw new Error(
      `iam-simulate ignored context keys of ${request.action}: ${result.result.ignoredContextKeys?.join(', ')}`,
    );
  }
  return result.overallResult as Decision;
}
