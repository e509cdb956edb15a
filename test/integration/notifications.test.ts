/**
 * Human API's notifications against local mode over HTTP (docs/notifications.md): the sandbox
 * notifies after each connection and on its hook, signed; the receiver queues what verifies, once
 * however often Human API delivers it, refuses the rest with 401 and queues nothing, answers 503
 * while the queue fails (and Human API's retry then gets through), and 413 past 32 KiB. The app
 * back end's inbox consumes the queue and tells the page of new data. The path secret is a secret:
 * no request line shows it.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NOTIFICATIONS_SECRET_ID, LOCAL_SECRET_ID } from '../../local/settings.js';
import { type Answer, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;
let workDir: string;

/** The values local mode keeps in its Secrets Manager, as ops would read them. */
const storedSecret = (secretId: string) =>
  (JSON.parse(readFileSync(join(workDir, '.data/secrets.json'), 'utf8')) as Record<string, { value: string }>)[secretId]
    ?.value ?? '';
const pathSecret = () => storedSecret(LOCAL_NOTIFICATIONS_SECRET_ID);
const clientSecret = () => (JSON.parse(storedSecret(LOCAL_SECRET_ID)) as { clientSecret: string }).clientSecret;

/** The local Secrets Manager, as `aws secretsmanager` would reach it (its endpoint from .data/local-aws.env). */
function secretsManager(): SecretsManagerClient {
  const env = readFileSync(join(workDir, '.data/local-aws.env'), 'utf8');
  const endpoint = /^AWS_ENDPOINT_URL_SECRETS_MANAGER=(.+)$/m.exec(env)?.[1] ?? '';
  return new SecretsManagerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

interface Stats {
  readonly sandbox: { sent: number; delivered: number; refused: number; failed: number };
  readonly queue: { queued: number; deadLetters: number; accepted: number; deduplicated: number };
  readonly inbox: { received: number; distinct: number };
}
const stats = async () => (await (await fetch(`${local.apiUrl}/sandbox/notifications/stats`)).json()) as Stats;

/**
 * Waits until `sent` deliveries of the sandbox have finished (those it sends in the background,
 * after a connection, come a little later) and the inbox consumed everything the queue accepted (each
 * accepted message is received once).
 */
async function caughtUp(sent = 0): Promise<Stats> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await stats();
    const { delivered, refused, failed } = now.sandbox;
    const finished = delivered + refused + failed >= sent;
    const done = finished && now.queue.queued === 0 && now.inbox.received >= now.queue.accepted;
    if (done || Date.now() > deadline) return now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sendHook = (body: Record<string, unknown>) => post(`${local.apiUrl}/sandbox/humanapi/notifications/send`, body);

/** A notification as Human API would POST it, signed with `secret` (HMAC-SHA1 of body + timestamp + nonce). */
function postNotification(
  body: string,
  {
    secret = clientSecret(),
    url = `${local.apiUrl}/notifications/${pathSecret()}`,
    timestamp = Math.floor(Date.now() / 1000),
  } = {},
): Promise<Answer> {
  const nonce = `nonce-${Math.random().toString(36).slice(2)}`;
  const signature = createHmac('sha1', secret).update(`${body}${timestamp}${nonce}`).digest('hex');
  return post(url, body, {
    headers: {
      'x-humanapi-signature': signature,
      'x-humanapi-timestamp': String(timestamp),
      'x-humanapi-nonce': nonce,
    },
  });
}

let alice: { humanId: string };
const SECRET_TTL_SECONDS = 1;
/** Past the receiver's secret cache. */
const pastTheCache = () => new Promise((done) => setTimeout(done, SECRET_TTL_SECONDS * 1000 + 100));

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'connect-notifications-'));
  // Secrets cached 1 s: a rotation shows within a second (the default, 300 s, is tested in the unit tests).
  local = await startLocalModeProcess({
    inMemory: false,
    cwd: workDir,
    env: { LOG_FORMAT: 'line', SECRET_TTL_SECONDS: String(SECRET_TTL_SECONDS) },
  });
  const session = await mintSession(local.apiUrl, 'alice@example.com');
  expect((await post(`${local.apiUrl}/sessions`, session)).status).toBe(200);
  alice = { humanId: session.humanId };
});

