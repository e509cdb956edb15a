/**
 * The sandboxes' state maps (docs/local-mode.md#sandbox): users, humans, sessions and tokens,
 * keyed by values a caller sends (a clientUserId, a humanId, a token). A plain object would answer
 * `constructor`, `__proto__`, `toString` or `hasOwnProperty` with what every object inherits, and
 * a write under `__proto__` would replace its prototype; a map without a prototype holds exactly
 * its own entries, so every lookup and write by a caller's value is safe as written.
 */

/** A map from a caller-given key to state: no prototype, so a missing key is `undefined`. */
export type KeyedState<T> = Record<string, T>;

/**
 * A {@link KeyedState} holding the entries of `saved` (a map read back from `.data/`, where
 * `JSON.parse` keeps a `__proto__` key as an own entry), or none.
 */
export function keyedState<T>(saved?: Readonly<Record<string, T>> | undefined): KeyedState<T> {
  const map: KeyedState<T> = Object.create(null);
  if (typeof saved === 'object' && saved !== null) Object.assign(map, saved);
  return map;
}
