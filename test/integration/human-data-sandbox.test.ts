/**
 * The data API sandbox over real HTTP against local mode (docs/local-mode.md#data-api-sandbox).
 * The API never reveals an access token, so the data itself is covered by
 * test/local/human-data-sandbox.test.ts; here, what a caller of local mode reaches: refusals,
 * faults, the counter and the revoke hook.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;
const data = (path: string) => `${local.apiUrl}/sandbox/humanapi-data${path}`;
const get = (url: string, token?: string) =>
  fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
const dataCalls = async () => ((await (await get(data('/stats'))).json()) as { dataCalls: number }).dataCalls;

beforeAll(async () => {
  local = await startLocalModeProcess();
  // A user who finished a v1 session through the API: the sandbox issued them an access token.
  const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'data-user'));
  expect(finished.status).toBe(200);
});

afterAll(async () => {
  await local?.stop();
});

describe('data API sandbox in local mode', () => {
  it('answers 401 without a bearer token, and with one it never issued', async () => {
    const before = await dataCalls();

    const without = await get(data('/v1/human/profile'));
    const wrong = await get(data('/v1/human/activities/summaries'), 'ab'.repeat(20));

    expect(without.status).toBe(401);
    expect(await without.json()).toEqual({ error: 'Unauthorized', message: 'Missing bearer token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'Unauthorized', message: 'Invalid access token' });
    expect(await dataCalls()).toBe(before + 2);
  });

  it('answers 404 to an unknown data path and 405 to anything but GET', async () => {
    const unknown = await get(data('/v1/human/unknown'));
    const posted = await post(data('/v1/human/profile'), {});

    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'Not Found' });
    expect(posted.status).toBe(405);
  });

  it('applies a fault queued with the Human API fault hook, Retry-After included', async () => {
    const queued = await post(`${local.apiUrl}/sandbox/humanapi/faults`, { status: 429, retryAfter: 7 });

    const answer = await get(data('/v1/human/profile'));
    const next = await get(data('/v1/human/profile'));

    expect(queued.status).toBe(201);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(next.status).toBe(401);
  });

  it('revokes the access token the finished session was issued, once', async () => {
    const first = await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'data-user' });
    const again = await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'data-user' });
    const stranger = await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'nobody' });

    expect([first.status, first.json]).toEqual([200, { revoked: 1 }]);
    expect(again.json).toEqual({ revoked: 0 });
    expect(stranger.json).toEqual({ revoked: 0 });
  });

  it.each([
    [{}, 'clientUserId'],
    [{ clientUserId: '' }, 'clientUserId'],
    [{ clientUserId: 42 }, 'clientUserId'],
    [{ clientUserId: 'data-user', everything: true }, ''],
  ])('refuses the revoke hook body %j with 400, naming the field', async (body, field) => {
    const answer = await post(`${local.apiUrl}/sandbox/humanapi/revoke`, body);

    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: field })]);
  });
});
