/**
 * Deleting a user (docs/design.md#deleting-a-user): the user's tokens leave the vault, and a
 * tombstone makes sure none issued before the deletion comes back, whichever way it arrives.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { logger } from '../commons/observability.js';
import type { UserDeletion } from '../contract/answers.js';
import { assertCallerIs, type Caller, callerLabel } from './caller.js';
import { MAX_CLOCK_SKEW_MS, MAX_GRANT_AGE_MS } from './grant-message.js';
import type { IdempotencyRecordRemover, Tombstones } from './ports.js';
import { UNSAVED_EXCHANGE_LIFETIME_MS } from './unsaved-exchanges.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a tombstone outlives its deletion: 15 days. A token issued before the deletion can still
 * arrive while a grant holding it may be applied, and the drain applies none older than
 * {@link MAX_GRANT_AGE_MS} (14 days, by its issue time, whichever queue it waited in: the outbox
 * and its dead-letter queue keep a message 14 days from when it was first sent, and a redrive
 * does not make it younger); a retry of an exchange held in memory comes within
 * {@link UNSAVED_EXCHANGE_LIFETIME_MS}, and clocks differ by up to {@link MAX_CLOCK_SKEW_MS}. A
 * day's margin covers the last two with room to spare. DynamoDB's TTL removes a tombstone after
 * this, never before.
 */
export const TOMBSTONE_LIFETIME_MS = MAX_GRANT_AGE_MS + DAY_MS;

/**
 * Pauses before removing again an idempotency record whose finish was still running: Powertools
 * completes it right after the finish's token write, and completing writes the record anew, the
 * publicToken in it. The finish's token write landed before the tombstone (it listed the record),
 * so the completion follows within milliseconds; 1.75 s bounds the wait.
 */
export const IN_FLIGHT_RECHECKS_MS = [250, 500, 1000] as const;

/** What {@link deleteUser} needs. */
export interface DeleteUserDependencies {
  readonly tombstones: Tombstones;
  readonly idempotencyRecords: IdempotencyRecordRemover;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Deletes a user's tokens from the vault: the record becomes a tombstone (every token and the
 * humanId removed; no token issued before it is ever stored again), and the idempotency records
 * holding the user's publicTokens are removed. Idempotent: deleting again removes nothing more and
 * moves the tombstone's time to now. Nothing is deleted at Human API. One audit line says who
 * deleted whom, when, and what went; it holds no token.
 *
 * @throws {CallerMismatchError} when a signed-in caller names another user
 * @throws {DependencyUnavailableError} when DynamoDB fails (what was written stays written: a
 *   retry completes the deletion)
 */
export async function deleteUser(
  clientUserId: string,
  caller: Caller,
  { tombstones, idempotencyRecords, now = () => new Date(), sleep = sleepFor }: DeleteUserDependencies,
): Promise<UserDeletion> {
  assertCallerIs(caller, clientUserId);
  const at = now();
  const tombstone = await tombstones.writeTombstone(clientUserId, at, TOMBSTONE_LIFETIME_MS);

  let removed = 0;
  let inFlight: string[] = [];
  for (const id of new Set(tombstone.idempotencyRecordIds)) {
    const outcome = await idempotencyRecords.remove(id);
    if (outcome !== 'absent') removed += 1;
    if (outcome === 'in progress') inFlight.push(id);
  }
  for (const pause of IN_FLIGHT_RECHECKS_MS) {
    if (inFlight.length === 0) break;
    await sleep(pause);
    const stillRunning: string[] = [];
    for (const id of inFlight) {
      // The same record written again: removed, not counted twice.
      if ((await idempotencyRecords.remove(id)) === 'absent') stillRunning.push(id);
    }
    inFlight = stillRunning;
  }

  const deleted = { tokenRecord: tombstone.removedRecord, idempotencyRecords: removed, atHumanApi: false } as const;
  logger.info('Deleted a user\u2019s tokens', {
    audit: 'user-deleted',
    who: callerLabel(caller),
    whom: clientUserId,
    at: at.toISOString(),
    deletedAt: tombstone.deletedAt,
    deleted,
  });
  return { clientUserId, deletedAt: tombstone.deletedAt, deleted };
}
