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