afterAll(async () => {
  await local?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the sandbox notifies after a connection', () => {
  it('sends a signed `sources` notification once a v1 session is finished, and the inbox gets it', async () => {
    // The session of beforeAll: its notification goes out in the background.
    const after = await caughtUp(1);

    expect(after.sandbox).toMatchObject({ sent: 1, delivered: 1, refused: 0, failed: 0 });
    expect(after.queue).toMatchObject({ accepted: 1, deduplicated: 0 });
    const inbox = await (
      await fetch(`${local.apiUrl}/sandbox/notifications/inbox?clientUserId=${encodeURIComponent('alice@example.com')}`)
    ).json();
    expect(inbox).toEqual({
      clientUserId: 'alice@example.com',
      cursor: 1,
      notices: [
        { id: 1, type: 'sources', action: 'connected', updatedAt: expect.any(String), receivedAt: expect.any(String) },
      ],
    });
  });

  it('sends one when a source is connected in the current generation\u2019s popup', async () => {
    // Prepare
    const before = await caughtUp();
    const created = await signedPost(`${local.apiUrl}/connect-tokens`, {
      clientUserId: 'bob@example.com',
      email: 'bob@example.com',
    });

    // Act
    const popup = await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token: created.json.token });

    // Assess
    expect(popup.status).toBe(200);
    const after = await caughtUp(before.sandbox.sent + 1);
    expect(after.queue.accepted).toBe(before.queue.accepted + 1);
  });
});

describe('POST /notifications/{secret}', () => {
  it('queues a verified notification once, however often Human API delivers it', async () => {
    // Prepare
    const before = await caughtUp();

    // Act: delivered, then delivered twice more (each delivery signed afresh).
    const sent = await sendHook({ clientUserId: 'alice@example.com', redeliveries: 2 });

    // Assess
    expect(sent.status).toBe(200);
    expect(sent.json.deliveries).toEqual([
      { status: 200, attempts: 1 },
      { status: 200, attempts: 1 },
      { status: 200, attempts: 1 },
    ]);
    const after = await caughtUp();
    expect(after.queue.accepted - before.queue.accepted).toBe(1);
    expect(after.queue.deduplicated - before.queue.deduplicated).toBe(2);
    await new Promise((done) => setTimeout(done, 300));
    const settled = await stats();
    expect(settled.inbox.received - before.inbox.received).toBe(1);
    expect(settled.inbox.distinct - before.inbox.distinct).toBe(1);
  });

  it('queues an unsigned notification too (Human API signs optionally)', async () => {
    const before = await caughtUp();

    const sent = await sendHook({ clientUserId: 'alice@example.com', type: 'sleeps/summaries', signed: false });

    expect(sent.json.deliveries).toEqual([{ status: 200, attempts: 1 }]);
    expect((await stats()).queue.accepted).toBe(before.queue.accepted + 1);
  });

  it('refuses a wrong path secret, a wrong signature and a stale one with 401, and queues nothing', async () => {
    // Prepare
    const before = await caughtUp();
    const body = JSON.stringify([{ humanId: alice.humanId, type: 'profile', updatedAt: new Date().toISOString() }]);

    // Act
    const wrongSecret = await postNotification(body, { url: `${local.apiUrl}/notifications/${pathSecret()}0` });
    const wrongSignature = await postNotification(body, { secret: 'not-the-client-secret' });
    const stale = await postNotification(body, { timestamp: Math.floor(Date.now() / 1000) - 301 });

    // Assess
    expect([wrongSecret.status, wrongSignature.status, stale.status]).toEqual([401, 401, 401]);
    expect(wrongSecret.json).toMatchObject({ type: 'urn:humanconnect:problem:notification-refused', status: 401 });
    expect(wrongSecret.text).not.toContain(pathSecret());
    expect((await caughtUp()).queue).toEqual(before.queue);
  });

  it('answers 503 while the queue fails, and Human API\u2019s retry then gets through, queued once', async () => {
    // Prepare: every SDK attempt of the first delivery fails (3), the retry's do not.
    const before = await caughtUp();
    await post(`${local.apiUrl}/sandbox/sqs/faults`, { operation: 'SendMessageBatch', count: 3 });

    // Act
    const sent = await sendHook({ clientUserId: 'alice@example.com', type: 'heart_rate/readings' });

    // Assess
    expect(sent.json.deliveries).toEqual([{ status: 200, attempts: 2 }]);
    const after = await caughtUp();
    expect(after.queue.accepted).toBe(before.queue.accepted + 1);
    expect(
      local.output.some((line) =>
        / POST \/notifications\/… 503 \d+ms failed: the notifications queue is unavailable$/.test(line),
      ),
    ).toBe(true);
  });

  it('answers 413 past 32 KiB and 400 for a notification without a humanId, queueing nothing', async () => {
    const before = await caughtUp();

    const tooLarge = await postNotification(JSON.stringify([{ humanId: alice.humanId, pad: 'x'.repeat(33 * 1024) }]));
    const noHumanId = await postNotification('[{"type":"profile"}]');

    expect([tooLarge.status, noHumanId.status]).toEqual([413, 400]);
    expect((await caughtUp()).queue).toEqual(before.queue);
  });

  it('keeps working through a rotation of the path secret: the new URL once the cache expired, the old one meanwhile', async () => {
    // Prepare
    const previous = pathSecret();
    const client = secretsManager();
    await client.send(
      new PutSecretValueCommand({
        SecretId: LOCAL_NOTIFICATIONS_SECRET_ID,
        SecretString: 'rotated0path0secret0abcdef0123456789',
      }),
    );
    const body = JSON.stringify([{ humanId: alice.humanId, type: 'profile', updatedAt: new Date().toISOString() }]);

    await pastTheCache();

    // Act
    const withNew = await postNotification(body, {
      url: `${local.apiUrl}/notifications/rotated0path0secret0abcdef0123456789`,
    });
    const withOld = await postNotification(body, { url: `${local.apiUrl}/notifications/${previous}` });

    // Assess
    expect([withNew.status, withOld.status]).toEqual([200, 200]);
    const stage = await client.send(
      new GetSecretValueCommand({ SecretId: LOCAL_NOTIFICATIONS_SECRET_ID, VersionStage: 'AWSPREVIOUS' }),
    );
    expect(stage.SecretString).toBe(previous);
    client.destroy();
  });

  it('verifies signatures with the rotated client secret once the cache expired', async () => {
    await post(`${local.apiUrl}/sandbox/humanapi/rotate-secret`, {});
    await pastTheCache();

    const sent = await sendHook({ clientUserId: 'alice@example.com', type: 'profile' });

    expect(sent.json.deliveries).toEqual([{ status: 200, attempts: 1 }]);
  });
});

