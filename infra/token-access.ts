/**
 * Who may do what with the stored tokens (docs/security.md): the IAM statements of the stack's
 * functions and of the services the team grants with `grantAccessTokenRead`. Access tokens are
 * KMS ciphertext bound to an encryption context `{ clientUserId }`; the tables, queues and secret
 * are encrypted with the same key, which their services use on the caller's behalf
 * (`kms:ViaService`), so "may use the table" never implies "may decrypt an access token".
 *
 * Every grant here is written on the grantee's side (its own policy, in its own stack) or, for a
 * role named by ARN, as plain strings on the backend's side: a grant never writes a reference to
 * a grantee's stack into the backend's, so readers in other stacks cannot create cycles.
 */
import { CfnResource } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import {
  AccountPrincipal,
  ArnPrincipal,
  type CfnRole,
  Grant,
  type IGrantable,
  type IRole,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { MINTING_WRITE_ATTRIBUTES, READER_READ_ATTRIBUTES } from '../functions/adapters/token-table/attributes.js';
import { attributeStatement } from './table-grants.js';
import {
  ACCESS_TOKEN_CONTEXT_CONDITIONS,
  accountOfArn,
  type KeyUsingService,
  type TokenKey,
  viaService,
} from './token-key.js';

/** What the services need of the key, per service, for a grantee that reads (and for one that also writes). */
const KEY_ACTIONS_THROUGH: Record<KeyUsingService, { read: string[]; write: string[] }> = {
  dynamodb: { read: ['kms:Decrypt', 'kms:DescribeKey'], write: ['kms:Encrypt', 'kms:GenerateDataKey'] },
  sqs: { read: ['kms:Decrypt'], write: ['kms:GenerateDataKey'] },
  secretsmanager: { read: ['kms:Decrypt'], write: [] },
};

/**
 * Lets `grantee` use `key` through `service` only (`kms:ViaService`): the service calls KMS with the
 * caller's permissions for the table, queue or secret it encrypts; a direct call does not match.
 * A key the stack created already allows this to the account's principals in its own policy
 * (token-key.ts), so the grantee then needs, and gets, nothing: only a key given by prop, or the
 * key of an existing secret, needs it on the grantee's side.
 */
export function grantKeyThroughService(
  key: IKey,
  grantee: IGrantable,
  service: KeyUsingService,
  { write }: { write: boolean },
): void {
  if (key instanceof Key) return;
  const actions = KEY_ACTIONS_THROUGH[service];
  Grant.addToPrincipal({
    grantee,
    actions: [...actions.read, ...(write ? actions.write : [])],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': viaService(service) } },
  });
}

/** Lets `grantee` encrypt access tokens for their records (`kms:Encrypt` with the record's context), not decrypt them. */
export function grantAccessTokenEncrypt(key: IKey, grantee: IGrantable): void {
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Encrypt'],
    resourceArns: [key.keyArn],
    conditions: ACCESS_TOKEN_CONTEXT_CONDITIONS,
  });
}

/** The client secret and, when it is encrypted with a customer-managed key, that key. */
export interface ClientSecretKeyed {
  readonly secret: ISecret;
  /** The secret's customer-managed key; `undefined` for an existing secret under `aws/secretsmanager`. */
  readonly key: IKey | undefined;
}

/**
 * Lets `grantee` read the client secret: `secretsmanager:GetSecretValue` on the secret alone (what
 * Powertools' `SecretsProvider` calls), and its key through Secrets Manager when the key is not one
 * this stack created (a key given by prop, or the key of an existing secret).
 */
export function grantClientSecretRead({ secret, key }: ClientSecretKeyed, grantee: IGrantable): void {
  // A secret imported by name has no full ARN: its ARN ends in a wildcard for the 6-character suffix.
  Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secret.secretArn] });
  if (key !== undefined) grantKeyThroughService(key, grantee, 'secretsmanager', { write: false });
}

/** What a grant to read access tokens names: the backend's key, table and client secret. */
export interface AccessTokenResources {
  readonly tokenKey: TokenKey;
  readonly tokenTable: TableV2;
  readonly clientSecret: ClientSecretKeyed;
}

/** The table statements of a reader: its projected read, and the minted token's write. */
function readerTableStatements(tableArn: string) {
  return [
    attributeStatement({ actions: ['dynamodb:GetItem'], resourceArns: [tableArn], attributes: READER_READ_ATTRIBUTES }),
    attributeStatement({
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [tableArn],
      attributes: MINTING_WRITE_ATTRIBUTES,
      returnValues: 'NONE',
    }),
  ];
}

