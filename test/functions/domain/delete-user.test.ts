/**
 * deleteUser, the domain (docs/design.md#deleting-a-user): the tombstone, the idempotency records
 * removed (again, once a finish that was in flight completes its record), the caller rule, the
 * audit line, and the tombstone's lifetime against every window in which a grant can still land.
 */
import { describe, expect, it, vi } from 'vitest';
import { logger } from '../../../functions/commons/observability.js';
import { deleteUser, IN_FLIGHT_RECHECKS_MS, TOMBSTONE_LIFETIME_MS } from '../../../functions/domain/delete-user.js';
import { CallerMismatchError, DependencyUnavailableError } from '../../../functions/domain/errors.js';
import { MAX_CLOCK_SKEW_MS, MAX_GRANT_AGE_MS } from '../../../functions/domain/grant-message.js';
import type { IdempotencyRecordRemover, Tombstones, TombstoneWrite } from '../../../functions/domain/ports.js';
import { UNSAVED_EXCHANGE_LIFETIME_MS } from '../../../functions/domain/unsaved-exchanges.js';

const now = new Date('2026-12-04T12:00:00.000Z');
const backEnd = { kind: 'trusted', principal: 'arn:aws:iam::123456789012:role/app-backend' } as const;

function fakeTombstones(outcome: Partial<TombstoneWrite> = {}) {
  return {
    writeTombstone: vi.fn<Tombstones['writeTombstone']>(async () => ({
      removedRecord: true,
      deletedAt: '2026-12-04T12:00:00.000Z',
      idempotencyRecordIds: [],
      ...outcome,
    })),
  };
}

/** Records that answer, per id, one outcome per removal (then `absent`). */
function fakeRecords(
  outcomes: Record<string, ReturnType<IdempotencyRecordRemover['remove']> extends Promise<infer T> ? T[] : never>,
) {
  return {
    remove: vi.fn<IdempotencyRecordRemover['remove']>(async (id) => outcomes[id]?.shift() ?? 'absent'),
  };
}

const noSleep = vi.fn(async () => undefined);

