/**
 * What the domain needs from the world, as the domain names it: plain interfaces and the values
 * they carry. Adapters (functions/adapters/) implement them; the domain imports no adapter, and
 * tests hand the domain fakes of these.
 */
import type { UserPublicToken } from '../contract/answers.js';

/** The tokens a finished session yields, the accessToken already encrypted. Also the outbox message. */
export interface TokenGrant {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly clientId: string;
  /** The access token as KMS ciphertext (base64), bound to `clientUserId`. */
  readonly accessTokenCiphertext: string;
  /** When Human API answered the exchange (ISO 8601). */
  readonly accessTokenIssuedAt: string;
  readonly publicToken: string;
  /** When Human API answered the exchange (ISO 8601). */
  readonly publicTokenIssuedAt: string;
}

/** A user's publicToken as stored, with the record's write count. */
export interface StoredPublicToken extends UserPublicToken {
  /** +1 per applied write. */
  readonly version: number;
}

/**
 * An idempotency record a finish created (docs/design.md#deleting-a-user): it will hold the answer,
 * the user's publicToken, so the user's record lists it and a deletion removes it.
 */
export interface IdempotencyRecordRef {
  /** Its key in the idempotency table. */
  readonly id: string;
  /** When it expires (epoch seconds): an expired entry can be dropped from the list. */
  readonly expiresAt: number;
}

/** The token table as a finish and the outbox drain write it (docs/design.md#storage-and-integrity). */
export interface GrantStore {
  /**
   * Stores a grant's tokens, each only if issued later than the stored one (and than the user's
   * deletion), keeping `createdAt`; creates the record when there is none.
   *
   * @param idempotencyRecord - the finish's idempotency record, listed on the user's record (the
   *   drain has none): it will hold the publicToken answered, which a deletion must remove
   * @returns the stored publicToken after the write: what a caller should answer (a newer one
   *   stands, and is answered); `undefined` when the user was deleted after the grant was issued
   * @throws {DependencyUnavailableError} when DynamoDB fails, or other writers keep winning
   */
  storeGrant(
    grant: TokenGrant,
    now: Date,
    idempotencyRecord?: IdempotencyRecordRef,
  ): Promise<StoredPublicToken | undefined>;
  /** The user's stored publicToken (strongly consistent), or `undefined` without a record or a token. */
  currentPublicToken(clientUserId: string): Promise<StoredPublicToken | undefined>;
  /** When the user was last deleted (strongly consistent), or `undefined` when never (or the tombstone expired). */
  deletedAt(clientUserId: string): Promise<string | undefined>;
}

/** What leaving a user's tombstone found and did (docs/design.md#deleting-a-user). */
export interface TombstoneWrite {
  /** Whether the record held the user (a humanId, and any tokens): `false` for no record or a tombstone. */
  readonly removedRecord: boolean;
  /** The tombstone's time (ISO 8601): no token issued before it is stored again. */
  readonly deletedAt: string;
  /** The idempotency records the user's record listed: each may hold one of the user's publicTokens. */
  readonly idempotencyRecordIds: readonly string[];
}

/** The token table as a deletion writes it: never a token read, only removed. */
export interface Tombstones {
  /**
   * Replaces the user's record with a tombstone in one conditional write: every token and identity
   * attribute removed, `deletedAt` the later of `now` and an earlier tombstone's, expiring
   * `lifetimeMs` after it. Writes one for a user never seen too (a grant may be queued for them).
   *
   * @throws {DependencyUnavailableError} when DynamoDB fails, or other writers keep winning
   */
  writeTombstone(clientUserId: string, now: Date, lifetimeMs: number): Promise<TombstoneWrite>;
}

/** The idempotency table as a deletion sees it: records removed by id, never read. */
export interface IdempotencyRecordRemover {
  /**
   * Removes a record.
   *
   * @returns `completed` when a finished record was removed, `in progress` when one whose finish is
   *   still running was (completing it would write it again), `absent` when there was none
   * @throws {DependencyUnavailableError} when DynamoDB fails
   */
  remove(id: string): Promise<'completed' | 'in progress' | 'absent'>;
}

/** A publicToken a refresh brought. */
export interface PublicTokenUpdate {
  readonly clientUserId: string;
  /** The record's humanId: a record of another humanId is left alone. */
  readonly humanId: string;
  readonly publicToken: string;
  /** When Human API answered the refresh (ISO 8601). */
  readonly publicTokenIssuedAt: string;
}

/** What public-token recovery sees of a record: never an access token. */
export interface RecoveryRecord {
  readonly clientUserId: string;
  readonly humanId: string;
  /** `''` when the record holds none yet (a current-generation user). */
  readonly publicToken: string;
  readonly version: number;
}

