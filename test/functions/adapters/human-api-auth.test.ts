import { describe, expect, it, vi } from 'vitest';
import { createHumanApiAuthClient } from '../../../functions/adapters/human-api-auth.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../functions/commons/errors.js';
import { findFreePort } from '../../support/free-port.js';
import { serveFetchHandler } from '../../support/loopback-fetch-server.js';

const credentials = { clientId: 'c'.repeat(40), clientSecret: 'shh', clientUserId: 'alice' };
const humanId = 'a'.repeat(24);

/** A scripted Human API auth service on a real loopback server: every request gets this answer. */
function answering(status: number, body: string, headers: Record<string, string> = {}) {
  return vi.fn<(url: string, init: RequestInit) => Promise<Response>>(
    async () => new Response(body, { status, headers: { 'Content-Type': 'application/json', ...headers } }),
  );
}
type Service = ReturnType<typeof answering>;
/** The client, talking real HTTP to a loopback server that hands each request to `service`. */
const clientWith = async (service: Service, timeoutMs = 1000) =>
  createHumanApiAuthClient({ baseUrl: await serveFetchHandler(service), timeoutMs });
const sentBody = (service: Service) => JSON.parse(String(service.mock.calls[0]?.[1]?.body));

describe('Human API auth client', () => {
  it('mints a session token, posting the documented snake_case fields to /v1/connect/token', async () => {
    const fetch = answering(
      200,
      JSON.stringify({ session_token: 'S'.repeat(600), expires_in: 3600, human_id: humanId }),
    );

    const minted = await (await clientWith(fetch)).mintSessionToken({ ...credentials, email: 'alice@example.com' });

    expect(minted).toEqual({ token: 'S'.repeat(600), expiresIn: 3600, humanId });
    expect(new URL(String(fetch.mock.calls[0]?.[0])).pathname).toBe('/v1/connect/token');
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

    const minted = await (await clientWith(fetch)).mintIdToken(credentials);

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

    const minted = await (await clientWith(fetch)).mintAccessToken(credentials);

    expect(minted).toEqual({ accessToken: 'x'.repeat(40), expiresIn: 86400, refreshToken: 'r'.repeat(40) });
    expect(sentBody(fetch).type).toBe('access');
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [400, HumanApiRejectedError],
    [404, HumanApiRejectedError],
    [409, HumanApiRejectedError],
    [429, HumanApiRateLimitedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    const client = await clientWith(answering(status, '{}'));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(errorClass);
  });

  it('passes on the Retry-After of a 429', async () => {
    const client = await clientWith(answering(429, '{}', { 'Retry-After': '17' }));

    await expect(client.mintAccessToken(credentials)).rejects.toMatchObject({ retryAfterSeconds: 17 });
  });

  it('never follows a redirect: the other origin receives nothing', async () => {
    const elsewhere = answering(200, JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600 }));
    const target = await serveFetchHandler(elsewhere);
    const client = await clientWith(answering(307, '', { Location: `${target}/v1/connect/token` }));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(elsewhere).not.toHaveBeenCalled();
  });

  it.each([
    ['unreadable JSON', 'not json'],
    ['an id_token answer without a token', JSON.stringify({ expires_in: 600 })],
    ['an id_token answer without expires_in', JSON.stringify({ id_token: 'I'.repeat(40) })],
    ['a token with spaces', JSON.stringify({ id_token: 'has spaces', expires_in: 600 })],
    ['a negative expires_in', JSON.stringify({ id_token: 'I'.repeat(40), expires_in: -1 })],
  ])('answers HumanApiFailedError for %s', async (_, body) => {
    const client = await clientWith(answering(200, body));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('refuses a session answer without human_id, and an access answer of another token type', async () => {
    const session = await clientWith(
      answering(200, JSON.stringify({ session_token: 'S'.repeat(40), expires_in: 3600 })),
    );
    const access = await clientWith(
      answering(200, JSON.stringify({ access_token: 'x'.repeat(40), expires_in: 86400, token_type: 'MAC' })),
    );

    await expect(session.mintSessionToken({ ...credentials, email: 'a@b.co' })).rejects.toBeInstanceOf(
      HumanApiFailedError,
    );
    await expect(access.mintAccessToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('refuses an answer over 64 KiB', async () => {
    const huge = JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600, padding: 'p'.repeat(70 * 1024) });
    const client = await clientWith(answering(200, huge));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiFailedError when Human API cannot be reached', async () => {
    const client = createHumanApiAuthClient({ baseUrl: `http://127.0.0.1:${await findFreePort()}`, timeoutMs: 1000 });

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiTimeoutError when Human API does not answer in time', async () => {
    const silent = vi.fn<(url: string, init: RequestInit) => Promise<Response>>(() => new Promise(() => {}));
    const client = await clientWith(silent, 50);

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiTimeoutError);
  });

  it('refuses plain http to a host that is not loopback', () => {
    expect(() => createHumanApiAuthClient({ baseUrl: 'http://auth.humanapi.co', timeoutMs: 1000 })).toThrow(
      HumanApiFailedError,
    );
  });
});
