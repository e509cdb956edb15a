/**
 * The token table's attributes, and which of them each role of the table names: one list per
 * role, used by that role's requests (its projections and expressions), by the stack's DynamoDB
 * fine-grained permissions (infra/token-access.ts) and by the `humanId` index projection, so the
 * three cannot drift apart (docs/security.md#who-can-decrypt). Constants only: the stack imports
 * this file at synth time.
 */

/**
 * The encryption context key that binds an access token's KMS ciphertext to its record: the
 * context is `{ clientUserId: <the record's key> }`, so a ciphertext copied to another record does
 * not decrypt, and the key policy can tell an access token from the tables' and the secret's data
 * keys (docs/security.md).
 */
export const ACCESS_TOKEN_CONTEXT_KEY = 'clientUserId';

/** The key attributes of the table and its index, projected into the index without being named. */
export const TOKEN_TABLE_KEY_ATTRIBUTES = ['clientUserId', 'humanId'] as const;

/**
 * Attributes that hold an access token or describe a minted one: never readable nor writable by
 * public-token recovery or `/connect-tokens`, never projected into the `humanId` index.
 */
export const ACCESS_TOKEN_ATTRIBUTES = [
  /** Legacy plaintext access token (records written before per-record encryption). */
  'accessToken',
  /** The v1 access token, KMS ciphertext bound to the record's `clientUserId`. */
  'accessTokenCiphertext',
  /** The current generation's minted access token, KMS ciphertext. */
  'mintedAccessTokenCiphertext',
  /** When the minted access token expires. */
  'mintedAccessTokenExpiresAt',
  /** When Human API issued the minted access token (newest wins). */
  'mintedAccessTokenIssuedAt',
] as const;

/**
 * What public-token recovery reads, and so what the `humanId` index projects (keys included:
 * DynamoDB projects them anyway). Nothing here is an access token.
 */
export const RECOVERY_READ_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'clientId',
  'publicToken',
  'publicTokenIssuedAt',
  'version',
] as const;

/** Legacy: when Human API issued both tokens of a record written before per-token issue times. */
export const LEGACY_ISSUE_TIME_ATTRIBUTE = 'exchangedAt';

/**
 * Every attribute public-token recovery may name in a write (update and condition expressions):
 * the read list plus the bookkeeping a publicToken refresh sets or checks, and the tombstone a
 * deleted user leaves, which no token issued before it may pass (newest-wins.ts).
 */
export const RECOVERY_WRITE_ATTRIBUTES = [
  ...RECOVERY_READ_ATTRIBUTES,
  'createdAt',
  'updatedAt',
  LEGACY_ISSUE_TIME_ATTRIBUTE,
  'lastWriteId',
  'connectedAt',
  'deletedAt',
] as const;

/**
 * Every attribute public-token recovery may name in a read: the write list plus
 * `accessTokenIssuedAt`, a timestamp it may read (newest-wins checks) but never writes.
 */
export const RECOVERY_READABLE_ATTRIBUTES = [...RECOVERY_WRITE_ATTRIBUTES, 'accessTokenIssuedAt'] as const;

/**
 * Every attribute `/connect-tokens` reads (its `ProjectionExpression`): a v1 record shows a
 * connection by its publicToken; a record marked `reconnectRequired` does not count as connected.
 */
export const CONNECT_USER_READ_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'connectedAt',
  'publicToken',
  'reconnectRequired',
] as const;

/**
 * Every attribute `/connect-tokens` names in its writes (key, update and condition expressions):
 * recording a user on a deleted user's tombstone removes its `purgeAt`, or the record would expire.
 */
export const CONNECT_USER_WRITE_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'clientId',
  'createdAt',
  'updatedAt',
  'lastWriteId',
  'connectedAt',
  'reconnectRequired',
  'version',
  'purgeAt',
] as const;

/**
 * What marking a user to connect again names (`markReconnectRequired` in connect-users.ts): the
 * data gateway's only write besides minting, when Human API refuses the user's token.
 */
