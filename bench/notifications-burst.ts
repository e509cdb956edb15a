/**
 * A burst of Human API notifications against local mode (docs/performance.md#notifications):
 * `senders` concurrent senders POST `posts` signed notifications to `POST /notifications/{secret}`,
 * a tenth of them deliveries again of one sent earlier (as Human API may redeliver). Measured: the
 * time from sending to the 200 of each, warm (after `warmup` notifications), and from the
 * sandbox's counters once the app back end's inbox drained the queue: how many distinct
 * notifications answered 200 and never reached a consumer (lost), and how many a consumer
 * received more than once (delivered twice).
 *
 * Local mode runs as `npm start -- --in-memory` runs it (as the rest of the benchmark does), in
 * its own process (request lines, functions silent); the benchmark reads the two secrets from its
 * Secrets Manager as ops would (`get-secret-value`), to sign and address as Human API does.
 * `npx tsx bench/notifications-burst.ts [--smoke]` runs it alone.
 */
import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_NOTIFICATIONS_SECRET_ID, LOCAL_SECRET_ID } from '../local/settings.js';
import { startLocalModeProcess } from '../test/support/local-mode.js';
import { type LatencySummary, summarize } from './stats.js';

/** Settings of a burst. */
export interface BurstSettings {
  /** POSTs measured (distinct notifications and redeliveries together). */
  readonly posts: number;
  readonly senders: number;
  /** POSTs before the measured ones (not counted). */
  readonly warmup: number;
}

/** What a burst measured: the content of `notifications` in `bench/results.json`. */
export interface NotificationsBurstResult {
  readonly settings: BurstSettings;
  /** Of the measured POSTs, deliveries again of a notification sent earlier in the burst. */
  readonly redeliveries: number;
  /** Time to the 200, of every measured POST that got one, in milliseconds. */
  readonly timeTo200: LatencySummary;
  /** Measured POSTs by status. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Distinct notifications answered 200 (warm-up and burst). */
  readonly distinctAccepted: number;
  /** Messages the consumer (the app back end's inbox) received, and distinct notifications among them. */
  readonly consumed: { readonly received: number; readonly distinct: number };
  /** Distinct notifications answered 200 that no consumer received. */
  readonly lost: number;
  /** Messages a consumer received beyond the first of each notification. */
  readonly deliveredTwice: number;
  readonly wallSeconds: number;
}

interface Stats {
  readonly queue: { readonly queued: number; readonly accepted: number };
  readonly inbox: { readonly received: number; readonly distinct: number };
}

/** Runs a burst against a fresh local mode. */
export async function measureNotificationsBurst(settings: BurstSettings): Promise<NotificationsBurstResult> {
  const local = await startLocalModeProcess({ env: { LOG_FORMAT: 'line', POWERTOOLS_LOG_LEVEL: 'SILENT' } });
  try {
    // The banner's export lines (in memory) name the local Secrets Manager.
    const endpoint = /AWS_ENDPOINT_URL_SECRETS_MANAGER=(\S+)/.exec(local.output.join('\n'))?.[1];
    const secretsManager = new SecretsManagerClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const read = async (SecretId: string) =>
      (await secretsManager.send(new GetSecretValueCommand({ SecretId }))).SecretString ?? '';
    const pathSecret = await read(LOCAL_NOTIFICATIONS_SECRET_ID);
    const clientSecret = (JSON.parse(await read(LOCAL_SECRET_ID)) as { clientSecret: string }).clientSecret;
    secretsManager.destroy();
    const url = `${local.apiUrl}/notifications/${pathSecret}`;
    const stats = async () => (await (await fetch(`${local.apiUrl}/sandbox/notifications/stats`)).json()) as Stats;

    /** One delivery, signed as Human API signs: its status and the time to the answer. */
    const deliver = async (body: string): Promise<{ status: number; ms: number }> => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = Math.random().toString(36).slice(2);
      const signature = createHmac('sha1', clientSecret).update(`${body}${timestamp}${nonce}`).digest('hex');
      const started = performance.now();
      const answer = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-humanapi-signature': signature,
          'x-humanapi-timestamp': timestamp,
          'x-humanapi-nonce': nonce,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await answer.arrayBuffer();
      return { status: answer.status, ms: performance.now() - started };
    };
    /** Notification `index`: one of 200 users, each a different data type and time. */
    const notification = (index: number) =>
      JSON.stringify([
        {
          humanId: (index % 200).toString(16).padStart(24, '0'),
          clientUserId: `burst-user-${index % 200}@example.com`,
          type: ['activities/summaries', 'sleeps/summaries', 'heart_rate/readings'][index % 3],
          action: 'updated',
          updatedAt: new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString(),
        },
      ]);
    /** The burst's bodies: every tenth a delivery again of one sent 5–50 POSTs earlier. */
    const bodies = (first: number, count: number) => {
      const sent: string[] = [];
      let next = first;
      for (let index = 0; index < count; index += 1) {
        const earlier = sent[sent.length - 5 - (index % 46)];
        sent.push(index % 10 === 9 && earlier !== undefined ? earlier : notification(next++));
      }
      return { sent, distinct: next - first };
    };
    /** Sends `list` from `senders` concurrent senders, in order. */
    const run = async (list: readonly string[]) => {
      const results: { status: number; ms: number }[] = [];
      let cursor = 0;
      await Promise.all(
        Array.from({ length: settings.senders }, async () => {
          while (cursor < list.length) {
            const body = list[cursor++] as string;
            results.push(await deliver(body));
          }
        }),
      );
      return results;
    };

    const warmup = bodies(0, settings.warmup);
    await run(warmup.sent);
    const burst = bodies(settings.warmup, settings.posts);
    const started = performance.now();
    const measured = await run(burst.sent);
    const wallSeconds = (performance.now() - started) / 1000;

    // The consumer drains the queue: wait until it received everything the queue took (bounded).
    const deadline = Date.now() + 60_000;
    let after = await stats();
    while ((after.queue.queued > 0 || after.inbox.received < after.queue.accepted) && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
      after = await stats();
    }
    const byStatus: Record<string, number> = {};
    for (const { status } of measured) byStatus[status] = (byStatus[status] ?? 0) + 1;
    // Every POST of the warm-up and the burst answered 200 in a healthy run: each distinct one must arrive once.
    const distinctAccepted = warmup.distinct + burst.distinct;
    return {
      settings,
      redeliveries: settings.posts - burst.distinct,
      timeTo200: summarize(measured.filter((result) => result.status === 200).map((result) => result.ms)),
      byStatus,
      distinctAccepted,
      consumed: after.inbox,
      lost: Math.max(0, distinctAccepted - after.inbox.distinct),
      deliveredTwice: after.inbox.received - after.inbox.distinct,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
    };
  } finally {
    await local.stop();
  }
}

/** The burst, and a short one for CI. */
export const BURST = {
  full: { posts: 1000, senders: 50, warmup: 300 },
  smoke: { posts: 50, senders: 10, warmup: 10 },
} as const satisfies Record<string, BurstSettings>;

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureNotificationsBurst(process.argv.includes('--smoke') ? BURST.smoke : BURST.full);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
