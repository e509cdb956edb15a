import { describe, expect, it, vi } from 'vitest';
import { createHumanApiClient } from '../../../functions/adapters/human-api.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../functions/commons/errors.js';

const exchange = {
  humanId: 'a'.repeat(24),
  accessToken: 'b'.repeat(40),
  publicToken: 'c'.repeat(32),
  clientId: 'd'.repeat(40),
  clientUserId: 'alice@example.com',
};
const request = {
  humanId: exchange.humanId,
  clientId: exchange.clientId,
  sessionToken: 'e'.repeat(32),
  clientSecret: 'shh',
};

function answering(status: number, body: string) {
  return vi.fn<typeof fetch>(
    async () => new Response(body, { status, headers: { 'Content-Type': 'application/json' } }),
  );
}

describe('Human API client', () => {
  it('posts exactly the four documented fields as JSON to /v1/connect/tokens', async () => {
    const fetch = answering(201, JSON.stringify({ ...exchange, extra: 'ignored' }));
    const client = createHumanApiClient({ baseUrl: 'https://user.humanapi.test', timeoutMs: 1000, fetch });

    const answer = await client.exchangeSessionToken({ ...request, userId: 'not forwarded' } as typeof request);

    expect(answer).toEqual(exchange);
    const [url, init] = fetch.mock.calls[0] ?? [];
    expect(url).toBe('https://user.humanapi.test/v1/connect/tokens');
    expect(init?.method).toBe('POST');
    expect(new Headers(init?.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual(request);
  });

  it('posts { humanId, clientId, clientSecret } to /v1/connect/publictokens', async () => {
    const fetch = answering(200, JSON.stringify({ humanId: exchange.humanId, publicToken: 'f'.repeat(32) }));
    const client = createHumanApiClient({ baseUrl: 'https://user.humanapi.test', timeoutMs: 1000, fetch });

    const answer = await client.createPublicToken({
      humanId: exchange.humanId,
      clientId: exchange.clientId,
      clientSecret: 'shh',
    });

    expect(answer).toEqual({ humanId: exchange.humanId, publicToken: 'f'.repeat(32) });
    expect(fetch.mock.calls[0]?.[0]).toBe('https://user.humanapi.test/v1/connect/publictokens');
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toEqual({
      humanId: exchange.humanId,
      clientId: exchange.clientId,
      clientSecret: 'shh',
    });
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [400, HumanApiRejectedError],
    [404, HumanApiRejectedError],
    [429, HumanApiRejectedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
    [204, HumanApiFailedError],
    [302, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    const client = createHumanApiClient({ baseUrl: 'https://h.test', timeoutMs: 1000, fetch: answering(status, '{}') });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(errorClass);
  });

  it.each([
    ['unreadable JSON', '<html>oops'],
    ['a wrong shape', JSON.stringify({ humanId: exchange.humanId })],
    ['an accessToken of the wrong type', JSON.stringify({ ...exchange, accessToken: 42 })],
  ])('fails on %s', async (_, body) => {
    const client = createHumanApiClient({ baseUrl: 'https://h.test', timeoutMs: 1000, fetch: answering(200, body) });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('fails when the connection breaks', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => {
      throw new TypeError('fetch failed');
    });
    const client = createHumanApiClient({ baseUrl: 'https://h.test', timeoutMs: 1000, fetch });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('times out when Human API does not answer in time', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(
      (_, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const client = createHumanApiClient({ baseUrl: 'https://h.test', timeoutMs: 100, fetch });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiTimeoutError);
  });
});