describe('deleteUser', () => {
  it('leaves the tombstone, removes the listed idempotency records, and answers what went', async () => {
    const tombstones = fakeTombstones({ idempotencyRecordIds: ['r1', 'r2', 'r3'] });
    const records = fakeRecords({ r1: ['completed'], r2: ['absent'], r3: ['completed'] });

    const answer = await deleteUser('alice', backEnd, {
      tombstones,
      idempotencyRecords: records,
      now: () => now,
      sleep: noSleep,
    });

    expect(answer).toEqual({
      clientUserId: 'alice',
      deletedAt: '2026-12-04T12:00:00.000Z',
      deleted: { tokenRecord: true, idempotencyRecords: 2, atHumanApi: false },
    });
    expect(tombstones.writeTombstone).toHaveBeenCalledWith('alice', now, 15 * 24 * 60 * 60 * 1000);
    expect(records.remove.mock.calls).toEqual([['r1'], ['r2'], ['r3']]);
    expect(noSleep).not.toHaveBeenCalled();
  });

  it('answers nothing removed for a user with nothing left (never seen, or deleted before)', async () => {
    const answer = await deleteUser('nobody', backEnd, {
      tombstones: fakeTombstones({ removedRecord: false }),
      idempotencyRecords: fakeRecords({}),
      now: () => now,
      sleep: noSleep,
    });

    expect(answer.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
  });

  it('removes a record again once a finish that was in flight completes it, counting it once', async () => {
    // r1's finish is still running at the first removal; it completes (writing r1 anew) before the second recheck.
    const sleep = vi.fn(async () => undefined);
    const records = fakeRecords({ r1: ['in progress', 'absent', 'completed'], r2: ['completed'] });

    const answer = await deleteUser('alice', backEnd, {
      tombstones: fakeTombstones({ idempotencyRecordIds: ['r1', 'r2', 'r1'] }),
      idempotencyRecords: records,
      now: () => now,
      sleep,
    });

    expect(answer.deleted.idempotencyRecords).toBe(2);
    expect(records.remove.mock.calls).toEqual([['r1'], ['r2'], ['r1'], ['r1']]);
    expect(sleep.mock.calls).toEqual([[250], [500]]);
  });

  it('gives up rechecking after the last pause: a finish that never completes leaves nothing', async () => {
    const sleep = vi.fn(async () => undefined);
    const records = fakeRecords({ r1: ['in progress'] });

    await deleteUser('alice', backEnd, {
      tombstones: fakeTombstones({ idempotencyRecordIds: ['r1'] }),
      idempotencyRecords: records,
      now: () => now,
      sleep,
    });

    expect(sleep.mock.calls).toEqual(IN_FLIGHT_RECHECKS_MS.map((pause) => [pause]));
    expect(records.remove).toHaveBeenCalledTimes(1 + IN_FLIGHT_RECHECKS_MS.length);
  });

  it('lets a signed-in user delete themself and refuses them another user, writing nothing', async () => {
    const tombstones = fakeTombstones();
    const dependencies = { tombstones, idempotencyRecords: fakeRecords({}), now: () => now, sleep: noSleep };

    await expect(deleteUser('bob', { kind: 'user', userId: 'alice' }, dependencies)).rejects.toBeInstanceOf(
      CallerMismatchError,
    );
    expect(tombstones.writeTombstone).not.toHaveBeenCalled();
    await expect(deleteUser('alice', { kind: 'user', userId: 'alice' }, dependencies)).resolves.toMatchObject({
      clientUserId: 'alice',
    });
  });

  it('fails as DynamoDB fails, removing no idempotency record before the tombstone stands', async () => {
    const tombstones = {
      writeTombstone: vi.fn(async () => Promise.reject(new DependencyUnavailableError('DynamoDB'))),
    };
    const records = fakeRecords({});

    await expect(
      deleteUser('alice', backEnd, { tombstones, idempotencyRecords: records, now: () => now, sleep: noSleep }),
    ).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(records.remove).not.toHaveBeenCalled();
  });

  it('writes one audit line: who, whom, when and what went, and no token', async () => {
    const info = vi.spyOn(logger, 'info');

    await deleteUser('alice@example.com', backEnd, {
      tombstones: fakeTombstones({ idempotencyRecordIds: ['finishSession#aGFzaA=='] }),
      idempotencyRecords: fakeRecords({ 'finishSession#aGFzaA==': ['completed'] }),
      now: () => now,
      sleep: noSleep,
    });

    expect(info.mock.calls).toEqual([
      [
        'Deleted a user\u2019s tokens',
        {
          audit: 'user-deleted',
          who: 'arn:aws:iam::123456789012:role/app-backend',
          whom: 'alice@example.com',
          at: '2026-12-04T12:00:00.000Z',
          deletedAt: '2026-12-04T12:00:00.000Z',
          deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
        },
      ],
    ]);
    info.mockRestore();
  });
});

describe('the tombstone\u2019s lifetime', () => {
  it('outlives every window in which a token issued before the deletion can still be stored', () => {
    // A queued grant is applied until MAX_GRANT_AGE_MS after its issue (outbox, dead letters and
    // redrives alike); a held exchange is retried within UNSAVED_EXCHANGE_LIFETIME_MS; clocks differ.
    expect(MAX_GRANT_AGE_MS).toBe(14 * 24 * 60 * 60 * 1000);
    expect(TOMBSTONE_LIFETIME_MS).toBe(15 * 24 * 60 * 60 * 1000);
    expect(TOMBSTONE_LIFETIME_MS).toBeGreaterThan(MAX_GRANT_AGE_MS + MAX_CLOCK_SKEW_MS + UNSAVED_EXCHANGE_LIFETIME_MS);
  });
});
