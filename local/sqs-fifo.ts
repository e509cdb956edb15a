/**
 * What the local SQS stand-in (./sqs.ts) does for FIFO queues (names ending in `.fifo`), as SQS
 * does for the stack's notifications queue (docs/notifications.md#the-queue): a send needs a
 * `MessageGroupId` and a `MessageDeduplicationId`; a deduplication ID seen in the same group within
 * {@link DEDUPLICATION_WINDOW_MS} is accepted again and answered with the first message's ID but
 * not queued; and a group delivers in order: while a message of a group is received and not yet
 * deleted, nothing behind it in that group is received.
 */

/** SQS's deduplication interval: five minutes. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

/** Whether a queue name is a FIFO queue's. */
export const isFifoQueueName = (name: string): boolean => name.endsWith('.fifo');

/** The FIFO part of a stored message. */
export interface FifoAttributes {
  readonly groupId: string;
  readonly deduplicationId: string;
  readonly sequenceNumber: string;
}

/** What a FIFO send must carry, or the error SQS answers without it. */
export function fifoSendProblem(entry: Record<string, unknown>): string | undefined {
  const { MessageGroupId: group, MessageDeduplicationId: deduplication } = entry;
  if (typeof group !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(group)) {
    return 'The request must contain the parameter MessageGroupId.';
  }
  if (typeof deduplication !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(deduplication)) {
    return 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly';
  }
  return undefined;
}

/** The deduplication record of the FIFO queues: per queue and group, as high-throughput FIFO scopes it. */
export class FifoDeduplication {
  private readonly seen = new Map<string, { messageId: string; sequenceNumber: string; at: number }>();
  private sequence = 0;
  /** Sends accepted as new, and sends answered as duplicates, per queue. */
  readonly counts = new Map<string, { accepted: number; deduplicated: number }>();

  /**
   * Whether a send is new: `{ duplicateOf }` when the same deduplication ID was accepted in the
   * same queue and group within the window (the send is then answered, not queued), else the
   * sequence number the new message gets.
   */
  admit(
    queue: string,
    { groupId, deduplicationId }: Omit<FifoAttributes, 'sequenceNumber'>,
    messageId: string,
    now: number,
  ): { readonly duplicateOf: { messageId: string; sequenceNumber: string } } | { readonly sequenceNumber: string } {
    // Entries are kept in the order they were admitted: the expired ones are at the front.
    for (const [key, entry] of this.seen) {
      if (now - entry.at < DEDUPLICATION_WINDOW_MS) break;
      this.seen.delete(key);
    }
    const key = JSON.stringify([queue, groupId, deduplicationId]);
    const counts = this.counts.get(queue) ?? { accepted: 0, deduplicated: 0 };
    this.counts.set(queue, counts);
    const earlier = this.seen.get(key);
    if (earlier !== undefined) {
      counts.deduplicated += 1;
      return { duplicateOf: earlier };
    }
    this.sequence += 1;
    const sequenceNumber = String(this.sequence).padStart(20, '0');
    this.seen.set(key, { messageId, sequenceNumber, at: now });
    counts.accepted += 1;
    return { sequenceNumber };
  }
}

/**
 * The messages of a FIFO queue that may be received now, in order: the visible ones with no
 * message of their group in flight ahead of them.
 */
export function receivableInOrder<T extends { visibleAt: number; receiptHandle?: string; fifo?: FifoAttributes }>(
  queue: readonly T[],
  now: number,
): T[] {
  const blocked = new Set<string>();
  const receivable: T[] = [];
  for (const message of queue) {
    const group = message.fifo?.groupId ?? '';
    if (blocked.has(group)) continue;
    if (message.visibleAt > now) {
      // In flight (or delayed): the rest of its group waits behind it.
      blocked.add(group);
      continue;
    }
    // Several of a group may come in one receive, in order; the next receive waits for their deletion.
    receivable.push(message);
  }
  return receivable;
}
