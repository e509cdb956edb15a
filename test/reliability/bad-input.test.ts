/**
 * Bad input, property-based: thousands of generated bad requests per route
 * (`/sessions`, `/public-tokens`, `/connect-tokens`, the data gateway, `DELETE /users/{clientUserId}`),
 * each one defect away from a request that would reach Human API (or delete the user). Every one
 * must answer its 4xx as problem+json, none may reach Human API, none may
 * touch DynamoDB, and the stored record must not move. `/notifications/{secret}`
 * likewise: each generated request one defect away from a notification that would
 * be queued, none answered 5xx, none queued.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';
import type { Answer } from '../support/http.js';
import { type Harness, type StoredRecordView, startHarness } from '../support/reliability-harness.js';
import { LOCAL_IAM_CREDENTIALS, signRequest } from '../support/sigv4.js';
import { type BadNotification, badNotificationRequests, signedHeaders } from './bad-notifications.js';
import {
  type BadGatewayRequest,
  type BadPathRequest,
  type BadRequest,
  badConnectTokenRequests,
  badDeleteUserRequests,
  badGatewayRequests,
  badPublicTokenRequests,
  badSessionRequests,
} from './bad-requests.js';

/** Fixed, so a failure replays exactly. */
const SEED = 20_260_611;
/** Requests sent at once. */
const CONCURRENCY = 8;
/** Property runs per route: 250 batches of 8 = 2,000 requests. */
const BATCHES = 250;
const FUZZ_USER = 'fuzz.user+bad-input@example.com';

let harness: Harness;
let stored: StoredRecordView;
/** Figures for the summary. */
const badInput = {
  'POST /sessions': 0,
  'POST /public-tokens': 0,
  'POST /connect-tokens': 0,
  'GET /users/{clientUserId}/human/{path+}': 0,
  'DELETE /users/{clientUserId}': 0,
  'POST /notifications/{secret}': 0,
  notificationsQueued: 0,
  byStatus: {} as Record<number, number>,
  answered5xx: 0,
  reachedHumanApi: 0,
  dynamoDbRequests: 0,
  defectKinds: 0,
};

beforeAll(async () => {
  harness = await startHarness({ name: 'bad-input' });
  harness.figures.extra.badInput = badInput;
  const finished = await harness.finish(await harness.mintSession(FUZZ_USER));
  if (finished.status !== 200) throw new Error(`setup finish failed: ${finished.status}`);
  const record = await harness.storedRecord(FUZZ_USER);
  if (record === undefined) throw new Error('setup record missing');
  stored = record;
});

afterAll(async () => {
  await harness?.closeAndScan();
});

/** Calls of both Human API services: v1 exchanges and refreshes, and the current generation's `/v1/connect/token`. */
async function humanApiCalls(): Promise<number> {
  const auth = await harness.get('/sandbox/humanapi-auth/stats');
  if (typeof auth.json.tokenCalls !== 'number') throw new Error(`no auth sandbox stats: ${auth.text}`);
  return (await harness.humanApiCalls()) + auth.json.tokenCalls;
}

function send(path: string, request: BadRequest | BadPathRequest): Promise<Answer> {
  const options = {
    contentType: request.contentType,
    ...(request.headers === undefined ? {} : { headers: { ...request.headers } }),
  };
  // A route that takes no body carries its defect in its path, query or a body it must not have.
  if ('path' in request)
    return harness.request('DELETE', request.path, request.body === '' ? undefined : request.body, options);
  return harness.post(path, request.body, options);
}

