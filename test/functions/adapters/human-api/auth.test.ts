/** Human API's current-generation token endpoint (HumanApiAuthClient), against a scripted loopback server. */
import { describe, expect, it, vi } from 'vitest';
import { HumanApiAuthClient } from '../../../../functions/adapters/human-api/auth.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../../functions/domain/errors.js';
import { findFreePort } from '../../../support/free-port.js';
import { serveFetchHandler } from '../../../support/loopback-fetch-server.js';

const credentials = { clientId: 'c'.repeat(40), clientSecret: 'shh', clientUserId: 'alice' };
const humanId = 'a'.repeat(24);

type Answer = readonly [status: number, body: string, headers?: Record<string, string>];

/** A scripted Human API auth service on a real loopback server: each request gets the next answer, the last one repeating. */
function answering(...answers: Answer[]) {
  let calls = 0;
  return vi.fn<(url: string, init: RequestInit) => Promise<Response>>(async () => {
    const [status, body, headers = {}] = answers[Math.min(calls, answers.length - 1)] ?? [500, ''];
    calls += 1;
    return new Response(body, { status, headers: { 'Content-Type': 'application/json', ...headers } });
  });
}
type Service = ReturnType<typeof answering>;
/** The client, talking real HTTP to a loopback server that hands each request to `service`. */
const clientWith = async (service: Service, timeoutMs = 1000) =>
  new HumanApiAuthClient({ baseUrl: await serveFetchHandler(service), timeoutMs });
const sentBody = (service: Service, call = 0) => JSON.parse(String(service.mock.calls[call]?.[1]?.body));
const sentTypes = (service: Service) => service.mock.calls.map((_, call) => sentBody(service, call).type);

