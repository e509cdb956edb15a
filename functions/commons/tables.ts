/**
 * The DynamoDB table definitions: one source of truth for the CDK stack
 * (`infra/`), local mode's table creation (`local/`) and the token store.
 */

/** Attribute types DynamoDB keys can have. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** A key attribute. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

/** A table: its partition key, global secondary indexes (all attributes projected) and TTL attribute. */
export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly { readonly indexName: string; readonly partitionKey: KeyAttribute }[];
  readonly timeToLiveAttribute?: string;
}

/** Name of the token table's index on `humanId`. */
export const HUMAN_ID_INDEX_NAME = 'humanId-index';

/**
 * User token records, one per `clientUserId` (docs/design.md#storage-and-integrity). A deleted
 * user's tombstone is removed by TTL (`purgeAt`) once no queued grant can be older than it.
 */
export const TOKEN_TABLE: TableDefinition = {
  partitionKey: { name: 'clientUserId', type: 'S' },
  globalSecondaryIndexes: [{ indexName: HUMAN_ID_INDEX_NAME, partitionKey: { name: 'humanId', type: 'S' } }],
  timeToLiveAttribute: 'purgeAt',
};

/** Powertools Idempotency records (its default attribute names), expired by TTL. */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  partitionKey: { name: 'id', type: 'S' },
  globalSecondaryIndexes: [],
  timeToLiveAttribute: 'expiration',
};

/** Powertools' attribute holding an idempotency record's state (`INPROGRESS` or `COMPLETED`). */
export const IDEMPOTENCY_STATUS_ATTRIBUTE = 'status';

/**
 * What a deletion names when it removes idempotency records (its key, and the state its conditions
 * test): never the answer they hold (docs/security.md).
 */
export const IDEMPOTENCY_DELETION_ATTRIBUTES = ['id', IDEMPOTENCY_STATUS_ATTRIBUTE] as const;