/** Sends every generated request (CONCURRENCY at a time) and checks each answer; returns what was sent. */
async function fuzz(path: string, requests: fc.Arbitrary<BadRequest | BadPathRequest>) {
  const tally = { requests: 0, byStatus: {} as Record<number, number>, byDefect: {} as Record<string, number> };
  await fc.assert(
    fc.asyncProperty(fc.array(requests, { minLength: CONCURRENCY, maxLength: CONCURRENCY }), async (batch) => {
      const answers = await Promise.all(batch.map((request) => send(path, request)));
      batch.forEach((request, index) => {
        const answer = answers[index] as Answer;
        tally.requests += 1;
        tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
        badInput.byStatus[answer.status] = (badInput.byStatus[answer.status] ?? 0) + 1;
        tally.byDefect[request.defect] = (tally.byDefect[request.defect] ?? 0) + 1;
        if (answer.status >= 500) badInput.answered5xx += 1;
        expect(answer.status, `${request.defect}: ${answer.text}`).toBe(request.expectedStatus);
        expect(answer.headers.get('content-type')).toBe('application/problem+json');
        expect(answer.json.status).toBe(answer.status);
        expect(typeof answer.json.type).toBe('string');
        expect(typeof answer.json.title).toBe('string');
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      });
    }),
    { seed: SEED, numRuns: BATCHES },
  );
  return tally;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);

/** Records what a fuzz run cost the dependencies. */
function account(
  route: 'POST /sessions' | 'POST /public-tokens' | 'POST /connect-tokens' | 'DELETE /users/{clientUserId}',
  requests: number,
  humanApiCalls: number,
  dynamoDb: { before: Record<string, number>; after: Record<string, number> },
  byDefect: Record<string, number>,
) {
  badInput[route] = requests;
  badInput.reachedHumanApi += humanApiCalls;
  badInput.dynamoDbRequests += total(dynamoDb.after) - total(dynamoDb.before);
  badInput.defectKinds += Object.keys(byDefect).length;
  harness.figures.extra.badInputByDefect = { ...(harness.figures.extra.badInputByDefect as object), [route]: byDefect };
}

/**
 * Sends the generated bad requests to `route` and asserts each got its 4xx problem+json, none
 * reached Human API or DynamoDB, and the stored record held; records the figures for the summary.
 */
async function expectAllRefusedWithoutSideEffects(
  route: '/sessions' | '/public-tokens' | '/connect-tokens' | '/users/{clientUserId}',
  requests: () => Parameters<typeof fuzz>[1],
  statuses = ['400', '413', '415'],
): Promise<void> {
  // Prepare
  const humanApiBefore = await humanApiCalls();
  const dynamoDbBefore = await harness.dynamoDbRequests();

  // Act
  const tally = await fuzz(route, requests());

  // Assess
  const calls = (await humanApiCalls()) - humanApiBefore;
  const dynamoDbAfter = await harness.dynamoDbRequests();
  const routeKey = route === '/users/{clientUserId}' ? 'DELETE /users/{clientUserId}' : (`POST ${route}` as const);
  account(routeKey, tally.requests, calls, { before: dynamoDbBefore, after: dynamoDbAfter }, tally.byDefect);
  expect(tally.requests).toBeGreaterThanOrEqual(2000);
  expect(Object.keys(tally.byStatus).sort()).toEqual(statuses);
  expect(calls).toBe(0);
  expect(dynamoDbAfter).toEqual(dynamoDbBefore);
  expect(Object.keys(tally.byDefect).length).toBeGreaterThanOrEqual(route === '/users/{clientUserId}' ? 7 : 12);
  expect((await harness.checkRecord(FUZZ_USER, stored)).held).toBe(true);
}

