import { logger } from '../commons/observability.js';
import { readGrantMessage } from './grant-message.js';
import type { GrantStore } from './ports.js';
import type { RejectedGrants } from './service-ports.js';

/** What {@link applyQueuedGrant} needs. */
export interface DrainOutboxDependencies {
  /** This app's Human API client ID: a grant of another app is rejected. */
  readonly clientId: string;
  readonly grants: GrantStore;
  /** Where a message that can never be applied goes, instead of coming back forever. */
  readonly rejected: RejectedGrants;
  readonly now?: () => Date;
}

/**
 * Applies one queued grant (docs/design.md#outbox) with the same newest-wins write a finish uses:
 * a token issued earlier than the stored one is dropped, so a grant drained after a newer finish
 * (or twice, SQS delivering at least once, or redriven) changes nothing it should not. A message
 * that is not a valid grant of this app, issued in the outbox's lifetime, is rejected: set aside
 * in the rejected-grants queue with its reason, never stored, never retried.
 *
 * @param body - the SQS message body
 * @throws {DependencyUnavailableError} when DynamoDB (or the rejected-grants queue) fails: the
 *   message is received again, and after five receives dead-lettered, then redriven
 */
export async function applyQueuedGrant(
  body: string,
  { clientId, grants, rejected, now = () => new Date() }: DrainOutboxDependencies,
): Promise<void> {
  const message = readGrantMessage(body, clientId, now());
  if ('problem' in message) {
    await rejected.reject(body, message.problem);
    logger.error('Rejected a queued message that is not a grant to apply', { problem: message.problem });
    return;
  }
  const stored = await grants.storeGrant(message.grant, now());
  if (stored === undefined) logger.warn('Dropped a queued grant issued before its user was deleted');
  else logger.info('Applied a queued grant', { version: stored.version });
}
