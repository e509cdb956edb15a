/**
 * The apps the access suite evaluates: the backend in IAM mode and in JWT mode, with a key of
 * the team's own (`tokenKey`, its policy the one docs/security.md#a-key-of-your-own prints), and
 * with an existing secret under a customer-managed key; next to it, the principals a team has:
 * readers granted in the backend's stack, in another stack of the app, imported by ARN and in
 * another account, an account administrator, and a role holding only CDK's `grantEncrypt()`.
 */
import { readFileSync } from 'node:fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { AccountPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ConnectBackendStackProps } from '../../../infra/connect-backend-stack.js';
import { ConnectBackendStack } from '../../../infra/connect-backend-stack.js';
import { BASE_PROPS, featureFlags } from '../stack-fixture.js';
import type { ResourceNames } from './aws-requests.js';
import { type CfnTemplate, CloudModel, DEFAULT_ENV, type PolicyDocument } from './cloud-model.js';
import type { Caller } from './simulator.js';
import { WORKLOAD_NAMES } from './workloads.js';

/** Another account of the team's, where a reader runs. */
export const OTHER_ACCOUNT = '222222222222';
/** An account that is not the team's. */
export const STRANGER_ACCOUNT = '333333333333';
/** The backend's stack. */
export const BACKEND = 'HumanConnectBackend';

/** A key of the team's own, given with the `tokenKey` prop. */
const GIVEN_KEY_ARN = `arn:aws:kms:${DEFAULT_ENV.region}:${DEFAULT_ENV.account}:key/0a0a0a0a-1b1b-4c2c-8d3d-4e4e4e4e4e4e`;
/** An existing secret, and the key it is encrypted with. */
const EXISTING_SECRET_ARN = `arn:aws:secretsmanager:${DEFAULT_ENV.region}:${DEFAULT_ENV.account}:secret:humanapi/client-secret-AbC123`;
const EXISTING_SECRET_KEY_ARN = `arn:aws:kms:${DEFAULT_ENV.region}:${DEFAULT_ENV.account}:key/5f5f5f5f-6a6a-4b7b-8c8c-9d9d9d9d9d9d`;
/** A reader imported by ARN, in the backend's account. */
export const IMPORTED_READER_ARN = `arn:aws:iam::${DEFAULT_ENV.account}:role/team/partner-sync`;
/** A reader in another account of the team's. */
export const OTHER_ACCOUNT_READER_ARN = `arn:aws:iam::${OTHER_ACCOUNT}:role/analytics-reader`;

/** The props of a backend given a key of the team's own. */
export const GIVEN_KEY_PROPS: ConnectBackendStackProps = {
  ...BASE_PROPS,
  tokenKey: Key.fromKeyArn(new Stack(), 'GivenKey', GIVEN_KEY_ARN),
};

/** A key policy that only delegates to IAM in the account (AWS's default key policy). */
const delegatingKeyPolicy = (account: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
});

/**
 * The key policy docs/security.md#a-key-of-your-own prints, with its placeholders filled in: the
 * suite evaluates the documented statements, not a copy of them.
 */
export function documentedKeyPolicy(readerPath: string): PolicyDocument {
  return JSON.parse(
    documentedPolicy('## A key of your own')
      .replaceAll('ACCOUNT', DEFAULT_ENV.account)
      .replaceAll('REGION', DEFAULT_ENV.region)
      .replaceAll('READER_PATH', readerPath),
  ) as PolicyDocument;
}

/** One app, resolved, and what its principals and resources are called. */
export interface AccessFixture {
  readonly name: string;
  readonly model: CloudModel;
  /** The workloads' names, as the deployed app calls them. */
  readonly names: ResourceNames;
  /** The key that encrypts the tokens. */
  readonly tokenKeyArn: string;
  /** Key and secret policies the templates do not hold (keys and secrets the team brings). */
  readonly externalPolicies: Readonly<Record<string, PolicyDocument>>;
  /** The reader path of the backend. */
  readonly readerPath: string;
  /**
   * What the team must add itself in this fixture, because the stack cannot write it: a key of
   * its own must name readers granted by ARN (`keyPolicy`); an existing secret's policy and key
   * must name readers in other accounts (`secretPolicy`) (docs/security.md#a-key-of-your-own).
   */
  readonly teamAdds: { readonly keyPolicyForReadersByArn: boolean; readonly secretPolicyForOtherAccounts: boolean };
}

