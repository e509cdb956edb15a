/**
 * What the domain needs from the world, as the domain names it: plain interfaces and the values
 * they carry. Adapters (functions/adapters/) implement them; the domain imports no adapter, and
 * tests hand the domain fakes of these.
 */
import type { UserPublicToken } from '../contract/answers.js';
import type { NotificationHint } from '../contract/notifications.js';

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
}

/** Per-record encryption of access tokens (docs/design.md#security-model). */
export interface TokenCipher {
  /**
   * Encrypts `plaintext` for the record of `clientUserId`.
   *
   * @returns the KMS ciphertext blob, base64
   * @throws {DependencyUnavailableError} when KMS fails (after the SDK's retries)
   */
  encrypt(clientUserId: string, plaintext: string): Promise<string>;
}

/** Where a grant goes when the token write fails after Human API answered (docs/design.md#outbox). */
export interface GrantOutbox {
  /**
   * Queues a grant whose write failed.
   *
   * @throws {DependencyUnavailableError} when SQS fails (after the SDK's retries)
   */
  send(grant: TokenGrant): Promise<void>;
}

/** Reads the client secret; `refresh` bypasses the cache (after Human API refused it). */
export interface ClientSecretSource {
  getClientSecret(options?: { readonly refresh?: boolean }): Promise<string>;
}

/** Human API's answer to a session-token exchange, validated. */
export interface SessionExchange {
  readonly humanId: string;
  readonly accessToken: string;
  readonly publicToken: string;
  readonly clientId: string;
  readonly clientUserId: string;
}

/** Human API's v1 Connect endpoints (docs/design.md#human-api). */
export interface HumanApiConnect {
  /** `POST /v1/connect/tokens`: exchanges a signed session token for the user's tokens. */
  exchangeSessionToken(request: {
    readonly humanId: string;
    readonly clientId: string;
    readonly sessionToken: string;
    readonly clientSecret: string;
  }): Promise<SessionExchange>;
  /** `POST /v1/connect/publictokens`: issues a fresh publicToken for a known user. */
  createPublicToken(request: {
    readonly humanId: string;
    readonly clientId: string;
    readonly clientSecret: string;
  }): Promise<{ readonly humanId: string; readonly publicToken: string }>;
}

/** A token to open Connect with, and the user it is for. */
export interface ConnectToken {
  readonly token: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
  /** Human API's ID for the user; an id-token answer may not carry it. */
  readonly humanId: string | undefined;
}

/** A health-data access token minted on demand. */
export interface MintedAccessToken {
  readonly accessToken: string;
  /** Seconds until it expires (Human API: 86400). */
  readonly expiresIn: number;
}

/** The app credentials and the user every `/v1/connect/token` call names. */
export interface ConnectTokenRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientUserId: string;
}

/** Human API's current-generation token endpoint (docs/connect-generations.md). */
export interface HumanApiAuth {
  /** A token that opens Connect for a new user (the e-mail is required). */
  mintSessionToken(request: ConnectTokenRequest & { readonly email: string }): Promise<ConnectToken>;
  /** A token that opens Connect for a user who connected. */
  mintIdToken(request: ConnectTokenRequest & { readonly email?: string | undefined }): Promise<ConnectToken>;
  /** An access token for Human API's data API. */
  mintAccessToken(request: ConnectTokenRequest): Promise<MintedAccessToken>;
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

/** Decrypts access tokens: the reader's side of {@link TokenCipher}. */
export interface TokenDecipher {
  /**
   * Decrypts a record's ciphertext with the record's encryption context.
   *
   * @throws {AccessTokenUndecryptableError} when KMS refuses it (another record's, another key's)
   * @throws {DependencyUnavailableError} when KMS fails otherwise
   */
  decrypt(clientUserId: string, ciphertext: string): Promise<string>;
}

/** Where the drain puts a queued message it can never apply (docs/design.md#outbox). */
export interface RejectedGrants {
  /**
   * Keeps `body` aside with why it was rejected; it is never redriven.
   *
   * @throws {DependencyUnavailableError} when SQS fails (the message is then received again)
   */
  reject(body: string, problem: string): Promise<void>;
}

/** The outbox's dead-letter queue, as the redrive sees it (docs/design.md#outbox). */
export interface DeadLetterQueue {
  /** How many grants wait in it (approximately, as SQS counts). */
  depth(): Promise<number>;
  /**
   * Moves every grant back to the outbox, where the drain applies it with the newest-wins rule.
   *
   * @returns `already running` when a move started earlier is still going
   */
  moveBackToOutbox(): Promise<'started' | 'already running'>;
}

/** Whether the token table answers now. */
export interface TableProbe {
  /** @throws {DependencyUnavailableError} when DynamoDB does not answer */
  probe(): Promise<void>;
}

/**
 * A secret that can be rotated without a redeploy (docs/notifications.md#rotation): its value now
 * (`AWSCURRENT`) and, for a grace period after a rotation, the value before (`AWSPREVIOUS`).
 */
export interface RotatingSecret {
  /**
   * The values accepted now, the current one first; cached.
   *
   * @param options.refresh - re-read them (after a value was refused: the cache may be stale);
   *   rate-limited, so refusals cannot drive reads
   * @throws {DependencyUnavailableError} when Secrets Manager fails or holds no usable value
   */
  acceptedValues(options?: { readonly refresh?: boolean }): Promise<readonly string[]>;
}

/** The queue verified notifications are handed to, which the team's consumers read (docs/notifications.md). */
export interface NotificationQueue {
  /**
   * Hands the hints over durably, each deduplicated by its `notificationId`.
   *
   * @throws {DependencyUnavailableError} when any of them could not be sent (after retries)
   */
  send(hints: readonly NotificationHint[]): Promise<void>;
}
