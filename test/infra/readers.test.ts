/**
 * Granting readers as teams structure their apps: a role in another stack of the same app and a
 * role imported by ARN synthesize with every cdk-nag pack (the strict `cdk synth`), and the grants
 * refuse what cannot identify a reader. What the grants allow is proven in test/infra/access/.
 */
import { App, Stack } from 'aws-cdk-lib';
import { AccountPrincipal, Role, ServicePrincipal, User } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { acknowledgeComplianceRule } from '../../infra/acknowledgements.js';
import { addComplianceChecks } from '../../infra/compliance.js';
import { ConnectBackendStack } from '../../infra/connect-backend-stack.js';
import { BASE_PROPS, featureFlags } from './stack-fixture.js';

const testApp = () => new App({ context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [] } });

/** A service stack of the team's, whose own cdk-nag findings are the team's to acknowledge. */
function teamStack(app: App): Stack {
  const services = new Stack(app, 'TeamServices');
  acknowledgeComplianceRule(
    services,
    'IAMNoInlinePolicy',
    'The team acknowledges its own roles\u2019 inline policies.',
  );
  return services;
}

describe('grantAccessTokenRead across stacks and accounts', () => {
  it('synthesizes with every cdk-nag pack when the reader is a role in another stack of the app', () => {
    const app = testApp();
    const backend = new ConnectBackendStack(app, 'HumanConnectBackend', BASE_PROPS);
    const reader = new Role(teamStack(app), 'HealthSync', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    backend.grantAccessTokenRead(reader);
    addComplianceChecks(app);

    // Before: a dependency cycle (the grant wrote the role's ARN into the backend's key and secret).
    const assembly = app.synth();

    expect(assembly.getStackByName('TeamServices').dependencies.map((stack) => stack.id)).toContain(
      'HumanConnectBackend',
    );
    expect(assembly.getStackByName('HumanConnectBackend').dependencies.map((stack) => stack.id)).not.toContain(
      'TeamServices',
    );
  });

  it('synthesizes with every cdk-nag pack when the readers are imported by ARN, of this account and another', () => {
    const app = testApp();
    const backend = new ConnectBackendStack(app, 'HumanConnectBackend', BASE_PROPS);
    const services = teamStack(app);
    backend.grantAccessTokenRead(Role.fromRoleArn(services, 'Partner', 'arn:aws:iam::111111111111:role/partner-sync'));
    backend.grantAccessTokenRead(
      Role.fromRoleArn(services, 'Analytics', 'arn:aws:iam::222222222222:role/analytics', { mutable: false }),
    );
    addComplianceChecks(app);

    const template = app.synth().getStackByName('HumanConnectBackend').template as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };

    // Named by account and ARN condition, never as a principal that must exist when the key is created.
    const key = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::KMS::Key');
    const statements = (key?.Properties.KeyPolicy as { Statement: { Principal: unknown }[] } | undefined)?.Statement;
    const principals = JSON.stringify(statements?.map((statement) => statement.Principal));
    expect(principals).not.toContain('role/');
    expect(principals).toContain(':iam::222222222222:root');
  });

  it('puts a granted role of the app under the backend\u2019s reader path', () => {
    const app = testApp();
    const backend = new ConnectBackendStack(app, 'HumanConnectBackend', BASE_PROPS);
    const services = new Stack(app, 'TeamServices');
    const reader = new Role(services, 'HealthSync', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    backend.grantAccessTokenRead(reader);

    const role = Object.values(
      (
        app.synth().getStackByName('TeamServices').template as {
          Resources: Record<string, { Type: string; Properties: { Path?: string } }>;
        }
      ).Resources,
    ).find((resource) => resource.Type === 'AWS::IAM::Role');
    expect(role?.Properties.Path).toBe('/humanapi-connect/HumanConnectBackend/access-token-readers/');
  });

  it('refuses a role of the app that already has another IAM path', () => {
    const app = testApp();
    const backend = new ConnectBackendStack(app, 'HumanConnectBackend', BASE_PROPS);
    const reader = new Role(new Stack(app, 'TeamServices'), 'HealthSync', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      path: '/team/',
    });

    expect(() => backend.grantAccessTokenRead(reader)).toThrow(
      'TeamServices/HealthSync/Resource has IAM path /team/; a reader must be under /humanapi-connect/HumanConnectBackend/access-token-readers/',
    );
  });

  it('refuses a grantee that is not a role: only a role ARN identifies a reader', () => {
    const app = testApp();
    const backend = new ConnectBackendStack(app, 'HumanConnectBackend', BASE_PROPS);

    expect(() => backend.grantAccessTokenRead(new User(new Stack(app, 'People'), 'Alice'))).toThrow(
      'grantAccessTokenRead: grant a role (of this app, or imported with Role.fromRoleArn)',
    );
    expect(() => backend.grantAccessTokenRead({ grantPrincipal: new AccountPrincipal('222222222222') })).toThrow(
      'grantAccessTokenRead: grant a role (of this app, or imported with Role.fromRoleArn)',
    );
  });
});
