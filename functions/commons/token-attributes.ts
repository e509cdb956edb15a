/**
 * Which token-table attributes hold access tokens and which ones `recoverPublicToken` may touch
 * (docs/security.md). One list, used by the stack's fine-grained DynamoDB permissions, the `humanId`
 * index projection and the token store's projected reads, so the three cannot drift apart.
 */

/**
 * The encryption context key that binds an access token's KMS ciphertext to its record: the
 * context is `{ clientUserId: <the record's key> }`, so a ciphertext copied to another record does
 * not decrypt, and the key policy can tell an access token from the tables' and the secret's data
 * keys (docs/security.md).
 */
export const ACCESS_TOKEN_CONTEXT_KEY = 'clientUserId';

/**
 * Attributes that hold an access token or describe a minted one: never readable nor writable by
 * the public-token recovery path, never projected into the `humanId` index.
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

/**
 * Every attribute public-token recovery may name in a write (update and condition expressions):
 * the read list plus the bookkeeping a publicToken refresh sets or checks.
 */
export const RECOVERY_WRITE_ATTRIBUTES = [
  ...RECOVERY_READ_ATTRIBUTES,
  'createdAt',
  'updatedAt',
  /** Legacy: when Human API issued the stored tokens. */
  'exchangedAt',
  'lastWriteId',
  'connectedAt',
] as const;

/**
 * Every attribute public-token recovery may name in a read: the write list plus
 * `accessTokenIssuedAt`, a timestamp it may read (newest-wins checks) but never writes.
 */
export const RECOVERY_READABLE_ATTRIBUTES = [...RECOVERY_WRITE_ATTRIBUTES, 'accessTokenIssuedAt'] as const;

/** The key attributes of the token table and its index, projected into the index without being named. */
export const TOKEN_TABLE_KEY_ATTRIBUTES = ['clientUserId', 'humanId'] as const;

/**
 * What the access-token reader may write when it mints a current-generation access token
 * (functions/reader/read-access-token.ts): the minted token and its times, and the bookkeeping of
 * every write. Nothing of the v1 accessToken or the publicToken.
 */
export const MINTING_WRITE_ATTRIBUTES = [
  'clientUserId',
  'mintedAccessTokenCiphertext',
  'mintedAccessTokenExpiresAt',
  'mintedAccessTokenIssuedAt',
  'connectedAt',
  'updatedAt',
  'lastWriteId',
  'version',
] as const;

/**
 * Everything the access-token reader reads (functions/reader/read-access-token.ts): the key, the v1
 * token (ciphertext, or the legacy plaintext), the minted token with its expiry, and after a lost
 * minting write the id of the write that won. The stack allows readers these and no others.
 */
export const READER_READ_ATTRIBUTES = [
  'clientUserId',
  'accessTokenCiphertext',
  'accessToken',
  'mintedAccessTokenCiphertext',
  'mintedAccessTokenExpiresAt',
  'lastWriteId',
] as const;
