/**
 * A notification as the queue carries it (docs/notifications.md#what-consumers-receive): its known
 * fields, never anything else, and its identity, which is also its SQS deduplication ID, so a
 * notification Human API delivers again reaches consumers once.
 */
import { createHash } from 'node:crypto';
import { NOTIFICATION_HINT_FIELDS, type NotificationEntry, type NotificationHint } from '../contract/notifications.js';

/**
 * The identity of a notification: SHA-256 (hex) of its `humanId` and known fields, in a fixed
 * order. Human API's redelivery of a notification has the same fields, so the same identity; a
 * field it might add per delivery (an attempt count, a send time) is no known field, so it does
 * not make a redelivery look new. Two notifications of a user that differ in no known field are
 * the same hint to a consumer, who re-fetches either way.
 */
export function notificationIdOf(entry: NotificationEntry): string {
  const identity = [entry.humanId, ...NOTIFICATION_HINT_FIELDS.map((field) => entry[field] ?? null)];
  return createHash('sha256').update(JSON.stringify(identity), 'utf8').digest('hex');
}

/**
 * The hints of a POST's notifications, a notification repeated within the POST once.
 *
 * @param receivedAt - when the receiver took them
 * @param signatureVerified - whether `X-HumanAPI-Signature` came and verified
 */
export function hintsOf(
  entries: readonly NotificationEntry[],
  receivedAt: Date,
  signatureVerified: boolean,
): NotificationHint[] {
  const hints = new Map<string, NotificationHint>();
  for (const entry of entries) {
    const notificationId = notificationIdOf(entry);
    if (hints.has(notificationId)) continue;
    const known = Object.fromEntries(
      NOTIFICATION_HINT_FIELDS.flatMap((field) => (entry[field] === undefined ? [] : [[field, entry[field]]])),
    );
    hints.set(notificationId, {
      version: 1,
      notificationId,
      humanId: entry.humanId,
      ...known,
      receivedAt: receivedAt.toISOString(),
      signatureVerified,
    });
  }
  return [...hints.values()];
}
