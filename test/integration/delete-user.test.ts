/**
 * `DELETE /users/{clientUserId}` over real HTTP against local mode (IAM-signed, as the team's back
 * end calls it): what it removes and answers, the user connecting again from scratch, the refusals
 * that change nothing, the audit line, and the deletion racing a finish, the outbox drain and a
 * redrive: the deleted tokens never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_IAM_PRINCIPAL_ARN } from '../../local/iam-authorizer.js';
import { type Answer, mintSession, post } from '../support/http.js';
import { scanForLeaks } from '../support/leak-scan.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost, signedRequest, signRequest } from '../support/sigv4.js';

const TOKENS = 'humanapi-tokens';
const DAY_S = 24 * 60 * 60;

let local: LocalModeProcess;
let userCount = 0;
const newUser = (label: string) => `${label}-${++userCount}@example.com`;
/** Every publicToken an answer held: none may show in a log line. */
const publicTokens = new Set<string>();

interface RecordView {
  readonly humanId?: string;
  readonly publicToken?: string;
  readonly version: number;
  readonly createdAt?: string;
  readonly accessTokenIssuedAt?: string;
  readonly accessTokenSealed: boolean;
  readonly deletedAt?: string;
  readonly purgeAt?: number;
}

const remember = (answer: Answer) => {
  if (typeof answer.json.publicToken === 'string') publicTokens.add(answer.json.publicToken);
  return answer;
};
const deleteUser = (clientUserId: string) =>
  signedRequest('DELETE', `${local.apiUrl}/users/${encodeURIComponent(clientUserId)}`);
const finish = async (body: unknown) => remember(await post(`${local.apiUrl}/sessions`, body));
const recover = async (body: object) => remember(await signedPost(`${local.apiUrl}/public-tokens`, body));
const connectTokens = (body: object) => signedPost(`${local.apiUrl}/connect-tokens`, body);
const hook = async (path: string, body: object) => {
  const answer = await post(`${local.apiUrl}${path}`, body);
  if (answer.status >= 300) throw new Error(`${path} answered ${answer.status}: ${answer.text}`);
};
async function record(clientUserId: string): Promise<RecordView | undefined> {
  const answer = await fetch(
    `${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`,
  );
  return answer.status === 404 ? undefined : ((await answer.json()) as RecordView);
}
const sqsStats = async () =>
  (await (await fetch(`${local.apiUrl}/sandbox/sqs/stats`)).json()) as {
    outbox: number;
    deadLetters: number;
    rejected: number;
  };
const dynamoDbRequests = async () =>
  ((await (await fetch(`${local.apiUrl}/sandbox/dynamodb/stats`)).json()) as { requestCounts: Record<string, number> })
    .requestCounts;