/** The CloudFormation role behind a principal defined in this CDK app, if it is one. */
function cfnRoleOf(principal: IConstruct): CfnRole | undefined {
  const child = principal.node.defaultChild;
  return CfnResource.isCfnResource(child) && child.cfnResourceType === 'AWS::IAM::Role'
    ? (child as CfnRole)
    : undefined;
}

/**
 * Lets `grantee` read access tokens with the reader module (functions/reader/read-access-token.ts):
 * `GetItem` of the reader's attributes on the token table, `UpdateItem` of a minted token's
 * attributes, `kms:Decrypt` and `kms:Encrypt` of per-record ciphertexts (context
 * `{ clientUserId }`), and the client secret (minting asks Human API with it).
 *
 * The key policy lets only readers decrypt (token-key.ts): a role defined in this CDK app (in any
 * stack) is put under the backend's reader path, which replaces a deployed role once; a role
 * imported by ARN (of this account or another) is named by that ARN in the key, table and secret
 * policies, as plain strings. Anything else is refused: only a role's ARN identifies a reader.
 *
 * @throws {Error} when the grantee is neither a role of this app nor a role imported by ARN, or a
 *   role of this app already has another IAM path
 */
export function grantAccessTokenRead(resources: AccessTokenResources, grantee: IGrantable): void {
  const { tokenKey, tokenTable, clientSecret } = resources;
  const principal = grantee.grantPrincipal;
  const cfnRole = principal instanceof ArnPrincipal ? undefined : cfnRoleOf(principal as unknown as IConstruct);
  if (cfnRole === undefined) {
    grantImportedRole(resources, (principal as Partial<IRole>).roleArn);
  } else if (cfnRole.path !== undefined && cfnRole.path !== tokenKey.readerPath) {
    throw new Error(
      `grantAccessTokenRead: ${cfnRole.node.path} has IAM path ${String(cfnRole.path)}; a reader must be under ${tokenKey.readerPath} (docs/security.md#granting-a-service)`,
    );
  } else {
    cfnRole.path = tokenKey.readerPath;
  }
  // On the grantee's side too: CDK writes nothing for a role imported as immutable (another
  // account's, `mutable: false`), and a policy attached by name for one of this account.
  for (const statement of readerTableStatements(tokenTable.tableArn)) Grant.addToPrincipal({ grantee, ...statement });
  grantKeyThroughService(tokenKey.key, grantee, 'dynamodb', { write: true });
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:Encrypt'],
    resourceArns: [tokenKey.key.keyArn],
    conditions: ACCESS_TOKEN_CONTEXT_CONDITIONS,
  });
  grantClientSecretRead(clientSecret, grantee);
}

/**
 * A role imported by ARN, of this account or another, is named in the backend's own policies: the
 * key, the table and the secret name it, as a plain string, with its account as principal. Across
 * accounts that is the backend's half of the grant (the role's account must allow the same
 * calls, docs/security.md#a-reader-in-another-account); in the same account, a resource policy
 * naming the account defers to the role's own policy, which the grant attaches as for any role.
 */
function grantImportedRole({ tokenKey, tokenTable, clientSecret }: AccessTokenResources, roleArn: string | undefined) {
  if (roleArn === undefined) {
    throw new Error(
      'grantAccessTokenRead: grant a role (of this app, or imported with Role.fromRoleArn); only a role ARN identifies a reader (docs/security.md#granting-a-service)',
    );
  }
  tokenKey.addReaderArn(roleArn);
  // The account as principal and the role in a condition: a policy naming a role that does not
  // exist (yet) would be refused.
  const byRole = { principals: [new AccountPrincipal(accountOfArn(roleArn))], resources: ['*'] };
  const thisRole = { ArnEquals: { 'aws:PrincipalArn': roleArn } };
  for (const { actions, conditions } of readerTableStatements(tokenTable.tableArn)) {
    tokenTable.addToResourcePolicy(
      new PolicyStatement({ ...byRole, actions, conditions: { ...conditions, ...thisRole } }),
    );
  }
  clientSecret.secret.addToResourcePolicy(
    new PolicyStatement({ ...byRole, actions: ['secretsmanager:GetSecretValue'], conditions: thisRole }),
  );
}
