/**
 * Where the page keeps each user's publicToken between visits: localStorage,
 * one entry per clientUserId. A real app may keep it on its own server
 * instead; losing it is recoverable (`POST /public-tokens`).
 */

/** What the page remembers for a user. */
export interface StoredConnection {
  readonly publicToken: string;
  readonly humanId: string;
}

import type { SessionTokenObject } from './human-connect.js';

const KEY_PREFIX = 'humanapi-connect:';

/** The storage key of a user's entry. */
export function storageKey(clientUserId: string): string {
  return `${KEY_PREFIX}${clientUserId}`;
}

/** Reads a user's entry; `undefined` when there is none or it is unreadable. */
export function readConnection(clientUserId: string, storage: Storage = localStorage): StoredConnection | undefined {
  const raw = storage.getItem(storageKey(clientUserId));
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return undefined;
    const { publicToken, humanId } = value as Record<string, unknown>;
    if (typeof publicToken !== 'string' || publicToken === '' || typeof humanId !== 'string') return undefined;
    return { publicToken, humanId };
  } catch {
    return undefined;
  }
}

/** Remembers a user's publicToken (it changes on every connection: always keep the newest). */
export function saveConnection(
  clientUserId: string,
  connection: StoredConnection,
  storage: Storage = localStorage,
): void {
  storage.setItem(
    storageKey(clientUserId),
    JSON.stringify({ publicToken: connection.publicToken, humanId: connection.humanId }),
  );
}

/** Forgets a user's entry: Human API no longer knows the publicToken, so Connect opens as for a new user. */
export function forgetConnection(clientUserId: string, storage: Storage = localStorage): void {
  storage.removeItem(storageKey(clientUserId));
}

const PENDING_PREFIX = 'humanapi-connect:pending:';

/**
 * Keeps a sessionTokenObject whose save has not succeeded yet, for this tab only
 * (sessionStorage), so the next load tries the same one again: the back end may hold
 * its exchange for exactly that retry, and a new one would need the user again.
 */
export function savePendingSession(
  clientUserId: string,
  sessionTokenObject: SessionTokenObject,
  storage: Storage = sessionStorage,
): void {
  storage.setItem(`${PENDING_PREFIX}${clientUserId}`, JSON.stringify(sessionTokenObject));
}

/** The sessionTokenObject still waiting to be saved for a user, if any. */
export function readPendingSession(
  clientUserId: string,
  storage: Storage = sessionStorage,
): SessionTokenObject | undefined {
  const raw = storage.getItem(`${PENDING_PREFIX}${clientUserId}`);
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    const fields = Object.fromEntries(Object.entries(value));
    const { humanId, clientId, sessionToken } = fields;
    if (typeof humanId !== 'string' || typeof clientId !== 'string' || typeof sessionToken !== 'string') {
      return undefined;
    }
    return { ...fields, humanId, clientId, sessionToken };
  } catch {
    return undefined;
  }
}

/** Forgets a user's pending sessionTokenObject (saved, or refused for good). */
export function clearPendingSession(clientUserId: string, storage: Storage = sessionStorage): void {
  storage.removeItem(`${PENDING_PREFIX}${clientUserId}`);
}
