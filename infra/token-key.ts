/**
 * The customer-managed KMS key of the stack (docs/security.md): it encrypts the token and
 * idempotency tables, the outbox queues, the client secret the stack creates, the log groups,
 * and, per record, the access tokens themselves. Rotation on, retained with the data it protects.
 *
 * Who may decrypt an access token is written in the key policy itself, by principal ARN, so that
 * no IAM policy, session tag or grant outside the stack's control can widen it: only roles under
 * the backend's reader path ({@link TokenKey.readerPath}) and roles named by ARN
 * ({@link TokenKey.addReaderArn}) pass the `Deny`. ARNs and the path pattern are plain strings in
 * the key's own stack, so a reader in another stack or account never creates a reference back.
 */
import { Arn, ArnFormat, Aws, Duration, Lazy, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import { CfnGlobalTable, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { AccountPrincipal, AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct, type IConstruct } from 'constructs';
import { ACCESS_TOKEN_CONTEXT_KEY } from '../functions/adapters/token-table/attributes.js';

/**
 * The services that use the key for a caller (the tables, the outbox queues, the client secret),
 * with what they do with it: the statements of the AWS managed keys `aws/dynamodb`, `aws/sqs` and
 * `aws/secretsmanager`, narrowed to what these services need.
 */
export const KEY_USE_THROUGH_SERVICES = {
  dynamodb: [
    'kms:Encrypt',
    'kms:Decrypt',
    'kms:ReEncrypt*',
    'kms:GenerateDataKey*',
    'kms:DescribeKey',
    'kms:CreateGrant',
  ],
  sqs: ['kms:Decrypt', 'kms:GenerateDataKey'],
  secretsmanager: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
} as const;

/** A service of {@link KEY_USE_THROUGH_SERVICES}. */
export type KeyUsingService = keyof typeof KEY_USE_THROUGH_SERVICES;

/** `kms:ViaService` of a service in this stack's region. */
export const viaService = (service: KeyUsingService): string => `${service}.${Aws.REGION}.amazonaws.com`;

/**
 * The IAM path of the roles that may decrypt access tokens of the backend `scope` belongs to:
 * `/humanapi-connect/<backend id>/access-token-readers/`. `grantAccessTokenRead` puts a granted
 * role under it; a role's path is part of its ARN, so no tag, session tag or policy can make a
 * role outside it a reader.
 */
export function readerPathOf(backend: IConstruct): string {
  return `/humanapi-connect/${Names.uniqueId(backend)}/access-token-readers/`;
}

/** Props of {@link TokenKey}. */
export interface TokenKeyProps {
  /** A key to use instead of creating one; its policy is its owner's to manage (docs/security.md#a-key-of-your-own). */
  readonly existingKey: IKey | undefined;
  /** Alias of a created key, e.g. `alias/HumanConnectBackend/tokens`. */
  readonly alias: string;
  /** The reader path ({@link readerPathOf}) of the backend. */
  readonly readerPath: string;
}

/** The key that protects the stored tokens: created here, or the one given. */
export class TokenKey extends Construct {
  /** The key. */
  readonly key: IKey;
  /** The IAM path of roles that may decrypt access tokens. */
  readonly readerPath: string;
  /** Roles named by ARN that may decrypt access tokens (imported or in another account). */
  private readonly readerArns: string[] = [];

  constructor(scope: Construct, id: string, { existingKey, alias, readerPath }: TokenKeyProps) {
    super(scope, id);
    this.readerPath = readerPath;
    if (existingKey !== undefined) {
      this.key = existingKey;
      return;
    }
    // The default key policy gives the account's root principal the key, so IAM policies decide
    // who uses it directly; the statements below then narrow what any IAM policy can reach.
    const key = new Key(this, 'Key', {
      alias,
      description:
        'Human Connect backend: encrypts stored access tokens, the token tables, the outbox, the secret and logs',
      enableKeyRotation: true,
      // Records encrypted with it are retained; deleting the key would make them unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    for (const statement of tokenKeyPolicyStatements({
      readerArnPatterns: Lazy.list({ produce: () => this.readerArnPatterns() }),
    })) {
      key.addToResourcePolicy(statement);
    }
    this.key = key;
  }

  /**
   * Lets the role `roleArn` (a plain ARN: imported, or of another account) decrypt access tokens,
   * as far as the key policy decides: it passes the readers-only `Deny`, and a role of another
   * account gets the key's `Allow` (its own account must allow it too). No effect on a key given
   * by prop, whose policy is its owner's.
   */
  addReaderArn(roleArn: string): void {
    if (!(this.key instanceof Key)) return;
    if (this.readerArns.includes(roleArn)) return;
    this.readerArns.push(roleArn);
    // The role's account as principal, the role itself in a condition: a key policy naming a role
    // that does not exist (yet) would make KMS refuse the whole policy.
    const principals = [new AccountPrincipal(accountOfArn(roleArn))];
    const byThisRole = { ArnEquals: { 'aws:PrincipalArn': roleArn } };
    const index = this.readerArns.length - 1;
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: `AllowAccessTokenUseByReader${index}`,
        principals,
        actions: ['kms:Decrypt', 'kms:Encrypt'],
        resources: ['*'],
        conditions: { ...byThisRole, ...ACCESS_TOKEN_CONTEXT_CONDITIONS },
      }),
    );
    // The table and the secret it reads, through their services (another account's principals are
    // not covered by the key's statements for this account).
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: `AllowTableAndSecretUseByReader${index}`,
        principals,
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ...byThisRole,
          StringEquals: { 'kms:ViaService': [viaService('dynamodb'), viaService('secretsmanager')] },
        },
      }),
    );
  }

  /** The principal ARNs that pass the readers-only `Deny`: the reader path, and the readers named by ARN. */
  private readerArnPatterns(): string[] {
    return [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role${this.readerPath}*`, ...this.readerArns];
  }
}

/**
 * The account of a plain role ARN.
 *
 * @throws {Error} when the ARN is a token (a role of another stack: grant the role itself instead)
 */
export function accountOfArn(arn: string): string {
  const account = Token.isUnresolved(arn) ? undefined : Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).account;
  if (account === undefined || account === '') {
    throw new Error(`A reader named by ARN needs a plain role ARN, got ${arn}`);
  }
  return account;
}

/**
 * Conditions that match only KMS calls on one access token: encryption context `{ clientUserId }`
 * and nothing else (docs/security.md).
 */
export const ACCESS_TOKEN_CONTEXT_CONDITIONS = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [ACCESS_TOKEN_CONTEXT_KEY] },
  Null: { [`kms:EncryptionContext:${ACCESS_TOKEN_CONTEXT_KEY}`]: 'false' },
};

/** What the statements of the token key's policy are built from. */
export interface TokenKeyPolicyOptions {
  /**
   * ARN patterns of the principals that may decrypt access tokens: the reader path pattern
   * (`arn:aws:iam::<account>:role/humanapi-connect/<backend id>/access-token-readers/*`) and
   * readers named by ARN.
   */
  readonly readerArnPatterns: string[];
}

/**
 * The statements the token key's policy holds besides the account's default one (root `kms:*`,
 * which lets IAM policies decide): the statements a key given by prop must carry too
 * (docs/security.md#a-key-of-your-own, where they are printed and the access suite checks them).
 */
export function tokenKeyPolicyStatements({ readerArnPatterns }: TokenKeyPolicyOptions): PolicyStatement[] {
  return [
    // CloudWatch Logs encrypts log groups as its own service principal, and only for log groups
    // of this account and region (the encryption context names the log group).
    new PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
      principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
    // DynamoDB, SQS and Secrets Manager use the key for the tables, the outbox and the secret on
    // behalf of whoever calls them, as their AWS managed keys allow: for this account's principals,
    // through that service only (kms:ViaService), never in a direct call. Access to the data is
    // then decided by each service's own IAM permissions, and such a use yields a service's data
    // key, never an access token.
    ...Object.entries(KEY_USE_THROUGH_SERVICES).map(
      ([service, actions]) =>
        new PolicyStatement({
          sid: `AllowUseThrough${service}ForThisAccount`,
          principals: [new AnyPrincipal()],
          actions: [...actions],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:ViaService': viaService(service as KeyUsingService),
              'kms:CallerAccount': Aws.ACCOUNT_ID,
            },
          },
        }),
    ),
    // Only readers decrypt a ciphertext bound to a record (context clientUserId), whatever their
    // IAM policies, grants or tags say. Table keys (DynamoDB's context), the secret and logs are
    // not concerned.
    new PolicyStatement({
      sid: 'DenyAccessTokenDecryptToAllButReaders',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        Null: { [`kms:EncryptionContext:${ACCESS_TOKEN_CONTEXT_KEY}`]: 'false' },
        ArnNotLike: { 'aws:PrincipalArn': readerArnPatterns },
      },
    }),
    // KMS authorizes ReEncrypt as kms:ReEncryptFrom on the source key: allowed, it would move an
    // access token under another key (or this one with another context) and around the Deny
    // above. Nothing here re-encrypts, so nobody does it directly; the services that use the key
    // (above) and AWS service principals keep their own use.
    new PolicyStatement({
      sid: 'DenyDirectReEncryptFromToAll',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:ReEncryptFrom'],
      resources: ['*'],
      conditions: {
        Null: { 'kms:ViaService': 'true' },
        Bool: { 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  ];
}

/**
 * Encrypts a single-region `TableV2` with `key`. `TableEncryptionV2.customerManagedKey` refuses
 * region-agnostic stacks (it must know which replica is local), and this app is deployed to
 * whatever region the CLI targets, so the one replica's key is set on the template itself.
 * Create the table with no `encryption` prop.
 */
export function encryptTableWithKey(table: TableV2, key: IKey): void {
  const resource = table.node.defaultChild;
  if (!(resource instanceof CfnGlobalTable)) throw new Error(`${table.node.path} has no CfnGlobalTable`);
  resource.addPropertyOverride('SSESpecification', { SSEEnabled: true, SSEType: 'KMS' });
  resource.addPropertyOverride('Replicas.0.SSESpecification', { KMSMasterKeyId: key.keyArn });
}
