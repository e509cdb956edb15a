/**
 * The team's consumer of notifications: copy this. It reads the notifications queue
 * (docs/notifications.md#consuming-notifications) and remembers, per user, that new data is
 * waiting, so the page can show "new data" and re-fetch through the data gateway
 * (`GET /users/{clientUserId}/human/{path+}`). A notification is a hint, never data: nothing in it
 * is shown but what changed and when.
 *
 * The pattern: receive (up to 10), parse each message with the package's schema, act, then delete
 * what was acted on (one `DeleteMessageBatch`). A message that does not parse is left alone: after 5 receives SQS moves it to the
 * dead-letter queue, whose alarm tells ops. Here "act" is remembering; in a real consumer it is
 * the re-fetch, which is idempotent, so a notification seen twice (past the queue's five-minute
 * deduplication) costs one more fetch and nothing else.
 *
 * Local mode runs one (web/app-server/app-server.ts serves it as `GET /app/notifications`; in JWT
 * mode `GET /sandbox/notifications/inbox`, docs/local-mode.md#notifications). Kept in memory.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type NotificationHint, notificationHintSchema } from '../../functions/contract/notifications.js';

/** Notices kept per user (the oldest go first). */
const KEPT_PER_USER = 100;
/** Notification IDs remembered to count duplicates (the oldest go first). */
const KEPT_IDS = 10_000;
/** Most notices one poll answers. */
const MAX_ANSWERED = 50;

/** One notice of new data: what changed, never the data. */
export interface NewDataNotice {
  /** Increasing, across users: the page polls with the last one it saw. */
  readonly id: number;
  readonly type: string | undefined;
  readonly action: string | undefined;
  readonly updatedAt: string | undefined;
  readonly receivedAt: string;
}

/** What the inbox has seen, for tests and the benchmark. */
export interface InboxStats {
  /** Messages received and handled (a duplicate counts again). */
  readonly received: number;
  /** Distinct notifications among them (by `notificationId`). */
  readonly distinct: number;
}

/** A running consumer. */
export interface NotificationInbox {
  /** The user's notices after `after` (at most 50, oldest first), and the cursor to poll with next. */
  newData(clientUserId: string, after: number): { readonly cursor: number; readonly notices: NewDataNotice[] };
  readonly stats: InboxStats;
  /** Stops polling, after the batch in hand. */
  stop(): Promise<void>;
}

/** Settings of {@link startNotificationInbox}. */
export interface NotificationInboxOptions {
  /** The SQS endpoint (local mode's stand-in). */
  readonly endpoint: string;
  readonly queueUrl: string;
  /** The wait between polls of an empty queue. @default 100 */
  readonly idleMs?: number;
}

/** Who a hint is about, as the page knows its users: the clientUserId, else the humanId. */
const userOf = (hint: NotificationHint) => hint.clientUserId ?? `humanId:${hint.humanId}`;

/** Starts consuming the notifications queue. */
export function startNotificationInbox({
  endpoint,
  queueUrl,
  idleMs = 100,
}: NotificationInboxOptions): NotificationInbox {
  const client = new SQSClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const byUser = new Map<string, NewDataNotice[]>();
  const seenIds = new Set<string>();
  let lastId = 0;
  let received = 0;
  let stopped = false;

  function remember(hint: NotificationHint): void {
    received += 1;
    seenIds.add(hint.notificationId);
    if (seenIds.size > KEPT_IDS) seenIds.delete(seenIds.values().next().value ?? '');
    lastId += 1;
    const notices = byUser.get(userOf(hint)) ?? [];
    notices.push({
      id: lastId,
      type: hint.type ?? hint.topic,
      action: hint.action,
      updatedAt: hint.updatedAt,
      receivedAt: hint.receivedAt,
    });
    if (notices.length > KEPT_PER_USER) notices.shift();
    byUser.set(userOf(hint), notices);
  }

  /** One receive: how many messages it handled. */
  async function poll(): Promise<number> {
    const { Messages: messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const handled: { Id: string; ReceiptHandle: string | undefined }[] = [];
    for (const [index, message] of messages.entries()) {
      let hint: NotificationHint;
      try {
        hint = notificationHintSchema.parse(JSON.parse(message.Body ?? ''));
      } catch {
        continue; // Not a hint of this version: left for the dead-letter queue.
      }
      remember(hint);
      handled.push({ Id: String(index), ReceiptHandle: message.ReceiptHandle });
    }
    // Deleted once acted on, in one call; one that fails to delete comes back and is remembered again.
    if (handled.length > 0) await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: handled }));
    return messages.length;
  }

  const running = (async () => {
    while (!stopped) {
      const handled = await poll().catch(() => 0);
      // A full queue is drained at once; an empty one (or a failing SQS) is asked again shortly.
      if (handled === 0 && !stopped) await new Promise((done) => setTimeout(done, idleMs));
    }
  })();

  return {
    newData(clientUserId, after) {
      const notices = (byUser.get(clientUserId) ?? []).filter((notice) => notice.id > after).slice(-MAX_ANSWERED);
      return { cursor: notices.at(-1)?.id ?? Math.max(after, 0), notices };
    },
    get stats() {
      return { received, distinct: seenIds.size };
    },
    async stop() {
      stopped = true;
      await running;
      client.destroy();
    },
  };
}
