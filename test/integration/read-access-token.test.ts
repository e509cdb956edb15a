/**
 * The access-token reader against local mode, in this process: its dynalite, KMS stand-in, secret
 * store and current-generation sandbox, reached through the environment local mode sets for the
 * functions (the same variables a team's service would set). A new user connects in the sandbox's
 * popup; the reader mints, reuses and renews their access token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Reader from '../../functions/reader/read-access-token.js';
import { type LocalMode, startLocalMode } from '../../local/server.js';
import { readLocalSettings } from '../../local/settings.js';
import { mintSession, post } from '../support/http.js';
import { signedPost } from '../support/sigv4.js';

const DAY_MS = 86_400_000;
let local: LocalMode;
let createAccessTokenReader: typeof Reader.createAccessTokenReader;
let MINTED_TOKEN_MIN_REMAINING_MS: number;

beforeAll(async () => {
  local = await startLocalMode({
    env: process.env,
    settings: readLocalSettings({ PORT: '0', WEB_PORT: '0', LOG_FORMAT: 'json', POWERTOOLS_LOG_LEVEL: 'ERROR' }, [
      '--in-memory',
    ]),
  });
  // Loaded once the environment is set, as a service loads it: its logger and metrics read it at import.
  ({ createAccessTokenReader, MINTED_TOKEN_MIN_REMAINING_MS } = await import(
    '../../functions/reader/read-access-token.js'
  ));
});

afterAll(async () => {
  await local?.close();
});

/** A reader on a clock the test moves; everything else from the environment local mode set. */
function readerOnClock() {
  let clock = Date.now();
  const reader = createAccessTokenReader({ now: () => new Date(clock) });
  return { reader, advance: (ms: number) => (clock += ms) };
}

/** A user who starts Connect through /connect-tokens and connects a source in the popup. */
async function connectNewUser(clientUserId: string): Promise<void> {
  const created = await signedPost(`${local.apiUrl}/connect-tokens`, {
    clientUserId,
    email: `${clientUserId}@example.com`,
  });
  expect(created.json.mode).toBe('create');
  const popup = await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token: created.json.token });
  expect(popup.status).toBe(200);
}

const tokenCalls = async () => {
  const response = await fetch(`${local.apiUrl}/sandbox/humanapi-auth/stats`);
  const stats: unknown = await response.json();
  return typeof stats === 'object' && stats !== null && 'tokenCalls' in stats ? Number(stats.tokenCalls) : Number.NaN;
};
const advanceSandboxClock = (ms: number) =>
  post(`${local.apiUrl}/sandbox/humanapi-auth/clock`, { advanceSeconds: Math.round(ms / 1000) });

describe('readAccessToken over local mode', () => {
  it('mints a new user’s access token, answers the same one until it nears expiry, then a new one', async () => {
    await connectNewUser('nina');
    const { reader, advance } = readerOnClock();

    const first = await reader.readAccessToken({ clientUserId: 'nina' });
    expect(first).toMatch(/^[0-9a-f]{40}$/);

    const almost = DAY_MS - MINTED_TOKEN_MIN_REMAINING_MS - 60_000;
    advance(almost);
    expect((await advanceSandboxClock(almost)).status).toBe(200);
    await expect(reader.readAccessToken({ clientUserId: 'nina' })).resolves.toBe(first);
    // A second reader (another instance) sees the stored token too.
    await expect(
      createAccessTokenReader({ now: () => new Date(Date.now() + almost) }).readAccessToken({ clientUserId: 'nina' }),
    ).resolves.toBe(first);

    advance(120_000);
    await advanceSandboxClock(120_000);
    const renewed = await reader.readAccessToken({ clientUserId: 'nina' });
    expect(renewed).toMatch(/^[0-9a-f]{40}$/);
    expect(renewed).not.toBe(first);
    await expect(reader.readAccessToken({ clientUserId: 'nina' })).resolves.toBe(renewed);
  });

  it('reads a v1 user and a current-generation user from one table', async () => {
    const session = await mintSession(local.apiUrl, 'victor');
    const finished = await post(`${local.apiUrl}/sessions`, session);
    expect(finished.status).toBe(200);
    await connectNewUser('olga');
    const { reader } = readerOnClock();
    const callsBefore = await tokenCalls();

    const v1 = await reader.readAccessToken({ clientUserId: 'victor' });
    expect(await tokenCalls()).toBe(callsBefore);
    const current = await reader.readAccessToken({ clientUserId: 'olga' });

    expect(v1).toMatch(/^[0-9A-Za-z]+$/);
    expect(current).toMatch(/^[0-9a-f]{40}$/);
    expect(current).not.toBe(v1);
    expect(await tokenCalls()).toBe(callsBefore + 1);
  });

  it('mints once for ten concurrent reads of one user', async () => {
    await connectNewUser('paula');
    const { reader } = readerOnClock();
    const callsBefore = await tokenCalls();

    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => reader.readAccessToken({ clientUserId: 'paula' })),
    );

    expect(new Set(tokens).size).toBe(1);
    expect(await tokenCalls()).toBe(callsBefore + 1);
  });
});
