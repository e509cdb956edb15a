import { createHash } from 'node:crypto';
import type { SessionExchange } from './service-ports.js';

/**
 * Session exchanges whose tokens could not be stored yet.
 *
 * A session token is single-use: once Human API has exchanged it, a retry
 * cannot exchange it again. When the DynamoDB write fails after a successful
 * exchange, the result is held here (in this Lambda environment's memory,
 * keyed by a hash of the session token) so the client's retry of the same
 * sessionTokenObject stores it without a second exchange.
 */
export interface UnsavedExchanges {
  /** Holds an exchange whose write failed, with the time Human API answered it. */
  keep(sessionToken: string, exchange: SessionExchange, exchangedAt: Date): void;
  /** The held exchange for this session token, if any and not expired. */
  find(sessionToken: string): UnsavedExchange | undefined;
  /** Forgets the exchange once stored. */
  forget(sessionToken: string): void;
}

/** An exchange held for a retry. */
export interface UnsavedExchange {
  readonly exchange: SessionExchange;
  /** When Human API answered it: a late retry must not overwrite tokens stored after this. */
  readonly exchangedAt: Date;
}

/** How long an exchange is held for a retry by default: 15 minutes. */
export const UNSAVED_EXCHANGE_LIFETIME_MS = 15 * 60 * 1000;

/** Settings of {@link createUnsavedExchanges}. */
export interface UnsavedExchangesOptions {
  /** How long an exchange is held. @default {@link UNSAVED_EXCHANGE_LIFETIME_MS} */
  readonly ttlMs?: number;
  /** Most exchanges held at once; the oldest go first. @default 1000 */
  readonly maxEntries?: number;
  /** Clock. */
  readonly now?: () => number;
}

const keyOf = (sessionToken: string) => createHash('sha256').update(sessionToken).digest('base64url');

/** Creates an in-memory, bounded, expiring store of unsaved exchanges. */
export function createUnsavedExchanges({
  ttlMs = UNSAVED_EXCHANGE_LIFETIME_MS,
  maxEntries = 1000,
  now = Date.now,
}: UnsavedExchangesOptions = {}): UnsavedExchanges {
  const held = new Map<string, UnsavedExchange & { expiresAt: number }>();
  return {
    keep(sessionToken, exchange, exchangedAt) {
      held.delete(keyOf(sessionToken));
      held.set(keyOf(sessionToken), { exchange, exchangedAt, expiresAt: now() + ttlMs });
      for (const key of held.keys()) {
        if (held.size <= maxEntries) break;
        held.delete(key);
      }
    },
    find(sessionToken) {
      const entry = held.get(keyOf(sessionToken));
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        held.delete(keyOf(sessionToken));
        return undefined;
      }
      return { exchange: entry.exchange, exchangedAt: entry.exchangedAt };
    },
    forget(sessionToken) {
      held.delete(keyOf(sessionToken));
    },
  };
}