/** Polls until `check` holds, at most 40 s (the drain polls every 200 ms, the redrive runs every 5 s). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 40 s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}
/** A connected v1 user, and the publicToken of their finish. */
async function connectedUser(label: string): Promise<{ clientUserId: string; publicToken: string }> {
  const clientUserId = newUser(label);
  const answer = await finish(await mintSession(local.apiUrl, clientUserId));
  expect(answer.status, answer.text).toBe(200);
  return { clientUserId, publicToken: answer.json.publicToken as string };
}
const expectTombstone = (view: RecordView | undefined) => {
  expect(view).toMatchObject({ accessTokenSealed: false, deletedAt: expect.any(String), purgeAt: expect.any(Number) });
  expect(view?.humanId).toBeUndefined();
  expect(view?.publicToken).toBeUndefined();
};

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('DELETE /users/{clientUserId}', () => {
  it('deletes a v1 user\u2019s tokens and the idempotency record of their finish, and the user connects again from scratch', async () => {
    // Prepare
    const alice = newUser('alice');
    const session = await mintSession(local.apiUrl, alice);
    const first = await finish(session);
    expect(first.status).toBe(200);

    // Act
    const deleted = await deleteUser(alice);

    // Assess: the answer, the tombstone (15 days), and no way back to the old tokens.
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.headers.get('cache-control')).toBe('no-store');
    expect(deleted.json).toEqual({
      clientUserId: alice,
      deletedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
    });
    const tombstone = await record(alice);
    expectTombstone(tombstone);
    expect(tombstone?.deletedAt).toBe(deleted.json.deletedAt);
    expect(tombstone?.purgeAt).toBe(Math.ceil(Date.parse(String(deleted.json.deletedAt)) / 1000) + 15 * DAY_S);
    expect((await recover({ clientUserId: alice })).status).toBe(404);
    expect((await recover({ humanId: first.json.humanId as string })).status).toBe(404);
    // The replay has no stored answer left: the session token is spent at Human API.
    expect((await finish(session)).status).toBe(422);
    const asked = await connectTokens({ clientUserId: alice });
    expect(asked.status).toBe(400);
    expect(asked.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);

    // Act: the user connects again.
    const again = await finish(await mintSession(local.apiUrl, alice));

    // Assess: a fresh record, no longer expiring.
    expect(again.status).toBe(200);
    expect(again.json.publicToken).not.toBe(first.json.publicToken);
    expect((await recover({ clientUserId: alice })).json.publicToken).toBe(again.json.publicToken);
    const reconnected = await record(alice);
    expect(reconnected).toMatchObject({ publicToken: again.json.publicToken, accessTokenSealed: true });
    expect(reconnected?.purgeAt).toBeUndefined();
    expect(String(reconnected?.createdAt) >= String(deleted.json.deletedAt)).toBe(true);
  });

  it('answers 200 with nothing removed when asked again, and for a user it never saw', async () => {
    const { clientUserId } = await connectedUser('twice');

    const first = await deleteUser(clientUserId);
    const second = await deleteUser(clientUserId);
    const never = await deleteUser(newUser('never'));

    expect(first.json.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 1, atHumanApi: false });
    expect(second.status).toBe(200);
    expect(second.json.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
    expect(String(second.json.deletedAt) >= String(first.json.deletedAt)).toBe(true);
    expect(never.status).toBe(200);
    expect(never.json.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
  });

  it('deletes a current-generation user: /connect-tokens asks for an email again, and Human API, which still knows the user, opens edit', async () => {
    // Prepare
    const carol = newUser('carol');
    const created = await connectTokens({ clientUserId: carol, email: carol });
    await hook('/sandbox/humanapi-auth/connect/complete', { token: created.json.token as string });
    expect((await connectTokens({ clientUserId: carol })).json.mode).toBe('edit');

    // Act
    const deleted = await deleteUser(carol);
    const withoutEmail = await connectTokens({ clientUserId: carol });
    const withEmail = await connectTokens({ clientUserId: carol, email: carol });

    // Assess
    expect(deleted.json.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 0, atHumanApi: false });
    expect(withoutEmail.status).toBe(400);
    expect(withoutEmail.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);
    expect(withEmail.json).toMatchObject({ mode: 'edit', humanId: created.json.humanId });
    expect((await record(carol))?.purgeAt).toBeUndefined();
  });

  describe('refusals change nothing', () => {
    const url = (path: string) => `${local.apiUrl}${path}`;

    it.each([
      ['an unsigned request', async (path: string) => fetch(url(path), { method: 'DELETE' }), 403],
      [
        'a body',
        async (path: string) => {
          const body = '{}';
          const headers = await signRequest(url(path), {
            method: 'DELETE',
            headers: { 'content-type': 'application/json' },
            body,
          });
          return fetch(url(path), { method: 'DELETE', headers, body });
        },
        400,
      ],
      [
        'a query (Human API\u2019s deletion is not offered)',
        async (path: string) => {
          const target = url(`${path}?atHumanApi=true`);
          return fetch(target, { method: 'DELETE', headers: await signRequest(target, { method: 'DELETE' }) });
        },
        400,
      ],
      [
        '"me" from an IAM caller',
        async () =>
          fetch(url('/users/me'), {
            method: 'DELETE',
            headers: await signRequest(url('/users/me'), { method: 'DELETE' }),
          }),
        400,
      ],
      [
        'an id with a control character',
        async () => {
          const target = url('/users/ali%01ce');
          return fetch(target, { method: 'DELETE', headers: await signRequest(target, { method: 'DELETE' }) });
        },
        400,
      ],
    ])('answers %s with its 4xx, reading and writing nothing', async (_, send, status) => {
      // Prepare
      const { clientUserId, publicToken } = await connectedUser('refused');
      const before = await record(clientUserId);
      const requests = await dynamoDbRequests();

      // Act
      const answer = await send(`/users/${encodeURIComponent(clientUserId)}`);

      // Assess
      expect(answer.status).toBe(status);
      expect(await dynamoDbRequests()).toEqual(requests);
      expect(await record(clientUserId)).toEqual(before);
      expect(before?.publicToken).toBe(publicToken);
      if (status === 400) {
        const problem = (await answer.json()) as Record<string, unknown>;
        expect(problem.type).toMatch(/^urn:humanconnect:problem:(unexpected-body|invalid-parameter)$/);
      }
    });
  });

  it('writes one audit line per deletion: who, whom, when and what went, and no token', async () => {
    const { clientUserId } = await connectedUser('audited');

    const deleted = await deleteUser(clientUserId);

    const audits = local.output
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.audit === 'user-deleted' && line.whom === clientUserId);
    expect(audits).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'Deleted a user\u2019s tokens',
        who: LOCAL_IAM_PRINCIPAL_ARN,
        whom: clientUserId,
        at: expect.any(String),
        deletedAt: deleted.json.deletedAt,
        deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
        requestId: expect.any(String),
      }),
    ]);
  });
});

