import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NotificationEntry, NotificationHint } from '../../../functions/contract/notifications.js';
import { DependencyUnavailableError, NotificationRefusedError } from '../../../functions/domain/errors.js';
import { hintsOf, notificationIdOf } from '../../../functions/domain/notification-hints.js';
import { receiveNotification } from '../../../functions/domain/receive-notification.js';
import type { NotificationQueue, RotatingSecret } from '../../../functions/domain/service-ports.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const HUMAN_ID = '5f0c2a9e8b7d6c5a4b3c2d1e';
const PATH_SECRET = 'Pa7hS3cretOfThisDeployment0123456789abcdefABCDEF';
// `printf '%s' "$PAYLOAD$TIMESTAMP$NONCE" | openssl dgst -sha1 -hmac the-client-secret` (and -hmac the-previous-secret).
const PAYLOAD = `[{"humanId":"${HUMAN_ID}"}]`;
const TIMESTAMP = '1767225600';
const NONCE = 'n0nce-1';
const SIGNED_WITH_CURRENT = '143feda38805e9f0930a7fd98ac3d5181ad845e1';
const SIGNED_WITH_PREVIOUS = '1a8045ea5429cda766ec6b6d692e0ffbc1e590d6';
const NOW = new Date('2026-01-01T00:00:30.000Z');
// `printf '%s' '["<humanId>",null,…]' | sha256sum`: the identity of a notification holding only its humanId.
const BARE_NOTIFICATION_ID = '27f16bd5fa70965222c9190ebd6462283bdf8527803a8104b32176ab50bc0cf6';

/** A rotating secret holding `values`, and `afterRefresh` once re-read. */
function fakeRotatingSecret(values: string[], afterRefresh = values): RotatingSecret & { refreshes: number } {
  const secret = {
    refreshes: 0,
    async acceptedValues({ refresh = false } = {}) {
      if (refresh) secret.refreshes += 1;
      return secret.refreshes > 0 ? afterRefresh : values;
    },
  };
  return secret;
}

function fakeQueue(): NotificationQueue & { sent: NotificationHint[][]; failing: boolean } {
  const queue = {
    sent: [] as NotificationHint[][],
    failing: false,
    async send(hints: readonly NotificationHint[]) {
      if (queue.failing) throw new DependencyUnavailableError('the notifications queue');
      queue.sent.push([...hints]);
    },
  };
  return queue;
}

function setup({
  pathSecrets = [PATH_SECRET],
  clientSecrets = ['the-client-secret'],
  clientSecretsAfterRefresh,
}: {
  pathSecrets?: string[];
  clientSecrets?: string[];
  clientSecretsAfterRefresh?: string[];
} = {}) {
  const dependencies = {
    pathSecret: fakeRotatingSecret(pathSecrets),
    clientSecret: fakeRotatingSecret(clientSecrets, clientSecretsAfterRefresh ?? clientSecrets),
    queue: fakeQueue(),
    log: vi.fn(),
    now: () => NOW,
  };
  return dependencies;
}

const entries: NotificationEntry[] = [{ humanId: HUMAN_ID }];
const signed = (signature: string) => ({
  'x-humanapi-signature': signature,
  'x-humanapi-timestamp': TIMESTAMP,
  'x-humanapi-nonce': NONCE,
});
const request = (overrides: Partial<Parameters<typeof receiveNotification>[0]> = {}) => ({
  pathSecret: PATH_SECRET,
  rawBody: PAYLOAD,
  headers: {},
  entries,
  ...overrides,
});

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

