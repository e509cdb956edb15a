import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../functions/commons/observability.js';
import { applyQueuedGrant } from '../../../functions/domain/drain-outbox.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';
import { CLIENT_ID, fakeGrantStore, fakeRejectedGrants } from '../fakes.js';

const now = new Date('2026-12-04T12:00:00.000Z');
const grant = {
  clientUserId: 'alice@example.com',
  humanId: 'h'.repeat(24),
  clientId: CLIENT_ID,
  accessTokenCiphertext: 'AQIDBA==',
  accessTokenIssuedAt: '2026-12-04T11:00:00.000Z',
  publicToken: 'p'.repeat(32),
  publicTokenIssuedAt: '2026-12-04T11:00:00.000Z',
};
const body = (overrides: Record<string, unknown> = {}) => JSON.stringify({ ...grant, ...overrides });

describe('applyQueuedGrant', () => {
  let grants: ReturnType<typeof fakeGrantStore>;
  let rejected: ReturnType<typeof fakeRejectedGrants>;
  const dependencies = () => ({ clientId: CLIENT_ID, grants, rejected, now: () => now });

  beforeEach(() => {
    grants = fakeGrantStore();
    rejected = fakeRejectedGrants();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('stores a valid grant of this app with the newest-wins write, rejecting nothing', async () => {
    await applyQueuedGrant(body(), dependencies());

    expect(grants.stored).toEqual([grant]);
    expect(rejected.rejected).toEqual([]);
  });

  it('stores issue times in the form newest-wins compares (UTC with milliseconds)', async () => {
    await applyQueuedGrant(
      body({ accessTokenIssuedAt: '2026-12-04T11:00:00Z', publicTokenIssuedAt: '2026-12-04T11:00:00.5Z' }),
      dependencies(),
    );

    expect(grants.stored).toEqual([
      { ...grant, accessTokenIssuedAt: '2026-12-04T11:00:00.000Z', publicTokenIssuedAt: '2026-12-04T11:00:00.500Z' },
    ]);
  });

  it.each([
    ['a body that is not JSON', 'not json {', 'not JSON'],
    ['a publicToken of 513 characters', body({ publicToken: 'p'.repeat(513) }), "fails the grant's rules: publicToken"],
    [
      'a clientUserId with a control character',
      body({ clientUserId: 'alice\u0007@example.com' }),
      "fails the grant's rules: clientUserId",
    ],
    [
      'a ciphertext over 4096 characters',
      body({ accessTokenCiphertext: 'A'.repeat(4097) }),
      "fails the grant's rules: accessTokenCiphertext",
    ],
    [
      'a ciphertext that is not base64',
      body({ accessTokenCiphertext: 'not base64!' }),
      "fails the grant's rules: accessTokenCiphertext",
    ],
    ['an extra field', body({ accessToken: 'a'.repeat(40) }), "fails the grant's rules: (body)"],
    ['a missing field', JSON.stringify({ ...grant, humanId: undefined }), "fails the grant's rules: humanId"],
    [
      'an issue time that is not ISO 8601',
      body({ publicTokenIssuedAt: 'yesterday' }),
      "fails the grant's rules: publicTokenIssuedAt",
    ],
    ['a JSON array', '[]', "fails the grant's rules: (body)"],
    ['another app\u2019s clientId', body({ clientId: 'x'.repeat(40) }), 'another app\u2019s grant'],
    [
      'an accessToken issued more than 14 days ago',
      body({ accessTokenIssuedAt: '2026-11-20T11:59:59.999Z' }),
      'issued before the outbox\u2019s lifetime',
    ],
    [
      'a publicToken issued more than 14 days ago',
      body({ publicTokenIssuedAt: '2026-11-01T00:00:00.000Z' }),
      'issued before the outbox\u2019s lifetime',
    ],
    [
      'an accessToken issued more than 5 minutes in the future',
      body({ accessTokenIssuedAt: '2026-12-04T12:05:00.001Z' }),
      'issued in the future',
    ],
    [
      'a publicToken issued hours in the future',
      body({ publicTokenIssuedAt: '2026-12-04T18:00:00.000Z' }),
      'issued in the future',
    ],
  ])('rejects %s with a reason naming the rule, storing nothing and not throwing', async (_, message, problem) => {
    await expect(applyQueuedGrant(message, dependencies())).resolves.toBeUndefined();

    expect(rejected.rejected).toEqual([{ body: message, problem }]);
    expect(grants.stored).toEqual([]);
  });

  it('never puts a value of the message in the reason or the log', async () => {
    const logged = vi.spyOn(logger, 'error');
    const secretish = { clientUserId: 'alice\u0007@example.com', publicToken: 'q'.repeat(513), humanId: 'has space' };

    await applyQueuedGrant(body(secretish), dependencies());

    const [reason] = rejected.rejected.map((entry) => entry.problem);
    expect(reason).toBe("fails the grant's rules: clientUserId, humanId, publicToken");
    expect(logged).toHaveBeenCalledWith('Rejected a queued message that is not a grant to apply', {
      problem: "fails the grant's rules: clientUserId, humanId, publicToken",
    });
    expect(JSON.stringify(logged.mock.calls)).not.toMatch(/alice|qqqq|has space|AQIDBA/);
  });

  it('accepts a grant issued just inside the outbox\u2019s lifetime and just inside the clock skew', async () => {
    await applyQueuedGrant(
      body({ accessTokenIssuedAt: '2026-11-20T12:00:00.000Z', publicTokenIssuedAt: '2026-12-04T12:05:00.000Z' }),
      dependencies(),
    );

    expect(rejected.rejected).toEqual([]);
    expect(grants.stored).toHaveLength(1);
  });

  it('drops, with a warning, a grant the user\u2019s deletion outdates (the store answers nothing stored)', async () => {
    grants = fakeGrantStore(() => undefined);
    const warned = vi.spyOn(logger, 'warn');

    await expect(applyQueuedGrant(body(), dependencies())).resolves.toBeUndefined();

    expect(grants.stored).toEqual([grant]);
    expect(rejected.rejected).toEqual([]);
    expect(warned).toHaveBeenCalledWith('Dropped a queued grant issued before its user was deleted');
  });

  it('throws when the rejected-grants queue fails, so the message is received again', async () => {
    rejected.failing = true;

    await expect(applyQueuedGrant('not json {', dependencies())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(grants.stored).toEqual([]);
  });

  it('throws when the write fails, so the message is received again', async () => {
    grants.storeGrant = async () => {
      throw new DependencyUnavailableError('DynamoDB');
    };

    await expect(applyQueuedGrant(body(), dependencies())).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(rejected.rejected).toEqual([]);
  });
});
