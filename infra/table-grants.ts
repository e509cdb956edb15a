/**
 * DynamoDB fine-grained access for the route functions that never see an access token: each may
 * read and write only the attributes its role's list names (functions/adapters/token-table/
 * attributes.ts), reads must name them and writes return at most what they updated
 * (docs/security.md#who-can-decrypt).
 */
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  CONNECT_USER_READ_ATTRIBUTES,
  CONNECT_USER_WRITE_ATTRIBUTES,
  DELETION_READ_ATTRIBUTES,
  DELETION_WRITE_ATTRIBUTES,
  RECOVERY_READABLE_ATTRIBUTES,
  RECOVERY_WRITE_ATTRIBUTES,
} from '../functions/adapters/token-table/attributes.js';
import { IDEMPOTENCY_DELETION_ATTRIBUTES } from '../functions/commons/tables.js';

/**
 * DynamoDB fine-grained access: `actions` on `resourceArns` only while the request names no
 * attribute outside `attributes` (`dynamodb:Attributes`), reads name them explicitly
 * (`dynamodb:Select`) and writes return at most what they updated (`dynamodb:ReturnValues`).
 */
export function attributeStatement({
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
}) {
  return {
    actions,
    resourceArns,
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...attributes] },
      StringEqualsIfExists:
        returnValues === undefined
          ? { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' }
          : { 'dynamodb:ReturnValues': returnValues },
    },
  };
}

/** Grants {@link attributeStatement}'s fine-grained access to `grantee`. */
export function grantOnAttributes(grantee: IGrantable, statement: Parameters<typeof attributeStatement>[0]): void {
  Grant.addToPrincipal({ grantee, ...attributeStatement(statement) });
}

/**
 * Public-token recovery on the token table with DynamoDB fine-grained access: reads must name
 * their attributes (`ProjectionExpression`, `Select: SPECIFIC_ATTRIBUTES`) from the readable list,
 * writes may name only the write list and return only what they updated. No access-token attribute
 * is in either list (functions/adapters/token-table/attributes.ts).
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
 * is in either list (functions/adapters/token-table/attributes.ts).
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
 * Deleting users with DynamoDB fine-grained access (docs/security.md): on the token table,
 * `GetItem` naming only what a deletion reads (no token attribute) and `UpdateItem` naming only
 * what the tombstone writes and removes, returning nothing, so naming a token to remove it never
 * reads it; on the idempotency table, `DeleteItem` naming only the key and the record's state,
 * returning nothing. No Query, no index, no Scan.
 *
 * @param tokenTableArn - the token table
 * @param idempotencyTableArn - the idempotency table
 */
export function grantUserDeletion(grantee: IGrantable, tokenTableArn: string, idempotencyTableArn: string): void {
  grantOnAttributes(grantee, {
    actions: ['dynamodb:GetItem'],
    resourceArns: [tokenTableArn],
    attributes: DELETION_READ_ATTRIBUTES,
  });
  grantOnAttributes(grantee, {
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [tokenTableArn],
    attributes: DELETION_WRITE_ATTRIBUTES,
    returnValues: 'NONE',
  });
  grantOnAttributes(grantee, {
    actions: ['dynamodb:DeleteItem'],
    resourceArns: [idempotencyTableArn],
    attributes: IDEMPOTENCY_DELETION_ATTRIBUTES,
    returnValues: 'NONE',
  });
}