export const RECONNECT_MARK_ATTRIBUTES = [
  'clientUserId',
  'reconnectRequired',
  'accessTokenRefusedAt',
  'updatedAt',
  'lastWriteId',
  'version',
] as const;

/**
 * What the access-token reader may write when it mints a current-generation access token: the
 * minted token and its times, and the bookkeeping of every write; the tombstone (`deletedAt`, and
 * `purgeAt`, which only a tombstone holds) is checked, never written. Nothing of the v1
 * accessToken or the publicToken.
 */
export const MINTING_WRITE_ATTRIBUTES = [
  'clientUserId',
  'mintedAccessTokenCiphertext',
  'mintedAccessTokenExpiresAt',
  'mintedAccessTokenIssuedAt',
  'connectedAt',
  'updatedAt',
  'lastWriteId',
  'deletedAt',
  'purgeAt',
  'version',
] as const;

/**
 * Everything the access-token reader reads: the key and the humanId (a deleted user's tombstone
 * has none), the v1 token (ciphertext, or the legacy plaintext), the minted token with its expiry,
 * and after a lost minting write the id of the write that won.
 */
export const READER_READ_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'accessTokenCiphertext',
  'accessToken',
  'accessTokenIssuedAt',
  LEGACY_ISSUE_TIME_ATTRIBUTE,
  'accessTokenRefusedAt',
  'mintedAccessTokenCiphertext',
  'mintedAccessTokenExpiresAt',
  'lastWriteId',
] as const;

/**
 * The idempotency records a finish created for the user (ids and expiry, never their contents):
 * each holds a publicToken of the user's, so a deletion removes them (docs/design.md#deleting-a-user).
 */
export const IDEMPOTENCY_RECORDS_ATTRIBUTE = 'idempotencyRecords';

/**
 * What a deletion reads before it writes the tombstone: whether the record holds a user, when its
 * tokens were issued (the tombstone's time is never earlier than a token it removes), an earlier
 * tombstone's time, the idempotency records to remove, and what its write is conditioned on. No
 * token: a deletion never reads one.
 */
export const DELETION_READ_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'accessTokenIssuedAt',
  'publicTokenIssuedAt',
  'mintedAccessTokenIssuedAt',
  LEGACY_ISSUE_TIME_ATTRIBUTE,
  'deletedAt',
  'lastWriteId',
  'version',
  IDEMPOTENCY_RECORDS_ATTRIBUTE,
] as const;

/**
 * What a tombstone removes: every token, every identity attribute and every marker of a connection.
 * A later connection starts from nothing (its `createdAt` is new).
 */
export const TOMBSTONE_REMOVED_ATTRIBUTES = [
  'humanId',
  'clientId',
  ...ACCESS_TOKEN_ATTRIBUTES,
  'accessTokenIssuedAt',
  'publicToken',
  'publicTokenIssuedAt',
  LEGACY_ISSUE_TIME_ATTRIBUTE,
  'connectedAt',
  'reconnectRequired',
  'accessTokenRefusedAt',
  'createdAt',
] as const;

/**
 * Every attribute a deletion names in its write: what it removes, the tombstone it sets (`deletedAt`,
 * `purgeAt`) and the bookkeeping of every write. It may return nothing (`ReturnValues: NONE`), so
 * naming a token attribute to remove it never lets it read one (infra/token-access.ts).
 */
export const DELETION_WRITE_ATTRIBUTES = [
  'clientUserId',
  ...TOMBSTONE_REMOVED_ATTRIBUTES,
  'deletedAt',
  'purgeAt',
  'updatedAt',
  'lastWriteId',
  'version',
] as const;

/**
 * The key the redrive's probe reads to learn whether the table answers (probe.ts): a read of its
 * key attribute alone, which the redrive's role may make and nothing else. It reveals nothing,
 * even were a user to have this id.
 */
export const PROBE_KEY = 'humanapi-connect:table-probe';
