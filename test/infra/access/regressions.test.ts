/**
 * The access suite catches what it exists to catch: each test here breaks one promise on purpose
 * (in the synthesized template, or in how IAM is asked) and shows the decision the suite relies
 * on turning. If one of these stopped turning, the suite could pass over the same regression.
 */
import { describe, expect, it } from 'vitest';
import { BASE_PROPS } from '../stack-fixture.js';
import { encryptionContext, requestsOf } from './aws-requests.js';
import type { CfnTemplate } from './cloud-model.js';
import {
  type AccessFixture,
  BACKEND,
  buildFixture,
  GIVEN_KEY_PROPS,
  resourcePolicyIn,
  roleCaller,
} from './fixtures.js';
import { type AccessRequest, decide } from './simulator.js';
import { WORKLOAD_NAMES } from './workloads.js';

type Statement = Record<string, unknown> & {
  Sid?: string;
  Action?: string | string[];
  Condition?: Record<string, unknown>;
};

/** The statements of the backend's token key policy, to break. */
function keyStatements(template: CfnTemplate): Statement[] {
  const key = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::KMS::Key');
  const policy = key?.Properties?.KeyPolicy as { Statement: Statement[] } | undefined;
  if (policy === undefined) throw new Error('the backend has no key');
  return policy.Statement;
}

/** A request on a user's access token by `caller`, with the fixture's key policy. */
function onToken(
  fixture: AccessFixture,
  callerPath: string,
  action: string,
  context = { clientUserId: 'alice' },
): AccessRequest {
  return {
    caller: roleCaller(fixture, callerPath),
    action,
    resource: fixture.tokenKeyArn,
    context: { 'kms:CallerAccount': fixture.names.account, ...encryptionContext(context) },
    resourcePolicy: resourcePolicyIn(fixture, fixture.tokenKeyArn),
  };
}

describe('the access suite fails on', () => {
  it('iam-simulate\u2019s dropped encryption-context key, unless worked around (negative control)', async () => {
    const fixture = buildFixture('IAM mode', BASE_PROPS);
    const adminDecrypt = onToken(fixture, '/AccountAdmin', 'kms:Decrypt');

    // Without the workaround the simulator ignores kms:EncryptionContext:clientUserId: the Deny
    // sees no value, and an administrator's decrypt of a token looks allowed.
    expect(await decide(adminDecrypt, { workaround: false })).toBe('Allowed');
    expect(await decide(adminDecrypt)).toBe('ExplicitlyDenied');
  });

  it('a key policy whose Deny no longer names kms:ReEncryptFrom', async () => {
    const intact = buildFixture('IAM mode', BASE_PROPS);
    const broken = buildFixture('IAM mode', BASE_PROPS, (stack, template) => {
      if (stack !== BACKEND) return;
      const statements = keyStatements(template);
      statements.splice(
        statements.findIndex((statement) => statement.Sid === 'DenyDirectReEncryptFromToAll'),
        1,
      );
    });

    expect(await decide(onToken(intact, '/AccountAdmin', 'kms:ReEncryptFrom'))).toBe('ExplicitlyDenied');
    expect(await decide(onToken(broken, '/AccountAdmin', 'kms:ReEncryptFrom'))).toBe('Allowed');
    expect(await decide(onToken(broken, '/EncryptOnly', 'kms:ReEncryptFrom'))).toBe('Allowed');
  });

  it('a Deny that trusts a principal tag instead of the role\u2019s ARN (a session tag passes it)', async () => {
    const tagKey = 'humanapi-connect:access-token-reader';
    const broken = buildFixture('IAM mode', BASE_PROPS, (stack, template) => {
      if (stack !== BACKEND) return;
      const deny = keyStatements(template).find(
        (statement) => statement.Sid === 'DenyAccessTokenDecryptToAllButReaders',
      );
      if (deny?.Condition === undefined) throw new Error('no readers-only Deny');
      deny.Condition = { ...deny.Condition, StringNotEquals: { [`aws:PrincipalTag/${tagKey}`]: 'true' } };
      delete deny.Condition.ArnNotLike;
    });
    const tagged = { ...onToken(broken, '/AccountAdmin', 'kms:Decrypt') };
    const withSessionTag: AccessRequest = {
      ...tagged,
      caller: { ...tagged.caller, sessionTags: { [tagKey]: 'true' } },
    };

    expect(await decide(tagged)).toBe('ExplicitlyDenied');
    expect(await decide(withSessionTag)).toBe('Allowed');
  });

  it('a function role that lost its grant of a given key through Secrets Manager', async () => {
    const secretReads = (fixture: AccessFixture) =>
      requestsOf(
        { service: 'secretsmanager', operation: 'GetSecretValue', input: { SecretId: WORKLOAD_NAMES.secretId } },
        fixture.names,
      ).map((request) => ({
        ...request,
        caller: roleCaller(fixture, '/FinishSession/Role'),
        resourcePolicy: resourcePolicyIn(fixture, request.resource),
      }));
    const intact = buildFixture('tokenKey', GIVEN_KEY_PROPS);
    const broken = buildFixture('tokenKey', GIVEN_KEY_PROPS, (stack, template) => {
      if (stack !== BACKEND) return;
      for (const resource of Object.values(template.Resources)) {
        const document = resource.Properties?.PolicyDocument as { Statement: Statement[] } | undefined;
        if (resource.Type !== 'AWS::IAM::Policy' || document === undefined) continue;
        document.Statement = document.Statement.filter(
          (statement) => !JSON.stringify(statement.Condition ?? {}).includes('secretsmanager.'),
        );
      }
    });

    expect(await Promise.all(secretReads(intact).map((request) => decide(request)))).toEqual(['Allowed', 'Allowed']);
    expect(await Promise.all(secretReads(broken).map((request) => decide(request)))).toEqual([
      'Allowed',
      'ImplicitlyDenied',
    ]);
  });
});
