import { outboxMessageSchema } from '../adapters/outbox.js';
import type { TokenStore } from '../adapters/token-store.js';
import { logger } from '../commons/observability.js';

/** A queued message that is not a grant: retried, then dead-lettered (docs/design.md#outbox). */
export class UnreadableOutboxMessageError extends Error {
  constructor() {
    super('The outbox message is not a token grant.');
    this.name = 'UnreadableOutboxMessageError';
  }
}

/** What {@link applyQueuedGrant} needs. */
export interface DrainOutboxDependencies {
  readonly tokenStore: TokenStore;
  readonly now?: () => Date;
}

/**
 * Applies one queued grant (docs/design.md#outbox) with the same newest-wins upsert a finish
 * uses: a token issued earlier than the stored one is dropped, so a grant drained after a newer
 * finish (or twice, SQS delivering at least once) changes nothing it should not.
 *
 * @param body - the SQS message body
 * @throws {UnreadableOutboxMessageError} when the body is not a grant
 * @throws {DependencyUnavailableError} when DynamoDB fails: the message is received again
 */
export async function applyQueuedGrant(
  body: string,
  { tokenStore, now = () => new Date() }: DrainOutboxDependencies,
): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UnreadableOutboxMessageError();
  }
  const parsed = outboxMessageSchema.safeParse(json);
  if (!parsed.success) throw new UnreadableOutboxMessageError();
  const record = await tokenStore.upsertTokenRecord(parsed.data, now());
  logger.info('Applied a queued grant', { version: record.version });
}
