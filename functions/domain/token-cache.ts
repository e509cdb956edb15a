/**
 * The data gateway's cache of plaintext access tokens (docs/security.md#the-data-gateways-token-cache):
 * at most one KMS decrypt (or mint) per user per Lambda environment per
 * {@link TOKEN_CACHE_TTL_MS}, so a page of health data costs one Human API call and no KMS call
 * when the user was read a moment ago. In memory only, never written anywhere; bounded in users
 * (the least recently used goes first) and in time (never past a minted token's expiry); a user
 * is dropped as soon as Human API refuses their token.
 */
import type { UserAccessToken } from './human-data-ports.js';

/** How long a token is kept after it was read: 5 minutes. */
export const TOKEN_CACHE_TTL_MS = 5 * 60 * 1000;
/** How many users' tokens are kept at most. */
export const TOKEN_CACHE_MAX_USERS = 1000;

/** Settings of {@link AccessTokenCache}. */
export interface AccessTokenCacheOptions {
  /** @default {@link TOKEN_CACHE_MAX_USERS} */
  readonly maxUsers?: number;
  /** @default {@link TOKEN_CACHE_TTL_MS} */
  readonly ttlMs?: number;
  /** The clock, in epoch milliseconds. @default `Date.now` */
  readonly now?: () => number;
}

/** A bounded LRU of users' access tokens, each kept until its time is up. */
export class AccessTokenCache {
  private readonly entries = new Map<string, { readonly token: UserAccessToken; readonly until: number }>();
  private readonly maxUsers: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor({
    maxUsers = TOKEN_CACHE_MAX_USERS,
    ttlMs = TOKEN_CACHE_TTL_MS,
    now = Date.now,
  }: AccessTokenCacheOptions = {}) {
    this.maxUsers = maxUsers;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** The user's token while its time is not up (and it becomes the most recently used), else `undefined`. */
  get(clientUserId: string): UserAccessToken | undefined {
    const entry = this.entries.get(clientUserId);
    if (entry === undefined) return undefined;
    this.entries.delete(clientUserId);
    if (this.now() >= entry.until) return undefined;
    this.entries.set(clientUserId, entry);
    return entry.token;
  }

  /** Keeps the user's token for the TTL, or until a minted token expires if that is sooner. */
  put(clientUserId: string, token: UserAccessToken): void {
    const now = this.now();
    const expiresAt = token.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(token.expiresAt);
    // An expiry that does not parse is treated as past: such a token is not kept.
    const until = Math.min(now + this.ttlMs, Number.isNaN(expiresAt) ? now : expiresAt);
    this.entries.delete(clientUserId);
    if (until <= now) return;
    this.entries.set(clientUserId, { token, until });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxUsers) break;
      this.entries.delete(oldest);
    }
  }

  /** Forgets the user's token (Human API refused it). */
  drop(clientUserId: string): void {
    this.entries.delete(clientUserId);
  }

  /** How many users' tokens are kept. */
  get size(): number {
    return this.entries.size;
  }
}