/** The roles of the team's own that every fixture's app holds next to the backend. */
function addTeamPrincipals(app: App, backend: ConnectBackendStack): void {
  const byLambda = new ServicePrincipal('lambda.amazonaws.com');
  // A reader in the backend's own stack.
  backend.grantAccessTokenRead(new Role(backend, 'SameStackReader', { assumedBy: byLambda }));
  // A service of the team in a stack of its own.
  const services = new Stack(app, 'TeamServices');
  backend.grantAccessTokenRead(new Role(services, 'HealthSync', { assumedBy: byLambda }));
  backend.grantAccessTokenRead(Role.fromRoleArn(services, 'PartnerSync', IMPORTED_READER_ARN));
  backend.grantAccessTokenRead(Role.fromRoleArn(services, 'Analytics', OTHER_ACCOUNT_READER_ARN, { mutable: false }));
  // Principals that must not read a token: an administrator of the account, and a role CDK's
  // grantEncrypt() was given (kms:Encrypt, kms:ReEncrypt*, kms:GenerateDataKey*).
  // The team's app back end calls the IAM routes; a partner's only /public-tokens.
  backend.backend.grantIamRoutes(new Role(services, 'AppBackend', { assumedBy: byLambda }));
  backend.backend.grantIamRoutes(new Role(services, 'PartnerBackend', { assumedBy: byLambda }), 'recoverPublicToken');
  const admin = new Role(services, 'AccountAdmin', { assumedBy: new AccountPrincipal(DEFAULT_ENV.account) });
  admin.addToPolicy(new PolicyStatement({ actions: ['*'], resources: ['*'] }));
  const encryptor = new Role(services, 'EncryptOnly', { assumedBy: byLambda });
  backend.backend.tokenKey.grantEncrypt(encryptor);
  // The team's consumer of Human API's notifications.
  backend.grantNotificationsConsume(new Role(services, 'NotificationsConsumer', { assumedBy: byLambda }));
}

/**
 * Builds one fixture's app and resolves it.
 *
 * @param mutate - changes a template before it is evaluated (the regression tests)
 */
export function buildFixture(
  name: string,
  props: ConnectBackendStackProps,
  mutate?: (stack: string, template: CfnTemplate) => void,
): AccessFixture {
  const app = new App({
    context: { ...featureFlags(), 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true },
  });
  const backend = new ConnectBackendStack(app, BACKEND, props);
  addTeamPrincipals(app, backend);
  const model = new CloudModel(app.synth(), mutate);
  const resource = (suffix: string, attribute = 'Arn') =>
    model.getAtt(BACKEND, model.logicalIdAt(BACKEND, suffix), attribute);
  const tokenKeyArn = props.tokenKey === undefined ? resource('/TokenKey/Key/Resource') : props.tokenKey.keyArn;
  const existing = props.clientSecret;
  const secretArn = existing === undefined ? resource('/ClientSecret/Resource') : EXISTING_SECRET_ARN;
  const secretKeyArn = existing === undefined ? tokenKeyArn : existing.encryptionKeyArn;
  const readerPath = `/humanapi-connect/${BACKEND}/access-token-readers/`;
  return {
    name,
    model,
    tokenKeyArn,
    readerPath,
    teamAdds: {
      keyPolicyForReadersByArn: props.tokenKey !== undefined,
      secretPolicyForOtherAccounts: existing !== undefined,
    },
    externalPolicies: {
      ...(props.tokenKey === undefined ? {} : { [tokenKeyArn]: documentedKeyPolicy(readerPath) }),
      ...(secretKeyArn === undefined || secretKeyArn === tokenKeyArn
        ? {}
        : { [secretKeyArn]: delegatingKeyPolicy(DEFAULT_ENV.account) }),
    },
    names: {
      account: DEFAULT_ENV.account,
      region: DEFAULT_ENV.region,
      tables: {
        [WORKLOAD_NAMES.tokensTable]: { arn: resource('/TokenTable/Resource'), keyArn: tokenKeyArn },
        [WORKLOAD_NAMES.idempotencyTable]: { arn: resource('/IdempotencyTable/Resource'), keyArn: tokenKeyArn },
      },
      queues: {
        [WORKLOAD_NAMES.outboxQueueUrl]: { arn: resource('/Outbox/Resource'), keyArn: tokenKeyArn },
        [WORKLOAD_NAMES.rejectedGrantsQueueUrl]: {
          arn: resource('/OutboxRejectedGrants/Resource'),
          keyArn: tokenKeyArn,
        },
        [WORKLOAD_NAMES.deadLettersQueueUrl]: { arn: resource('/OutboxDeadLetters/Resource'), keyArn: tokenKeyArn },
        [WORKLOAD_NAMES.deadLettersQueueArn]: { arn: resource('/OutboxDeadLetters/Resource'), keyArn: tokenKeyArn },
        [WORKLOAD_NAMES.notificationsQueueUrl]: { arn: resource('/Notifications/Resource'), keyArn: tokenKeyArn },
      },
      secrets: {
        [WORKLOAD_NAMES.secretId]: { arn: secretArn, keyArn: secretKeyArn },
        [WORKLOAD_NAMES.notificationsSecretId]: {
          arn: resource('/NotificationsPathSecret/Resource'),
          keyArn: tokenKeyArn,
        },
      },
      keys: { [WORKLOAD_NAMES.tokenKeyId]: tokenKeyArn },
    },
  };
}

