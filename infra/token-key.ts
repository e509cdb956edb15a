/**
 * The customer-managed KMS key of the stack (docs/security.md): it encrypts the token and
 * idempotency tables, the outbox queues, the client secret the stack creates, the log groups,
 * and, per record, the access tokens themselves. Rotation on, retained with the data it protects.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnGlobalTable, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The principal tag that names who may decrypt access tokens: the key policy refuses a per-record
 * decrypt to every principal without it, whatever its IAM policies say. `grantAccessTokenRead`
 * sets it on the roles it grants.
 */
export const ACCESS_TOKEN_READER_TAG = { key: 'humanapi-connect:access-token-reader', value: 'true' } as const;

/**
 * What DynamoDB (the tables) and SQS (the outbox queues) do with the key for a caller: the
 * statements of the AWS managed keys `aws/dynamodb` and `aws/sqs`, narrowed to what they need.
 */
const KEY_USE_THROUGH_SERVICES = {
  DynamoDB: [
    'kms:Encrypt',
    'kms:Decrypt',
    'kms:ReEncrypt*',
    'kms:GenerateDataKey*',
    'kms:DescribeKey',
    'kms:CreateGrant',
  ],
  SQS: ['kms:Decrypt', 'kms:GenerateDataKey'],
} as const;

/** Props of {@link TokenKey}. */
export interface TokenKeyProps {
  /** A key to use instead of creating one; its policy is its owner's to manage (docs/security.md). */
  readonly existingKey: IKey | undefined;
  /** Alias of a created key, e.g. `alias/HumanConnectBackend/tokens`. */
  readonly alias: string;
}

/** The key that protects the stored tokens: created here, or the one given. */
export class TokenKey extends Construct {
  /** The key. */
  readonly key: IKey;

  constructor(scope: Construct, id: string, { existingKey, alias }: TokenKeyProps) {
    super(scope, id);
    if (existingKey !== undefined) {
      this.key = existingKey;
      return;
    }
    // The default key policy gives the account's root principal the key, so IAM policies decide
    // who uses it directly; the stack's roles get only what they need (token-access.ts), and no
    // role of the stack may decrypt with it. Decrypting an access token additionally takes the
    // reader tag (below): an IAM policy alone is not enough.
    const key = new Key(this, 'Key', {
      alias,
      description:
        'Human Connect backend: encrypts stored access tokens, the token tables, the outbox, the secret and logs',
      enableKeyRotation: true,
      // Records encrypted with it are retained; deleting the key would make them unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    // CloudWatch Logs encrypts log groups as its own service principal, and only for log
    // groups of this account and region (the encryption context names the log group).
    key.addToResourcePolicy(
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
    );
    // DynamoDB and SQS use the key for the tables and the outbox on behalf of whoever calls them,
    // as the AWS managed keys of those services allow: for this account's principals, through that
    // service only (kms:ViaService), never in a direct call. The functions' roles thus need no KMS
    // permission to use the tables and queues, and hold no kms:Decrypt at all.
    for (const [service, actions] of Object.entries(KEY_USE_THROUGH_SERVICES)) {
      key.addToResourcePolicy(
        new PolicyStatement({
          sid: `AllowUseThrough${service}ForThisAccount`,
          principals: [new AnyPrincipal()],
          actions: [...actions],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:ViaService': `${service.toLowerCase()}.${Aws.REGION}.amazonaws.com`,
              'kms:CallerAccount': Aws.ACCOUNT_ID,
            },
          },
        }),
      );
    }
    // Only principals tagged as readers decrypt a ciphertext bound to a record (context
    // clientUserId). Table keys (DynamoDB's context), the secret and logs are not concerned.
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyAccessTokenDecryptToAllButTaggedReaders',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          Null: { 'kms:EncryptionContext:clientUserId': 'false' },
          StringNotEquals: { [`aws:PrincipalTag/${ACCESS_TOKEN_READER_TAG.key}`]: ACCESS_TOKEN_READER_TAG.value },
        },
      }),
    );
    this.key = key;
  }
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
