import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;

beforeAll(async () => {
  local = await startLocalModeProcess({ env: { HUMANAPI_TIMEOUT_MS: '300' } });
});

afterAll(async () => {
  await local?.stop();
});

describe('HUMANAPI_TIMEOUT_MS', () => {
  it('answers 504 when Human API does not answer in time, and stores nothing', async () => {
    const session = await mintSession(local.apiUrl, 'slow@example.com');
    await injectHumanApiFault(local.apiUrl, { delayMs: 1000 });

    const answer = await post(`${local.apiUrl}/sessions`, session);

    expect(answer.status).toBe(504);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect((await signedPost(`${local.apiUrl}/public-tokens`, { clientUserId: 'slow@example.com' })).status).toBe(404);
  });

  it('answers 200 when Human API answers within it', async () => {
    const session = await mintSession(local.apiUrl, 'quick@example.com');
    await injectHumanApiFault(local.apiUrl, { delayMs: 100 });

    expect((await post(`${local.apiUrl}/sessions`, session)).status).toBe(200);
  });
});

describe('local mode configuration', () => {
  it('refuses to start on an invalid HUMANAPI_TIMEOUT_MS, naming it in one line', async () => {
    await expect(startLocalModeProcess({ env: { HUMANAPI_TIMEOUT_MS: 'soon' } })).rejects.toThrow(
      /Environment variable HUMANAPI_TIMEOUT_MS must be an integer/,
    );
  });
});