describe('the app back end\u2019s new-data notices', () => {
  async function signIn(user: string): Promise<string> {
    const answer = await post(`${local.webUrl}/app/sign-in`, { user });
    return (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }
  const notices = async (cookie: string, after = '0') => {
    const answer = await fetch(`${local.webUrl}/app/notifications?after=${after}`, {
      headers: cookie === '' ? {} : { cookie },
    });
    return { status: answer.status, json: (await answer.json()) as Record<string, unknown> };
  };

  it("answers the signed-in user's notices after a cursor, and the cursor to poll with next", async () => {
    // Prepare
    const cookie = await signIn('alice@example.com');
    await caughtUp();
    const first = await notices(cookie);

    // Act
    const sent = await sendHook({ clientUserId: 'alice@example.com', type: 'activities/summaries' });
    await caughtUp();
    const next = await notices(cookie, String(first.json.cursor));

    // Assess
    expect(sent.json.deliveries).toEqual([{ status: 200, attempts: 1 }]);
    expect(first.status).toBe(200);
    expect(first.json.clientUserId).toBe('alice@example.com');
    expect(next.json).toEqual({
      clientUserId: 'alice@example.com',
      cursor: expect.any(Number),
      notices: [
        {
          id: next.json.cursor,
          type: 'activities/summaries',
          action: 'updated',
          updatedAt: expect.any(String),
          receivedAt: expect.any(String),
        },
      ],
    });
    expect((await notices(cookie, String(next.json.cursor))).json.notices).toEqual([]);
  });

  it('tells the page where to poll, in its /config.json', async () => {
    const config = (await (await fetch(`${local.webUrl}/config.json`)).json()) as Record<string, unknown>;

    expect(config.newDataUrl).toBe(`${local.webUrl}/app/notifications`);
  });

  it("shows no other user's notices, and refuses without a session or with a bad cursor", async () => {
    const carol = await signIn('carol@example.com');

    expect((await notices(carol)).json).toEqual({ clientUserId: 'carol@example.com', cursor: 0, notices: [] });
    expect((await notices('')).status).toBe(401);
    expect((await notices(carol, '-1')).status).toBe(400);
  });
});

describe('the terminal', () => {
  it('prints one line per notification received, never the URL\u2019s secret', async () => {
    const lines = local.output.filter((line) => line.includes(' POST /notifications/'));

    expect(lines.some((line) => / POST \/notifications\/… 200 \d+ms$/.test(line))).toBe(true);
    expect(lines.some((line) => / POST \/notifications\/… 401 \d+ms failed: Unauthorized$/.test(line))).toBe(true);
    for (const secret of [pathSecret(), 'rotated0path0secret0abcdef0123456789']) {
      expect(local.output.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
