import { logger } from '../commons/observability.js';
import { DependencyUnavailableError } from './errors.js';
import type { TableProbe } from './ports.js';
import type { DeadLetterQueue } from './service-ports.js';

/** What one run did. */
export type RedriveOutcome = 'nothing waits' | 'the table does not answer yet' | 'started' | 'already running';

/**
 * Brings dead-lettered grants back (docs/design.md#outbox): a grant lands in the outbox's
 * dead-letter queue when the drain could not write it five times (a long DynamoDB outage); once
 * the token table answers again, the grants are moved back to the outbox and drained, and the
 * newest-wins rule drops whatever a later finish or a deletion has since outdated. Runs on a
 * schedule: an outage of an hour loses nothing, and a run while the table is still down changes
 * nothing.
 */
export async function redriveDeadLetters({
  deadLetters,
  table,
}: {
  readonly deadLetters: DeadLetterQueue;
  readonly table: TableProbe;
}): Promise<RedriveOutcome> {
  const waiting = await deadLetters.depth();
  if (waiting === 0) return 'nothing waits';
  try {
    await table.probe();
  } catch (error) {
    if (!(error instanceof DependencyUnavailableError)) throw error;
    logger.warn('Dead-lettered grants wait; the token table does not answer yet', { waiting });
    return 'the table does not answer yet';
  }
  const outcome = await deadLetters.moveBackToOutbox();
  logger.info('Dead-lettered grants move back to the outbox', { waiting, outcome });
  return outcome;
}