describe('receiveNotification: the path secret', () => {
  it('queues a notification whose URL holds this deployment\u2019s secret, then answers how many it took', async () => {
    // Prepare
    const dependencies = setup();

    // Act
    const receipt = await receiveNotification(request(), dependencies);

    // Assess
    expect(receipt).toEqual({ accepted: 1 });
    expect(dependencies.queue.sent).toEqual([
      [
        {
          version: 1,
          notificationId: BARE_NOTIFICATION_ID,
          humanId: HUMAN_ID,
          receivedAt: '2026-01-01T00:00:30.000Z',
          signatureVerified: false,
        },
      ],
    ]);
    expect(dependencies.log).toHaveBeenCalledWith({
      notifications: 1,
      users: ['044814208893deee'],
      types: ['unknown'],
      signatureVerified: false,
    });
  });

  it('refuses a wrong secret with NotificationRefusedError and queues nothing, without re-reading the secret', async () => {
    // Prepare
    const dependencies = setup();

    // Act
    const refused = receiveNotification(request({ pathSecret: `${PATH_SECRET}x` }), dependencies);

    // Assess
    await expect(refused).rejects.toEqual(
      new NotificationRefusedError(
        'path-secret',
        "The notification URL's secret is not this deployment's; nothing was queued.",
      ),
    );
    await expect(refused).rejects.toMatchObject({ reason: 'path-secret' });
    expect(dependencies.queue.sent).toEqual([]);
    // Anyone can send a wrong URL: that must not drive Secrets Manager reads.
    expect(dependencies.pathSecret.refreshes).toBe(0);
  });

  it('accepts the previous secret while the adapter still offers it (a rotation\u2019s grace)', async () => {
    const dependencies = setup({ pathSecrets: ['the-new-path-secret', PATH_SECRET] });

    await expect(receiveNotification(request(), dependencies)).resolves.toEqual({ accepted: 1 });
    expect(dependencies.pathSecret.refreshes).toBe(0);
  });

  it('compares the path secret in constant time: timingSafeEqual over equal-length digests, for every value', async () => {
    // Prepare
    const dependencies = setup({ pathSecrets: [PATH_SECRET, 'the-previous-path-secret'] });

    // Act
    await receiveNotification(request({ pathSecret: 'short' }), dependencies).catch(() => undefined);

    // Assess: each of the two values compared (no early exit), as two 32-byte SHA-256 digests.
    const calls = vi.mocked(timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(2);
    for (const [left, right] of calls) {
      expect([(left as Buffer).length, (right as Buffer).length]).toEqual([32, 32]);
    }
  });
});

describe('receiveNotification: X-HumanAPI-Signature', () => {
  it('queues a notification without a signature (Human API signs optionally), marked unverified', async () => {
    const dependencies = setup();

    await receiveNotification(request(), dependencies);

    expect(dependencies.queue.sent[0]?.[0]?.signatureVerified).toBe(false);
  });

  it('queues a notification signed with the client secret, marked verified', async () => {
    const dependencies = setup();

    await receiveNotification(request({ headers: signed(SIGNED_WITH_CURRENT) }), dependencies);

    expect(dependencies.queue.sent[0]?.[0]?.signatureVerified).toBe(true);
    expect(dependencies.clientSecret.refreshes).toBe(0);
  });

  it('accepts a signature with the previous client secret while it is offered (a rotation)', async () => {
    const dependencies = setup({ clientSecrets: ['the-client-secret', 'the-previous-secret'] });

    await expect(
      receiveNotification(request({ headers: signed(SIGNED_WITH_PREVIOUS) }), dependencies),
    ).resolves.toEqual({ accepted: 1 });
  });

  it('re-reads the client secret once when Human API signs with one rotated since it was cached', async () => {
    const dependencies = setup({
      clientSecrets: ['the-previous-secret'],
      clientSecretsAfterRefresh: ['the-client-secret', 'the-previous-secret'],
    });

    await receiveNotification(request({ headers: signed(SIGNED_WITH_CURRENT) }), dependencies);

    expect(dependencies.clientSecret.refreshes).toBe(1);
    expect(dependencies.queue.sent).toHaveLength(1);
  });

  it.each([
    ['a wrong signature', signed('0'.repeat(40)), 'signature-mismatch'],
    [
      'a signature of another body',
      { ...signed(SIGNED_WITH_CURRENT), 'x-humanapi-nonce': 'n0nce-2' },
      'signature-mismatch',
    ],
    [
      'a signature without a timestamp',
      { 'x-humanapi-signature': SIGNED_WITH_CURRENT, 'x-humanapi-nonce': NONCE },
      'signature-headers',
    ],
    ['an unreadable signature', signed('sha1=abc'), 'signature-headers'],
    [
      'a timestamp older than 300 s',
      { ...signed(SIGNED_WITH_CURRENT), 'x-humanapi-timestamp': '1767225269' },
      'signature-stale',
    ],
  ])('refuses %s and queues nothing', async (_, headers, reason) => {
    // Prepare
    const dependencies = setup();

    // Act
    const refused = receiveNotification(request({ headers }), dependencies);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(NotificationRefusedError);
    await expect(refused).rejects.toMatchObject({ reason });
    expect(dependencies.queue.sent).toEqual([]);
  });

  it('compares signatures in constant time', async () => {
    const dependencies = setup();

    await receiveNotification(request({ headers: signed(SIGNED_WITH_CURRENT) }), dependencies);

    // One path secret and one client secret, each one timingSafeEqual of two SHA-256 digests.
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(2);
  });
});

describe('receiveNotification: the hand-off', () => {
  it('throws the queue\u2019s DependencyUnavailableError (a 503, so Human API retries) and logs nothing as queued', async () => {
    // Prepare
    const dependencies = setup();
    dependencies.queue.failing = true;

    // Act
    const failed = receiveNotification(request(), dependencies);

    // Assess
    await expect(failed).rejects.toEqual(new DependencyUnavailableError('the notifications queue'));
    expect(dependencies.log).not.toHaveBeenCalled();
  });

  it('refuses before the queue is asked when the secret is wrong, even with the queue failing', async () => {
    const dependencies = setup();
    dependencies.queue.failing = true;

    await expect(receiveNotification(request({ pathSecret: 'wrong' }), dependencies)).rejects.toBeInstanceOf(
      NotificationRefusedError,
    );
  });
});

describe('notification identities (the queue\u2019s deduplication IDs)', () => {
  const full: NotificationEntry = {
    humanId: HUMAN_ID,
    clientUserId: 'alice@example.com',
    endpoint: 'https://api.humanapi.co/v1/human/activities/summaries',
    type: 'activities/summaries',
    action: 'updated',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('is the SHA-256 of the humanId and the known fields in a fixed order', () => {
    // `printf '%s' '["<humanId>","alice@example.com",null,null,"https://…",…]' | sha256sum`
    expect(notificationIdOf(full)).toBe('6d4ca393b0d44a9b6e49b0bdfc13af96b6388a824276397adffdb7fc12873dda');
    expect(notificationIdOf({ humanId: HUMAN_ID })).toBe(BARE_NOTIFICATION_ID);
  });

  it('is the same for a redelivery that adds or reorders unknown fields, and differs when a known field does', () => {
    const redelivered = { attempt: 2, ...full, clientData: { any: 'thing' } } as NotificationEntry;

    expect(notificationIdOf(redelivered)).toBe(notificationIdOf(full));
    expect(notificationIdOf({ ...full, updatedAt: '2026-01-01T00:00:01.000Z' })).not.toBe(notificationIdOf(full));
  });

  it('makes one hint of a notification repeated within a POST, carrying only known fields', () => {
    const hints = hintsOf(
      [full, { ...full, clientData: { heartRate: 61 } } as NotificationEntry, { humanId: HUMAN_ID }],
      NOW,
      true,
    );

    expect(hints.map((hint) => hint.notificationId)).toEqual([
      '6d4ca393b0d44a9b6e49b0bdfc13af96b6388a824276397adffdb7fc12873dda',
      BARE_NOTIFICATION_ID,
    ]);
    expect(hints[0]).toEqual({
      version: 1,
      notificationId: '6d4ca393b0d44a9b6e49b0bdfc13af96b6388a824276397adffdb7fc12873dda',
      ...full,
      receivedAt: '2026-01-01T00:00:30.000Z',
      signatureVerified: true,
    });
    expect(JSON.stringify(hints)).not.toContain('heartRate');
  });
});
