/**
 * `POST /notifications/{secret}` (docs/notifications.md): proves the notification is Human API's
 * for this deployment, then hands it to the notifications queue, and only then answers 200.
 *
 * 1. The path secret must be this deployment's (current, or the previous one within its grace),
 *    compared in constant time; else 401. A refused one is not re-read: anyone can send a wrong
 *    URL, and a new path secret reaches Human API only after ops register it, by when the cache
 *    (`SECRET_TTL_SECONDS`) has long expired.
 * 2. `X-HumanAPI-Signature`, when present, must verify with the client secret (current or
 *    previous; re-read once, rate-limited, when neither matches, for a rotation the cache has not
 *    seen), its timestamp within the window; else 401. Its absence is allowed: Human API signs
 *    optionally.
 * 3. Each notification becomes a hint (its known fields only) deduplicated by its identity, and
 *    all are sent; a failed send is 503, so Human API delivers again.
 *
 * Nothing is read from or written to the token table; the log line names the user by a hash.
 */
import { createHash } from 'node:crypto';
import type { NotificationEntry, NotificationReceipt } from '../contract/notifications.js';
import { type NotificationRefusal, NotificationRefusedError } from './errors.js';
import { hintsOf } from './notification-hints.js';
import { isTimestampFresh, readSignatureHeaders, sameSecret, signatureMatches } from './notification-signature.js';
import type { NotificationQueue, RotatingSecret } from './service-ports.js';

/** A notification request as the HTTP edge hands it over. */
export interface NotificationRequest {
  /** The URL's `{secret}` segment. */
  readonly pathSecret: string;
  /** The body as sent: what the signature covers. */
  readonly rawBody: string;
  /** The request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body's notifications, validated. */
  readonly entries: readonly NotificationEntry[];
}

/** What {@link receiveNotification} needs. */
export interface NotificationDependencies {
  /** The URL's path secret (`NOTIFICATIONS_SECRET_ID`). */
  readonly pathSecret: RotatingSecret;
  /** The app's client secret, which signs notifications (`HUMANAPI_SECRET_ID`). */
  readonly clientSecret: RotatingSecret;
  readonly queue: NotificationQueue;
  /** Records one received request: never a payload value but the notification type. */
  readonly log: (fields: Record<string, unknown>) => void;
  readonly now?: () => Date;
}

/** What each refusal tells the caller: enough for ops to fix a setting, nothing about a secret. */
const REFUSALS: Readonly<Record<NotificationRefusal, string>> = {
  'path-secret': "The notification URL's secret is not this deployment's; nothing was queued.",
  'signature-headers':
    'X-HumanAPI-Signature came without X-HumanAPI-Timestamp and X-HumanAPI-Nonce (or with unreadable ones); nothing was queued.',
  'signature-stale': 'The signed X-HumanAPI-Timestamp is outside the accepted window; nothing was queued.',
  'signature-mismatch': "X-HumanAPI-Signature does not match this app's client secret; nothing was queued.",
};

const refused = (reason: NotificationRefusal) => new NotificationRefusedError(reason, REFUSALS[reason]);

/** Whether `presented` is one of `values`, each compared in constant time, whether or not an earlier one matched. */
function isOneOf(presented: string, values: readonly string[]): boolean {
  let matched = false;
  for (const value of values) if (sameSecret(presented, value)) matched = true;
  return matched;
}

/** A short, stable name of a user for logs: not the humanId itself (docs/notifications.md#logs). */
const humanRef = (humanId: string) => createHash('sha256').update(humanId, 'utf8').digest('hex').slice(0, 16);

/**
 * Verifies a notification and queues it.
 *
 * @throws {NotificationRefusedError} when the path secret or the signature does not verify (401)
 * @throws {DependencyUnavailableError} when Secrets Manager or the queue fails (503: Human API retries)
 */
export async function receiveNotification(
  request: NotificationRequest,
  { pathSecret, clientSecret, queue, log, now = () => new Date() }: NotificationDependencies,
): Promise<NotificationReceipt> {
  if (!isOneOf(request.pathSecret, await pathSecret.acceptedValues())) {
    throw refused('path-secret');
  }
  const signature = readSignatureHeaders(request.headers);
  if (signature.kind === 'unusable') throw refused('signature-headers');
  const receivedAt = now();
  if (signature.kind === 'present') {
    if (!isTimestampFresh(signature.timestamp, receivedAt)) throw refused('signature-stale');
    const verified =
      signatureMatches(signature, request.rawBody, await clientSecret.acceptedValues()) ||
      // A rotation the cache has not seen yet: read again (rate-limited by the adapter).
      signatureMatches(signature, request.rawBody, await clientSecret.acceptedValues({ refresh: true }));
    if (!verified) throw refused('signature-mismatch');
  }
  const hints = hintsOf(request.entries, receivedAt, signature.kind === 'present');
  await queue.send(hints);
  log({
    notifications: hints.length,
    users: [...new Set(hints.map((hint) => humanRef(hint.humanId)))].slice(0, 10),
    types: [...new Set(hints.map((hint) => hint.topic ?? hint.type ?? 'unknown'))],
    signatureVerified: signature.kind === 'present',
  });
  return { accepted: hints.length };
}