describe('Human API auth client', () => {
  it('mints a session token, posting the documented snake_case fields to /v1/connect/token', async () => {
    const fetch = answering([
      200,
      JSON.stringify({ session_token: 'S'.repeat(600), expires_in: 3600, human_id: humanId }),
    ]);

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

  it('mints an access token, reading the refresh token but answering only the access token and its lifetime', async () => {
    const fetch = answering([
      200,
      JSON.stringify({
        access_token: 'x'.repeat(40),
        expires_in: 86400,
        token_type: 'Bearer',
        refresh_token: 'r'.repeat(40),
      }),
    ]);

    const minted = await (await clientWith(fetch)).mintAccessToken(credentials);

    expect(minted).toEqual({ accessToken: 'x'.repeat(40), expiresIn: 86400 });
    expect(sentBody(fetch)).toEqual({
      client_id: 'c'.repeat(40),
      client_secret: 'shh',
      client_user_id: 'alice',
      type: 'access',
    });
  });

  it('passes on the Retry-After of a 429', async () => {
    const client = await clientWith(answering([429, '{}', { 'Retry-After': '17' }]));

    await expect(client.mintAccessToken(credentials)).rejects.toMatchObject({ retryAfterSeconds: 17 });
  });

  it('refuses a session answer without human_id, and an access answer of another token type', async () => {
    const session = await clientWith(
      answering([200, JSON.stringify({ session_token: 'S'.repeat(40), expires_in: 3600 })]),
    );
    const access = await clientWith(
      answering([200, JSON.stringify({ access_token: 'x'.repeat(40), expires_in: 86400, token_type: 'MAC' })]),
    );

    await expect(session.mintSessionToken({ ...credentials, email: 'a@b.co' })).rejects.toBeInstanceOf(
      HumanApiFailedError,
    );
    await expect(access.mintAccessToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiFailedError when Human API cannot be reached', async () => {
    const client = new HumanApiAuthClient({ baseUrl: `http://127.0.0.1:${await findFreePort()}`, timeoutMs: 1000 });

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('answers HumanApiTimeoutError when Human API does not answer in time', async () => {
    const silent = vi.fn<(url: string, init: RequestInit) => Promise<Response>>(() => new Promise(() => {}));
    const client = await clientWith(silent, 50);

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiTimeoutError);
  });

  it('refuses plain http to a host that is not loopback', () => {
    expect(() => new HumanApiAuthClient({ baseUrl: 'http://auth.humanapi.co', timeoutMs: 1000 })).toThrow(
      HumanApiFailedError,
    );
  });

  it('never follows a redirect: the other origin receives nothing', async () => {
    const elsewhere = answering([200, JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600 })]);
    const target = await serveFetchHandler(elsewhere);
    const client = await clientWith(answering([307, '', { Location: `${target}/v1/connect/token` }]));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(elsewhere).not.toHaveBeenCalled();
  });
});

describe('Human API auth client: the id token', () => {
  it('asks with type "id" first, and answers the token it gets, in one call', async () => {
    const fetch = answering([200, JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600, human_id: humanId })]);

    const minted = await (await clientWith(fetch)).mintIdToken(credentials);

    expect(minted).toEqual({ token: 'I'.repeat(40), expiresIn: 600, humanId });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(sentBody(fetch)).toEqual({
      client_id: 'c'.repeat(40),
      client_secret: 'shh',
      client_user_id: 'alice',
      type: 'id',
    });
  });

  it('sends the e-mail when it is given', async () => {
    const fetch = answering([200, JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600 })]);

    await (await clientWith(fetch)).mintIdToken({ ...credentials, email: 'alice@example.com' });

    expect(sentBody(fetch)).toMatchObject({ client_user_email: 'alice@example.com', type: 'id' });
  });

  it.each([400, 404, 409, 422])(
    'retries a %i refusal of "id" once with "id_token", and answers that token',
    async (status) => {
      const fetch = answering(
        [status, JSON.stringify({ error: 'invalid_type' })],
        [200, JSON.stringify({ id_token: 'J'.repeat(40), expires_in: 900, human_id: humanId })],
      );

      const minted = await (await clientWith(fetch)).mintIdToken(credentials);

      expect(minted).toEqual({ token: 'J'.repeat(40), expiresIn: 900, humanId });
      expect(sentTypes(fetch)).toEqual(['id', 'id_token']);
      expect(sentBody(fetch, 1)).toEqual({
        client_id: 'c'.repeat(40),
        client_secret: 'shh',
        client_user_id: 'alice',
        type: 'id_token',
      });
    },
  );

  it('answers HumanApiRejectedError when Human API refuses both types', async () => {
    const fetch = answering([404, '{}'], [400, JSON.stringify({ error: 'invalid_user' })]);

    const refusal = (await clientWith(fetch)).mintIdToken(credentials);

    await expect(refusal).rejects.toBeInstanceOf(HumanApiRejectedError);
    await expect(refusal).rejects.toMatchObject({ upstreamStatus: 400, upstreamError: 'invalid_user' });
    expect(sentTypes(fetch)).toEqual(['id', 'id_token']);
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [429, HumanApiRateLimitedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
  ])('does not retry a %i of "id"', async (status, errorClass) => {
    const fetch = answering([status, '{}']);

    await expect((await clientWith(fetch)).mintIdToken(credentials)).rejects.toBeInstanceOf(errorClass);
    expect(sentTypes(fetch)).toEqual(['id']);
  });

  it.each([
    ['id_token and expires_in', { id_token: 'I'.repeat(40), expires_in: 600, human_id: humanId }, 600, humanId],
    [
      'id_token and id_token_expires_in, no expires_in',
      { id_token: 'I'.repeat(40), id_token_expires_in: 1200 },
      1200,
      undefined,
    ],
    ['token, without human_id', { token: 'I'.repeat(40), expires_in: 600, scope: 'connect' }, 600, undefined],
    [
      'both expiries: expires_in',
      { id_token: 'I'.repeat(40), expires_in: 600, id_token_expires_in: 1200 },
      600,
      undefined,
    ],
  ])('reads an answer with %s', async (_, answer, expiresIn, expectedHumanId) => {
    const fetch = answering([200, JSON.stringify(answer)]);

    const minted = await (await clientWith(fetch)).mintIdToken(credentials);

    expect(minted).toEqual({ token: 'I'.repeat(40), expiresIn, humanId: expectedHumanId });
  });

  it.each([
    ['unreadable JSON', 'not json'],
    ['no token', JSON.stringify({ expires_in: 600 })],
    ['neither expires_in nor id_token_expires_in', JSON.stringify({ id_token: 'I'.repeat(40) })],
    ['a token with spaces', JSON.stringify({ id_token: 'has spaces', expires_in: 600 })],
    ['a negative expires_in', JSON.stringify({ id_token: 'I'.repeat(40), expires_in: -1 })],
    ['a fractional id_token_expires_in', JSON.stringify({ id_token: 'I'.repeat(40), id_token_expires_in: 1.5 })],
  ])('answers HumanApiFailedError (502), asking no other type, for an answer with %s', async (_, body) => {
    const fetch = answering([200, body]);

    await expect((await clientWith(fetch)).mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(sentTypes(fetch)).toEqual(['id']);
  });

  it('refuses an answer over 64 KiB', async () => {
    const huge = JSON.stringify({ id_token: 'I'.repeat(40), expires_in: 600, padding: 'p'.repeat(70 * 1024) });
    const client = await clientWith(answering([200, huge]));

    await expect(client.mintIdToken(credentials)).rejects.toBeInstanceOf(HumanApiFailedError);
  });
});
