import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;
const recover = (body: unknown) => post(`${local.apiUrl}/public-tokens`, body);
let stored: { humanId: string; clientUserId: string; publicToken: string };

beforeAll(async () => {
  local = await startLocalModeProcess();
  const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'returning@example.com'));
  stored = finished.json as typeof stored;
});

afterAll(async () => {
  await local?.stop();
});

describe('POST /public-tokens without JWT (IAM when deployed, open on loopback locally)', () => {
  it('answers the stored publicToken by clientUserId', async () => {
    const answer = await recover({ clientUserId: 'returning@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(stored);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('answers the stored publicToken by humanId (GSI)', async () => {
    const answer = await recover({ humanId: stored.humanId });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(stored);
  });

  it('answers 404 problem+json when there is no record', async () => {
    const byUser = await recover({ clientUserId: 'stranger@example.com' });
    const byHumanId = await recover({ humanId: 'ab'.repeat(12) });

    expect(byUser.status).toBe(404);
    expect(byUser.headers.get('content-type')).toBe('application/problem+json');
    expect(byHumanId.status).toBe(404);
  });

  it('on refresh, stores and answers a fresh publicToken from Human API', async () => {
    const refreshed = await recover({ clientUserId: 'returning@example.com', refresh: true });

    expect(refreshed.status).toBe(200);
    expect(refreshed.json.publicToken).not.toBe(stored.publicToken);
    expect((await recover({ humanId: stored.humanId })).json.publicToken).toBe(refreshed.json.publicToken);
    stored = refreshed.json as typeof stored;
  });

  it.each([
    [502, { status: 500 }],
    [502, { status: 200, body: 'not json' }],
    [502, { reset: true }],
    [422, { status: 404 }],
    [502, { status: 401, count: 2 }],
  ])('answers %i when Human API fails during a refresh, leaving the record unchanged', async (status, fault) => {
    await injectHumanApiFault(local.apiUrl, fault);

    const answer = await recover({ clientUserId: 'returning@example.com', refresh: true });

    expect(answer.status).toBe(status);
    expect((await recover({ clientUserId: 'returning@example.com' })).json).toEqual(stored);
  });

  it.each([
    ['both clientUserId and humanId', { clientUserId: 'returning@example.com', humanId: 'ab'.repeat(12) }],
    ['neither', {}],
    ['a non-boolean refresh', { clientUserId: 'returning@example.com', refresh: 'yes' }],
    ['a control character', { clientUserId: 'returning\u0000@example.com' }],
    ['an empty clientUserId', { clientUserId: '' }],
    ['a JSON array', []],
  ])('answers 400 to %s', async (_, body) => {
    const answer = await recover(body);

    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe(400);
    expect(answer.json.errors).toEqual(expect.any(Array));
  });

  it('answers 415 to a content type other than JSON or form-urlencoded', async () => {
    expect(
      (await post(`${local.apiUrl}/public-tokens`, '{"clientUserId":"x"}', { contentType: 'text/plain' })).status,
    ).toBe(415);
  });
});