/** The token table as public-token recovery reads and writes it (no access-token attribute). */
export interface RecoveryStore {
  /** The record of `clientUserId` (strongly consistent); `undefined` without one (or a deleted user's). */
  getByClientUserId(clientUserId: string): Promise<RecoveryRecord | undefined>;
  /** The record of `humanId`, through the index; `undefined` without one. */
  findByHumanId(humanId: string): Promise<RecoveryRecord | undefined>;
  /**
   * Stores a refreshed publicToken if issued later than the stored one; never touches the access
   * token, never creates a record.
   *
   * @returns the stored publicToken after the write (a concurrent finish's when issued later), or
   *   `undefined` when the user has no record
   */
  storePublicToken(update: PublicTokenUpdate, now: Date): Promise<RecoveryRecord | undefined>;
}

/** A user as `/connect-tokens` sees the record. */
export interface ConnectUser {
  readonly clientUserId: string;
  /** Human API's ID for the user, once known. */
  readonly humanId: string | undefined;
  /** Whether the record shows a connection Human API still honours. */
  readonly connected: boolean;
  /**
   * Whether Human API refused the user a token after they connected (deleted there, or every
   * source removed): the stored humanId may not be theirs any more.
   */
  readonly reconnectRequired?: boolean;
}

/** What {@link ConnectUserStore.recordConnectUser} writes. */
export interface ConnectUserWrite {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly clientId: string;
  /** `true`: set `connectedAt` (kept once set) and clear a pending reconnect; `false`: neither. */
  readonly connected: boolean;
  readonly now: Date;
}

/** The token table as `/connect-tokens` reads and writes it (no access-token attribute). */
export interface ConnectUserStore {
  /** The user's humanId and connection state (strongly consistent). */
  getConnectUser(clientUserId: string): Promise<ConnectUser | undefined>;
  /**
   * Records the user's humanId: creates a record without tokens, or on an existing record sets
   * what is missing, keeping every token.
   *
   * @throws {HumanApiFailedError} when the record holds another humanId (Human API answered inconsistently)
   */
  recordConnectUser(write: ConnectUserWrite): Promise<void>;
  /**
   * Marks the user as no longer connected (Human API refused them a token): Connect must open in
   * create mode again. Keeps every token and the humanId.
   */
  markReconnectRequired(clientUserId: string, now: Date): Promise<void>;
  /**
   * Records that Human API refused the user's stored v1 access token (`accessTokenRefusedAt`): no
   * reader uses it again, and a current-generation token is minted instead; a v1 token issued
   * later (a new finish) is used again. Keeps every token; never creates a record.
   */
  markAccessTokenRefused(clientUserId: string, now: Date): Promise<void>;
}

/** The access tokens a record holds, still encrypted. */
export interface StoredAccessTokens {
  /** The v1 access token, KMS ciphertext (base64). */
  readonly ciphertext: string | undefined;
  /** Legacy: the v1 access token in plain text (records written before per-record encryption). */
  readonly legacyPlaintext: string | undefined;
  /** The current generation's minted access token, KMS ciphertext, and when it expires (ISO 8601). */
  readonly minted: { readonly ciphertext: string; readonly expiresAt: string } | undefined;
}

/** A current-generation access token minted on demand, already encrypted. */
export interface MintedAccessTokenUpdate {
  readonly clientUserId: string;
  /** The access token as KMS ciphertext (base64), bound to `clientUserId`. */
  readonly ciphertext: string;
  /** When it expires (ISO 8601). */
  readonly expiresAt: string;
  /** When Human API answered the mint (ISO 8601): a token issued later is never replaced by this one. */
  readonly issuedAt: string;
}

/** The token table as the access-token reader reads it and stores what it mints. */
export interface AccessTokenRecords {
  /** The user's stored access tokens (strongly consistent); `undefined` without a record (or a deleted user's). */
  read(clientUserId: string): Promise<StoredAccessTokens | undefined>;
  /**
   * Stores a minted access token if it was issued later than the stored one (and than the user's
   * deletion), on an existing record only; sets `connectedAt` when missing (Human API grants
   * access tokens only to a user who connected).
   *
   * @returns whether this token is now the stored one
   */
  storeMinted(update: MintedAccessTokenUpdate, now: Date): Promise<boolean>;
}

/** Whether the token table answers now. */
export interface TableProbe {
  /** @throws {DependencyUnavailableError} when DynamoDB does not answer */
  probe(): Promise<void>;
}