/** Every fixture, by name. */
export function buildFixtures(): AccessFixture[] {
  return [
    buildFixture('IAM mode', BASE_PROPS),
    buildFixture('JWT mode', {
      ...BASE_PROPS,
      jwt: { issuer: 'https://issuer.example.com/', audience: ['connect-web'] },
      secretTtl: Duration.seconds(60),
    }),
    buildFixture('a key of the team (tokenKey)', GIVEN_KEY_PROPS),
    buildFixture('an existing secret under a customer-managed key', {
      ...BASE_PROPS,
      clientSecret: { secretCompleteArn: EXISTING_SECRET_ARN, encryptionKeyArn: EXISTING_SECRET_KEY_ARN },
    }),
  ];
}

/** The ARN `execute-api:Invoke` names for a route of the fixture's API. */
export function routeArn(fixture: AccessFixture, method: string, path: string): string {
  const apiId = fixture.model.ref(BACKEND, fixture.model.logicalIdsOf(BACKEND, 'AWS::ApiGatewayV2::Api')[0] ?? '');
  return `arn:aws:execute-api:${fixture.names.region}:${fixture.names.account}:${apiId}/$default/${method}${path}`;
}

/** The resource policy IAM evaluates with a request on `arn`, in `fixture`. */
export function resourcePolicyIn(fixture: AccessFixture, arn: string): PolicyDocument | undefined {
  return fixture.externalPolicies[arn] ?? fixture.model.resourcePolicyFor(arn);
}

/** A role of the fixture's app as a caller. */
export function roleCaller(fixture: AccessFixture, pathSuffix: string, sessionTags?: Record<string, string>): Caller {
  const role = fixture.model.role(pathSuffix);
  return {
    arn: role.arn,
    account: role.account,
    policies: role.policies,
    tags: role.tags,
    ...(sessionTags === undefined ? {} : { sessionTags }),
  };
}

/** The JSON block of docs/security.md printed under `heading`. */
function documentedPolicy(heading: string): string {
  const page = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const section = page.slice(page.indexOf(heading));
  const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (block === undefined) throw new Error(`docs/security.md prints no policy under ${heading}`);
  return block;
}

/**
 * The identity policy docs/security.md#a-reader-in-another-account tells the other account to
 * give its reader, with the fixture's ARNs.
 */
export function otherAccountReaderPolicy(fixture: AccessFixture): PolicyDocument {
  const tokens = fixture.names.tables[WORKLOAD_NAMES.tokensTable];
  const secret = fixture.names.secrets[WORKLOAD_NAMES.secretId];
  if (tokens === undefined || secret === undefined) throw new Error('the fixture names no token table or secret');
  return JSON.parse(
    documentedPolicy('### A reader in another account')
      .replaceAll('TABLE_ARN', tokens.arn)
      .replaceAll('KEY_ARN', fixture.tokenKeyArn)
      .replaceAll('SECRET_ARN', secret.arn),
  ) as PolicyDocument;
}
