import { describe, expect, it, vi } from 'vitest';
import { createHumanApiAuthClient } from '../../../functions/adapters/human-api-auth.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../functions/commons/errors.js';

const credentials = { clientId: 'c'.repeat(40), clientSecret: 'shh', clientUserId: 'alice' };
const humanId = 'a'.repeat(24);

function answering(status: number, body: string, headers: Record<string, string> = {}) {
  return vi.fn<typeof fetch>(
    async () => new Response(body, { status, headers: { 'Content-Type': 'application/json', ...headers } }),
  );
}
const clientWith = (fetch: typeof globalThis.fetch, timeoutMs = 1000) =>
  createHumanApiAuthClient({ baseUrl: 'https://auth.humanapi.test', timeoutMs, fetch });
const sentBody = (fetch: ReturnType<typeof answering>) => JSON.parse(String(fetch.mock.calls[0]?.[1]?.body));

describe('Human API auth client', () => {
  it('mints a session token, posting the documented snake_case fields to /v1/connect/token', async () => {
    const fetch = answering(
      200,
      JSON.stringify({ session_token: 'S'.repeat(600), expires_in: 3600, human_id: humanId }),
    );

    const minted = await clientWith(fetch).mintSessionToken({ ...credentials, email: 'alice@example.com' });

    expect(minted).toEqual({ token: 'S'.repeat(600), expiresIn: 3600, humanId });
    expect(fetch.mock.calls[0]?.[0]).toBe('https://auth.humanapi.test/v1/connect/token');
    expect(fetch.mock.calls[0]?.[1]?.redirect).toBe('manual');
    expect(sentBody(fetch)).toEqual({
      client_id: 'c'.repeat(40),
      client_secret: 'shh',
      client_user_id: 'alice',
      client_user_email: 'alice@example.com',
      type: 'session',
    });
  });

  it.each([
    ['id_token', { id_token: 'I'.repeat(40), expires_in: 600, human_id: humanId }, humanId],
    ['token, without human_id', { token: 'I'.repeat(40), expires_in: 600, scope: 'connect' }, undefined],
  ])('reads an id_token answer with %s', async (_, answer, expectedHumanId) => {
    const fetch = answering(200, JSON.stringify(answer));

    const minted = await clientWith(fetch).mintIdToken(credentials);

    expect(minted).toEqual({ token: 'I'.repeat(40), expiresIn: 600, humanId: expectedHumanId });
    expect(sentBody(fetch)).toEqual({
      client_id: 'c'.repeat(40),
      client_secret: 'shh',
      client_user_id: 'alice',
      type: 'id_token',
    });
  });

  it('mints an access token', async () => {
    const fetch = answering(
      200,
      JSON.stringify({
        access_token: 'x'.repeat(40),
        expires_in: 86400,
        token_type: 'Bearer',
        refresh_token: 'r'.repeat(40),
      }),
    );

    const minted = await clientWith(fetch).mintAccessToken(credentials);

    expect(minted).toEqual({ accessToken: 'x'.repeat(40), expiresIn: 86400, refreshToken: 'r'.repeat(40) });
    expect(sentBody(fetch).type).toBe('access');
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [400, HumanApiRejectedError],
    [404, HumanApiRejectedError],
    [409, HumanApiRejectedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
    [302, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    await expect(clientWith(answering(status, '{}')).mintIdToken(credentials)).rejects.toBeInstanceOf(errorClass);
  });

  it.each([
    ['unreadable JSON', 'not json'],
    ['an id_token answer without a token', JSON.stringify({ expires_in: 600 })],
    ['an id_token answer without expires_in', JSON.stringify({ id_token: 'I'.repeat(40) })],
    ['a token with spaces', JSON.stringify({ id_token: 'has spaces', expires_in: 600 })],
    ['a negative expires_in', JSON.stringify({ id_token: 'I'.repeat(40), expires_in: -1 })],
  ])('answers HumanApiFailedError for %s', async (_, body) => {
    await expect(clientWith(answering(200, body)).mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('refuses a session answer without human_id, and an access answer of another token type', async () => {
    const session = answering(200, JSON.stringify({ session_token: 'S'.repeat(40), expires_in: 3600 }));
    const access = answering(
      200,
      JSON.stringify({ access_token: 'x'.repeat(40), expires_in: 86400, token_type: 'MAC' }),
    );

    await expect(clientWith(session).mintSessionToken({ ...credentials, email: 'a@b.co' })).rejects.toBeInstanceOf(
      HumanApiFailedError,
    );
    await expect(clientWith(access).mintAccessToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('refuses an answer over 64 KiB', async () => {
    const huge = JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600, padding: 'p'.repeat(70 * 1024) });

    await expect(clientWith(answering(200, huge)).mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiFailedError when Human API cannot be reached', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => {
      throw new TypeError('fetch failed');
    });

    await expect(clientWith(fetch).mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiTimeoutError when Human API does not answer in time', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );

    await expect(clientWith(fetch, 50).mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiTimeoutError);
  });
});
