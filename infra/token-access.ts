/**
 * Who may do what with the stored tokens (docs/security.md): the IAM statements of the stack's
 * functions and of the services the team grants with `grantAccessTokenRead`. Access tokens are
 * KMS ciphertext bound to an encryption context `{ clientUserId }`; the tables are encrypted with
 * the same key, which DynamoDB uses on the caller's behalf (`kms:ViaService`), so "may use the
 * table" never implies "may decrypt an access token".
 */
import { Annotations, Aws, Tags } from 'aws-cdk-lib';
import { Grant, type IGrantable, Role } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  CONNECT_USER_READ_ATTRIBUTES,
  CONNECT_USER_WRITE_ATTRIBUTES,
} from '../functions/adapters/connect-user-store.js';
import {
  MINTING_WRITE_ATTRIBUTES,
  RECOVERY_READABLE_ATTRIBUTES,
  RECOVERY_WRITE_ATTRIBUTES,
} from '../functions/commons/token-attributes.js';
import { ACCESS_TOKEN_READER_TAG } from './token-key.js';

/** The encryption context key that binds an access token's ciphertext to its record. */
export const ACCESS_TOKEN_CONTEXT_KEY = 'clientUserId';

/** Conditions that match only KMS calls on a per-record access token (context `{ clientUserId }` alone). */
const ACCESS_TOKEN_CONTEXT = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [ACCESS_TOKEN_CONTEXT_KEY] },
  Null: { [`kms:EncryptionContext:${ACCESS_TOKEN_CONTEXT_KEY}`]: 'false' },
};

/**
 * Lets `grantee` use tables encrypted with `key` through DynamoDB only: DynamoDB calls KMS with
 * the caller's permissions to read and write the table's own data key. Calls made directly to
 * KMS (an access token's ciphertext) do not match `kms:ViaService`.
 */
export function grantTableKeyThroughDynamoDb(key: IKey, grantee: IGrantable, { write }: { write: boolean }): void {
  // A key the stack created lets the account's principals use it through DynamoDB already
  // (token-key.ts): the role then needs, and gets, nothing. An imported key's policy is its owner's.
  if (key instanceof Key) return;
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:DescribeKey', ...(write ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [])],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
  });
}

/**
 * Lets `grantee` use `key` only as SQS does for the outbox queues it encrypts: a producer needs a
 * data key (GenerateDataKey, and Decrypt of SQS's cached data key), a consumer Decrypt. Only through
 * SQS (`kms:ViaService`): the grantee cannot call KMS with it directly.
 */
export function grantQueueKeyThroughSqs(key: IKey, grantee: IGrantable, { send }: { send: boolean }): void {
  // As for the tables (grantTableKeyThroughDynamoDb): nothing for a key the stack created.
  if (key instanceof Key) return;
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', ...(send ? ['kms:GenerateDataKey'] : [])],
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.amazonaws.com` } },
  });
}

/** Lets `grantee` encrypt access tokens for their records (`kms:Encrypt` with the record's context), not decrypt them. */
export function grantAccessTokenEncrypt(key: IKey, grantee: IGrantable): void {
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Encrypt'],
    resourceArns: [key.keyArn],
    conditions: ACCESS_TOKEN_CONTEXT,
  });
}

/**
 * DynamoDB fine-grained access: `actions` on `resourceArns` only while the request names no
 * attribute outside `attributes` (`dynamodb:Attributes`), reads name them explicitly
 * (`dynamodb:Select`) and writes return at most what they updated (`dynamodb:ReturnValues`).
 */
function grantOnAttributes(
  grantee: IGrantable,
  {
    actions,
    resourceArns,
    attributes,
    returnValues,
  }: {
    actions: string[];
    resourceArns: string[];
    attributes: readonly string[];
    /** For writes: the `ReturnValues` allowed. Reads must select specific attributes instead. */
    returnValues?: string | string[];
  },
): void {
  Grant.addToPrincipal({
    grantee,
    actions,
    resourceArns,
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] },
      StringEqualsIfExists:
        returnValues === undefined
          ? { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' }
          : { 'dynamodb:ReturnValues': returnValues },
    },
  });
}

/**
 * Public-token recovery on the token table with DynamoDB fine-grained access: reads must name
 * their attributes (`ProjectionExpression`, `Select: SPECIFIC_ATTRIBUTES`) from the readable list,
 * writes may name only the write list and return only what they updated. No access-token attribute
 * is in either list (functions/commons/token-attributes.ts).
 *
 * @param tableArn - the token table
 * @param indexArn - the `humanId` index, queried by recovery
 */
export function grantPublicTokenRecovery(grantee: IGrantable, tableArn: string, indexArn: string): void {
  grantOnAttributes(grantee, {
    actions: ['dynamodb:GetItem', 'dynamodb:Query'],
    resourceArns: [tableArn, indexArn],
    attributes: RECOVERY_READABLE_ATTRIBUTES,
  });
  grantOnAttributes(grantee, {
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [tableArn],
    attributes: RECOVERY_WRITE_ATTRIBUTES,
    returnValues: ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
  });
}

/**
 * `/connect-tokens` on the token table with DynamoDB fine-grained access: `GetItem` naming only
 * what connect-user-store reads (its `ProjectionExpression`), `UpdateItem` naming only what it
 * writes and returning nothing or what it updated; no Query, no index. No access-token attribute
 * is in either list (functions/adapters/connect-user-store.ts).
 *
 * @param tableArn - the token table
 */
export function grantConnectUserAccess(grantee: IGrantable, tableArn: string): void {
  grantOnAttributes(grantee, {
    actions: ['dynamodb:GetItem'],
    resourceArns: [tableArn],
    attributes: CONNECT_USER_READ_ATTRIBUTES,
  });
  grantOnAttributes(grantee, {
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [tableArn],
    attributes: CONNECT_USER_WRITE_ATTRIBUTES,
    returnValues: ['NONE', 'UPDATED_NEW'],
  });
}

/**
 * Lets `grantee` read access tokens with the reader module (functions/reader/read-access-token.ts):
 * `GetItem` on the token table, and `kms:Decrypt` of per-record ciphertexts (context
 * `{ clientUserId }`) plus the table key through DynamoDB.
 */
export function grantAccessTokenRead(key: IKey, tableArn: string, secret: ISecret, grantee: IGrantable): void {
  // The key policy refuses access-token decrypts to untagged principals (token-key.ts).
  const principal = grantee.grantPrincipal;
  if (principal instanceof Role) {
    Tags.of(principal).add(ACCESS_TOKEN_READER_TAG.key, ACCESS_TOKEN_READER_TAG.value);
  } else {
    Annotations.of(key).addInfo(
      `grantAccessTokenRead: tag the granted principal ${ACCESS_TOKEN_READER_TAG.key}=${ACCESS_TOKEN_READER_TAG.value} yourself; only roles defined in CDK are tagged here (docs/security.md)`,
    );
  }
  Grant.addToPrincipal({ grantee, actions: ['dynamodb:GetItem'], resourceArns: [tableArn] });
  // Minting (current generation): the minted token and its times, nothing else of the record.
  grantOnAttributes(grantee, {
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [tableArn],
    attributes: MINTING_WRITE_ATTRIBUTES,
    returnValues: 'NONE',
  });
  grantTableKeyThroughDynamoDb(key, grantee, { write: true });
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt', 'kms:Encrypt'],
    resourceArns: [key.keyArn],
    conditions: ACCESS_TOKEN_CONTEXT,
  });
  // Minting asks Human API with the client secret.
  secret.grantRead(grantee);
}