describe('POST /sessions with bad input', () => {
  it('lets a defect-free sessionTokenObject of the same shape through to Human API (the control)', async () => {
    // Prepare
    const before = await harness.humanApiCalls();

    // Act: the same shape, nothing broken (an unknown session token, which only Human API can tell).
    const answer = await harness.post('/sessions', {
      humanId: 'a'.repeat(24),
      clientId: LOCAL_CLIENT_ID,
      sessionToken: 'b'.repeat(32),
    });

    // Assess
    expect(answer.status).toBe(422);
    expect(await harness.humanApiCalls()).toBe(before + 1);
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad requests with their 4xx problem+json, without reaching Human API or DynamoDB`, async () => {
    await expectAllRefusedWithoutSideEffects('/sessions', () => badSessionRequests(LOCAL_CLIENT_ID));
  });
});

describe('POST /public-tokens with bad input', () => {
  it('refuses a clientUserId that is not well-formed Unicode (a lone surrogate) with 400, before DynamoDB', async () => {
    // Prepare: the JSON escape is the only way to send one; it has no UTF-8 form to store.
    const dynamoDbBefore = await harness.dynamoDbRequests();

    // Act
    const answer = await harness.post('/public-tokens', `{"clientUserId":"\\ud800${FUZZ_USER}"}`, {
      contentType: 'application/json',
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([{ path: 'clientUserId', message: expect.any(String) }]);
    expect(await harness.dynamoDbRequests()).toEqual(dynamoDbBefore);
  });

  it('lets a defect-free refresh request of the same shape through to Human API (the control)', async () => {
    // Prepare
    const before = await harness.humanApiCalls();

    // Act
    const answer = await harness.post('/public-tokens', { clientUserId: FUZZ_USER, refresh: true });

    // Assess
    expect(answer.status).toBe(200);
    expect(await harness.humanApiCalls()).toBe(before + 1);
    const record = await harness.storedRecord(FUZZ_USER);
    expect(record?.publicToken).toBe(answer.json.publicToken);
    expect(record?.version).toBe(stored.version + 1);
    if (record !== undefined) stored = record;
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad requests with their 4xx problem+json, without reaching Human API or DynamoDB`, async () => {
    await expectAllRefusedWithoutSideEffects('/public-tokens', () =>
      badPublicTokenRequests({ clientUserId: FUZZ_USER, humanId: stored.humanId }),
    );
  });
});

describe('POST /connect-tokens with bad input', () => {
  const request = () => ({ clientUserId: FUZZ_USER, email: FUZZ_USER });

  it('lets a defect-free request of the same shape through to Human API, changing no record (the control)', async () => {
    // Prepare: FUZZ_USER connected through a v1 session, so Human API is asked for an id_token.
    const before = await humanApiCalls();

    // Act
    const answer = await harness.post('/connect-tokens', request());

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json.mode).toBe('edit');
    expect(await humanApiCalls()).toBe(before + 1);
    expect((await harness.checkRecord(FUZZ_USER, stored)).held).toBe(true);
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad requests with their 4xx problem+json, without reaching Human API or DynamoDB`, async () => {
    await expectAllRefusedWithoutSideEffects('/connect-tokens', () => badConnectTokenRequests(request()));
  });
});

describe('GET /users/{clientUserId}/human/{path+} with bad input', () => {
  const control = () => `/users/${encodeURIComponent(FUZZ_USER)}/human/activities/summaries?limit=10`;

  /** Calls of every Human API service: the data API, v1 and the current generation's token endpoint. */
  const upstreamCalls = async () => (await humanApiCalls()) + (await harness.humanDataCalls());

  /** Sends one generated request, signed as it says. */
  async function sendGateway(request: BadGatewayRequest): Promise<Answer> {
    const { pathAndQuery, body } = request;
    switch (request.signature) {
      case 'valid':
        return harness.gateway(pathAndQuery, body === undefined ? {} : { body });
      case 'none':
        return harness.gateway(pathAndQuery, { signed: false });
      case 'bearer':
        return harness.gateway(pathAndQuery, { signed: false, headers: { authorization: 'Bearer not-a-signature' } });
      case 'wrong credentials':
        return harness.gateway(pathAndQuery, {
          credentials: { ...LOCAL_IAM_CREDENTIALS, secretAccessKey: 'not-the-local-secret' },
        });
      case 'unknown key':
        return harness.gateway(pathAndQuery, {
          credentials: { ...LOCAL_IAM_CREDENTIALS, accessKeyId: 'AKIAUNKNOWNPRINCIPAL' },
        });
      case 'another request': {
        const headers = await signRequest(`${harness.apiUrl}${control()}`, { method: 'GET' });
        return harness.gateway(pathAndQuery, { signed: false, headers });
      }
    }
  }

  it('lets the defect-free request through to Human API\u2019s data API (the control)', async () => {
    // Prepare
    const before = await harness.humanDataCalls();

    // Act
    const answer = await harness.gateway(control());

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toHaveLength(10);
    expect(await harness.humanDataCalls()).toBe(before + 1);
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad requests with their 4xx, never a 5xx, calling nothing upstream and reading nothing`, async () => {
    // Prepare
    const upstreamBefore = await upstreamCalls();
    const dynamoDbBefore = await harness.dynamoDbRequests();
    const tally = { requests: 0, byStatus: {} as Record<number, number>, byDefect: {} as Record<string, number> };

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.array(badGatewayRequests(FUZZ_USER), { minLength: CONCURRENCY, maxLength: CONCURRENCY }),
        async (batch) => {
          const answers = await Promise.all(batch.map(sendGateway));
          batch.forEach((request, index) => {
            const answer = answers[index] as Answer;
            tally.requests += 1;
            tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
            badInput.byStatus[answer.status] = (badInput.byStatus[answer.status] ?? 0) + 1;
            tally.byDefect[request.defect] = (tally.byDefect[request.defect] ?? 0) + 1;
            if (answer.status >= 500) badInput.answered5xx += 1;
            const what = `${request.defect} ${request.pathAndQuery.slice(0, 200)}: ${answer.text.slice(0, 300)}`;
            expect(answer.status, what).toBe(request.expectedStatus);
            const { expected } = request;
            if ('message' in expected) {
              // API Gateway's own refusal, before any function runs.
              expect(answer.headers.get('content-type'), what).toBe('application/json');
              expect(answer.json.message, what).toBe(expected.message);
              return;
            }
            expect(answer.headers.get('content-type'), what).toBe('application/problem+json');
            expect(answer.json, what).toMatchObject({ status: 400, type: `urn:humanconnect:problem:${expected.slug}` });
            if (expected.slug === 'invalid-parameter') {
              expect(answer.json.errors, what).toEqual(
                expect.arrayContaining([expect.objectContaining({ path: expected.parameter })]),
              );
            }
            expect(answer.headers.get('cache-control')).toBe('no-store');
            expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
          });
        },
      ),
      { seed: SEED, numRuns: BATCHES },
    );

    // Assess
    const calls = (await upstreamCalls()) - upstreamBefore;
    const dynamoDbAfter = await harness.dynamoDbRequests();
    badInput['GET /users/{clientUserId}/human/{path+}'] = tally.requests;
    badInput.reachedHumanApi += calls;
    badInput.dynamoDbRequests += total(dynamoDbAfter) - total(dynamoDbBefore);
    badInput.defectKinds += Object.keys(tally.byDefect).length;
    harness.figures.extra.badInputByDefect = {
      ...(harness.figures.extra.badInputByDefect as object),
      'GET /users/{clientUserId}/human/{path+}': tally.byDefect,
    };
    expect(tally.requests).toBe(CONCURRENCY * BATCHES);
    expect(Object.keys(tally.byStatus).sort()).toEqual(['400', '403', '404']);
    expect(calls).toBe(0);
    expect(dynamoDbAfter).toEqual(dynamoDbBefore);
    expect(Object.keys(tally.byDefect).length).toBeGreaterThanOrEqual(25);
    expect((await harness.checkRecord(FUZZ_USER, stored)).held).toBe(true);
  });
});