describe('a deletion racing the writers: the deleted tokens never come back', () => {
  it('racing finishes: whichever lands first, no token issued before the deletion is stored, nor answered by a replay', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => connectedUser('racing')));
    const outcomes = await Promise.all(
      users.map(async ({ clientUserId }, index) => {
        const session = await mintSession(local.apiUrl, clientUserId);
        const [finished, deleted] = await Promise.all([
          finish(session),
          new Promise<Answer>((done) => setTimeout(() => done(deleteUser(clientUserId)), (index % 4) * 15)),
        ]);
        return { clientUserId, session, finished, deleted };
      }),
    );
    await until(async () => (await sqsStats()).outbox === 0, 'the outbox empty');

    for (const { clientUserId, session, finished, deleted } of outcomes) {
      expect(deleted.status, deleted.text).toBe(200);
      expect([200, 409]).toContain(finished.status);
      const view = await record(clientUserId);
      const replay = await finish(session);
      if (view?.humanId === undefined) {
        // Deleted after (or as) the finish landed: nothing of it is left, and nothing answers it.
        expectTombstone(view);
        expect((await recover({ clientUserId })).status).toBe(404);
        expect(replay.status).not.toBe(200);
      } else {
        // The finish's exchange came after the deletion: the user connected again.
        expect(String(view.accessTokenIssuedAt) > String(deleted.json.deletedAt)).toBe(true);
        expect(finished.json.publicToken).toBe(view.publicToken);
        expect(replay.json.publicToken ?? view.publicToken).toBe(view.publicToken);
      }
    }
  });

  it('racing the outbox drain: a grant queued before the deletion is dropped when drained after it', async () => {
    // Prepare: the drain cannot receive; the finish's token write fails past the SDK's retries.
    const { clientUserId } = await connectedUser('drained');
    await hook('/sandbox/sqs/faults', { operation: 'ReceiveMessage', count: 1000 });
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: 3 });
    const queued = await finish(await mintSession(local.apiUrl, clientUserId));
    expect(queued.status).toBe(200);
    expect((await sqsStats()).outbox).toBe(1);

    // Act: the deletion, then the drain.
    const deleted = await deleteUser(clientUserId);
    await hook('/sandbox/faults/reset', {});
    await until(async () => (await sqsStats()).outbox === 0, 'the grant drained');

    // Assess
    expect(deleted.json.deleted).toMatchObject({ tokenRecord: true });
    expect(await sqsStats()).toMatchObject({ deadLetters: 0, rejected: 0 });
    expectTombstone(await record(clientUserId));
    expect((await recover({ clientUserId })).status).toBe(404);
  });

  it('racing a redrive: a dead-lettered grant moved back after the deletion is dropped', async () => {
    // Prepare: the finish's write and the drain's five receives fail (3 attempts each), so the grant
    // is dead-lettered; the redrive is held back until the deletion is done.
    const { clientUserId } = await connectedUser('redriven');
    await hook('/sandbox/sqs/faults', { operation: 'StartMessageMoveTask', count: 1000 });
    await hook('/sandbox/dynamodb/faults', { operation: 'UpdateItem', tableName: TOKENS, count: 18 });
    const queued = await finish(await mintSession(local.apiUrl, clientUserId));
    expect(queued.status).toBe(200);
    await until(async () => (await sqsStats()).deadLetters === 1, 'the grant dead-lettered');

    // Act: the deletion (retried while faults the drain left over remain), then the redrive.
    let deleted = await deleteUser(clientUserId);
    for (let attempt = 1; deleted.status === 503 && attempt < 5; attempt += 1) deleted = await deleteUser(clientUserId);
    await hook('/sandbox/faults/reset', {});
    await until(async () => {
      const { outbox, deadLetters } = await sqsStats();
      return outbox === 0 && deadLetters === 0;
    }, 'the grant redriven and drained');

    // Assess
    expect(deleted.status, deleted.text).toBe(200);
    expect(await sqsStats()).toMatchObject({ rejected: 0 });
    expectTombstone(await record(clientUserId));
    expect((await recover({ clientUserId })).status).toBe(404);
  }, 90_000);
});

describe('the deletion run', () => {
  it('leaks no publicToken in its logs', () => {
    expect(publicTokens.size).toBeGreaterThan(10);
    expect(scanForLeaks({ logLines: local.output, publicTokens })).toEqual([]);
  });
});
