/**
 * The sandbox's notifications (docs/local-mode.md#notifications): what Human API does after a user
 * connects a source or has new data. It POSTs a JSON array of one notification to the app's
 * notification URL (local mode's `POST /notifications/{secret}`, the path secret read from the
 * local Secrets Manager at each send), signed as docs/notifications.md#the-signature reads Human
 * API's scheme (`X-HumanAPI-Signature` with a fresh timestamp and nonce per delivery). A delivery
 * that fails (a 5xx, no answer within Human API's 3 s) is tried again, at most
 * {@link MAX_ATTEMPTS} times in all; a 4xx is final, as a refusal.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NONCE_HEADER,
  notificationSignature,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from '../../functions/domain/notification-signature.js';

/** Attempts per delivery, and the waits between them. */
export const MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [250, 1000];
/** How long Human API waits for the 200. */
const ANSWER_TIMEOUT_MS = 3000;

/** The data a notification says changed: a path of the data API (docs/local-mode.md#data-api-sandbox). */
export const NOTIFICATION_TYPES = [
  'sources',
  'profile',
  'activities/summaries',
  'sleeps/summaries',
  'heart_rate/readings',
] as const;
/** One of {@link NOTIFICATION_TYPES}. */
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** One notification, as the sandbox sends it (Human API's documented fields). */
export interface SandboxNotification {
  readonly humanId: string;
  readonly clientId: string;
  readonly clientUserId: string;
  readonly type: NotificationType;
  readonly action: 'connected' | 'updated';
  /** Where the data is: the data API sandbox's URL of `type`. */
  readonly endpoint: string;
  readonly updatedAt: string;
}

/** What one delivery came to: the last status (0: no answer), after how many attempts. */
export interface Delivery {
  readonly status: number;
  readonly attempts: number;
}

/** Counts of what the sandbox sent, by outcome. */
export interface NotificationCounts {
  /** Deliveries started (a redelivery counts again). */
  readonly sent: number;
  /** Answered 200. */
  readonly delivered: number;
  /** Answered a 4xx: refused, not retried. */
  readonly refused: number;
  /** Still failing after every attempt. */
  readonly failed: number;
}

/** Settings of {@link createSandboxNotifications}. */
export interface SandboxNotificationsOptions {
  /** The app's notification URL now (`{apiUrl}/notifications/<path secret>`), or `undefined` without one. */
  readonly receiverUrl: () => string | undefined;
  /** The app's client secret now: the signing key. */
  readonly clientSecret: () => string;
  readonly clientId: string;
  /** The data API sandbox's base URL, for the notifications' `endpoint`. */
  readonly dataBaseUrl: string;
}

/** The sandbox's notification sender. */
export interface SandboxNotifications {
  /**
   * Sends a notification about `user`, and again `redeliveries` times (as Human API does when it
   * delivers one twice), each delivery signed afresh unless `signed` is `false`.
   */
  send(
    user: { readonly humanId: string; readonly clientUserId: string },
    options?: {
      readonly type?: NotificationType;
      readonly action?: SandboxNotification['action'];
      readonly redeliveries?: number;
      readonly signed?: boolean;
    },
  ): Promise<{ readonly notification: SandboxNotification; readonly deliveries: readonly Delivery[] }>;
  /** After a connection: a `sources` notification, sent in the background (its outcome is counted). */
  notifyConnected(user: { readonly humanId: string; readonly clientUserId: string }): void;
  /** Stops notifying: local mode is stopping, and Human API's calls are not what it waits for. */
  stop(): void;
  readonly counts: NotificationCounts;
}

/** Creates the sender. */
export function createSandboxNotifications({
  receiverUrl,
  clientSecret,
  clientId,
  dataBaseUrl,
}: SandboxNotificationsOptions): SandboxNotifications {
  const counts = { sent: 0, delivered: 0, refused: 0, failed: 0 };
  let stopped = false;

  /** One attempt: the receiver's status, 0 when it did not answer in time. */
  async function attempt(url: string, payload: string, signed: boolean): Promise<number> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(12).toString('base64url');
    const signature: Record<string, string> = signed
      ? {
          [SIGNATURE_HEADER]: notificationSignature({
            payload,
            timestamp,
            nonce,
            clientSecret: clientSecret(),
          }).toString('hex'),
          [TIMESTAMP_HEADER]: timestamp,
          [NONCE_HEADER]: nonce,
        }
      : {};
    try {
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signature },
        body: payload,
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
      await answer.arrayBuffer();
      return answer.status;
    } catch {
      return 0;
    }
  }

  async function deliver(payload: string, signed: boolean): Promise<Delivery> {
    counts.sent += 1;
    let status = 0;
    for (let attempts = 1; attempts <= MAX_ATTEMPTS && !stopped; attempts += 1) {
      const url = receiverUrl();
      status = url === undefined ? 0 : await attempt(url, payload, signed);
      if (status === 200) counts.delivered += 1;
      else if (status >= 400 && status < 500) counts.refused += 1;
      if ((status >= 200 && status < 300) || (status >= 400 && status < 500)) return { status, attempts };
      const delay = RETRY_DELAYS_MS[attempts - 1];
      if (delay !== undefined) await sleep(delay);
    }
    counts.failed += 1;
    return { status, attempts: MAX_ATTEMPTS };
  }

  const sender: SandboxNotifications = {
    async send(user, { type = 'activities/summaries', action = 'updated', redeliveries = 0, signed = true } = {}) {
      const notification: SandboxNotification = {
        humanId: user.humanId,
        clientId,
        clientUserId: user.clientUserId,
        type,
        action,
        endpoint: `${dataBaseUrl}/v1/human/${type}`,
        updatedAt: new Date().toISOString(),
      };
      // Human API's documented form: an array. The same text each time: a redelivery is the same notification.
      const payload = JSON.stringify([notification]);
      const deliveries: Delivery[] = [];
      for (let index = 0; index <= redeliveries; index += 1) deliveries.push(await deliver(payload, signed));
      return { notification, deliveries };
    },
    notifyConnected(user) {
      if (stopped) return;
      // In the background, as Human API notifies: the connection's answer does not wait for it.
      void sender.send(user, { type: 'sources', action: 'connected' });
    },
    stop() {
      stopped = true;
    },
    get counts() {
      return { ...counts };
    },
  };
  return sender;
}
