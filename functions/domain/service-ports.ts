/**
 * What the domain needs from the services around the token table, as the domain names them:
 * Human API (both Connect generations), KMS (the token cipher), Secrets Manager (the client secret
 * and the notifications' path secret) and the queues (the outbox, its dead letters and rejected
 * grants, the notifications queue). The token table's own ports are in ./ports.ts.
 */
import type { NotificationHint } from '../contract/notifications.js';
import type { TokenGrant } from './ports.js';

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