describe('DELETE /users/{clientUserId} with bad input', () => {
  it('deletes a user for a defect-free request of the same shape (the control)', async () => {
    // Prepare: another user, so the fuzzed one keeps its record.
    const other = 'fuzz.other+bad-input@example.com';
    expect((await harness.finish(await harness.mintSession(other))).status).toBe(200);

    // Act
    const answer = await harness.request('DELETE', `/users/${encodeURIComponent(other)}`);

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 1, atHumanApi: false });
    const tombstone = await harness.storedRecord(other);
    expect(tombstone?.humanId).toBeUndefined();
    expect(tombstone?.publicToken).toBeUndefined();
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad requests with 400 problem+json, deleting nothing and reading nothing`, async () => {
    await expectAllRefusedWithoutSideEffects('/users/{clientUserId}', () => badDeleteUserRequests(FUZZ_USER), ['400']);
  });
});

describe('POST /notifications/{secret} with bad input', () => {
  const HUMAN_ID = 'f0'.repeat(12);
  /** Notifications the queue took as new, and the inbox's receipts, from the sandbox's hook. */
  const queueCounts = async () => {
    const stats = (await harness.get('/sandbox/notifications/stats')).json as {
      queue: { accepted: number; deduplicated: number };
    };
    // What the queue took (new or deduplicated), not its depth: the inbox consumes meanwhile.
    return { accepted: stats.queue.accepted, deduplicated: stats.queue.deduplicated };
  };
  const send = (request: BadNotification) => {
    const secret = harness.pathSecret();
    const path = `/notifications/${request.pathSecret === 'right' ? secret : request.pathSecret.mutate(secret)}`;
    const { 'content-type': contentType = null, ...headers } = signedHeaders(request, harness.currentSecret());
    return harness.post(path, request.body, { contentType, headers });
  };

  it('queues a defect-free, signed notification of the same shape (the control)', async () => {
    // Prepare
    const before = await queueCounts();

    // Act
    const answer = await send({
      defect: 'none',
      pathSecret: 'right',
      signing: 'valid',
      contentType: 'application/json',
      body: JSON.stringify([
        { humanId: HUMAN_ID, type: 'sources', action: 'connected', updatedAt: new Date().toISOString() },
      ]),
      expectedStatus: 400,
    });

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({ accepted: 1 });
    expect((await queueCounts()).accepted).toBe(before.accepted + 1);
  });

  it(`answers ${CONCURRENCY * BATCHES} generated bad notifications with their 4xx problem+json, no 5xx, queueing nothing`, async () => {
    // Prepare
    const before = await queueCounts();
    const dynamoDbBefore = await harness.dynamoDbRequests();
    const tally = { requests: 0, byStatus: {} as Record<number, number>, byDefect: {} as Record<string, number> };

    // Act
    await fc.assert(
      fc.asyncProperty(
        fc.array(badNotificationRequests(), { minLength: CONCURRENCY, maxLength: CONCURRENCY }),
        async (batch) => {
          const answers = await Promise.all(batch.map(send));
          batch.forEach((request, index) => {
            const answer = answers[index] as Answer;
            tally.requests += 1;
            tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;
            badInput.byStatus[answer.status] = (badInput.byStatus[answer.status] ?? 0) + 1;
            tally.byDefect[request.defect] = (tally.byDefect[request.defect] ?? 0) + 1;
            if (answer.status >= 500) badInput.answered5xx += 1;
            expect(answer.status, `${request.defect}: ${answer.text}`).toBe(request.expectedStatus);
            expect(answer.headers.get('content-type')).toBe('application/problem+json');
            expect(answer.json.status).toBe(answer.status);
            expect(answer.headers.get('cache-control')).toBe('no-store');
            expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
          });
        },
      ),
      { seed: SEED, numRuns: BATCHES },
    );

    // Assess
    const after = await queueCounts();
    badInput['POST /notifications/{secret}'] = tally.requests;
    badInput.notificationsQueued += after.accepted + after.deduplicated - before.accepted - before.deduplicated;
    badInput.defectKinds += Object.keys(tally.byDefect).length;
    harness.figures.extra.badInputByDefect = {
      ...(harness.figures.extra.badInputByDefect as object),
      'POST /notifications/{secret}': tally.byDefect,
    };
    expect(tally.requests).toBeGreaterThanOrEqual(2000);
    expect(Object.keys(tally.byStatus).sort()).toEqual(['400', '401', '413', '415']);
    expect(after).toEqual(before);
    expect(await harness.dynamoDbRequests()).toEqual(dynamoDbBefore);
    expect(Object.keys(tally.byDefect).length).toBeGreaterThanOrEqual(12);
  });
});

describe('the bad-input run', () => {
  it('leaks no token or secret in its logs or answers', async () => {
    // Act
    const scan = await harness.closeAndScan();

    // Assess
    expect(scan.findings).toEqual([]);
    expect(scan.responses).toBeGreaterThanOrEqual(8000);
    expect(scan.knownValues.secrets).toBeGreaterThanOrEqual(2);
  });
});
