import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHumanApiClient,
  DEFAULT_RETRY_AFTER_SECONDS,
  MAX_RETRY_AFTER_SECONDS,
  retryAfterSeconds,
} from '../../../functions/adapters/human-api.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
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

/** What a loopback server saw. */
interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const servers: Server[] = [];

/** A real HTTP server on 127.0.0.1 answering with `answer`; records every request and connection. */
async function startServer(answer: (response: ServerResponse, received: Received) => void) {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((incoming, response) => {
    let body = '';
    incoming.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    incoming.on('end', () => {
      const entry = { method: incoming.method, url: incoming.url, headers: incoming.headers, body };
      received.push(entry);
      answer(response, entry);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, received, connections: () => connections };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (response: ServerResponse) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

describe('Human API client', () => {
  it('posts exactly the four documented fields as JSON to /v1/connect/tokens', async () => {
    const server = await startServer(json(201, { ...exchange, extra: 'ignored' }));
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 1000 });

    const answer = await client.exchangeSessionToken({ ...request, userId: 'not forwarded' } as typeof request);

    expect(answer).toEqual(exchange);
    const [seen] = server.received;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/connect/tokens');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual(request);
  });

  it('posts { humanId, clientId, clientSecret } to /v1/connect/publictokens under the base path', async () => {
    const server = await startServer(json(200, { humanId: exchange.humanId, publicToken: 'f'.repeat(32) }));
    const client = createHumanApiClient({ baseUrl: `${server.baseUrl}/sandbox/humanapi`, timeoutMs: 1000 });

    const answer = await client.createPublicToken({
      humanId: exchange.humanId,
      clientId: exchange.clientId,
      clientSecret: 'shh',
    });

    expect(answer).toEqual({ humanId: exchange.humanId, publicToken: 'f'.repeat(32) });
    expect(server.received[0]?.url).toBe('/sandbox/humanapi/v1/connect/publictokens');
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({
      humanId: exchange.humanId,
      clientId: exchange.clientId,
      clientSecret: 'shh',
    });
  });

  it('reuses one kept-alive connection for consecutive calls', async () => {
    const server = await startServer(json(201, exchange));
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 1000 });

    await client.exchangeSessionToken(request);
    await client.exchangeSessionToken(request);
    await client.exchangeSessionToken(request);

    expect(server.received).toHaveLength(3);
    expect(server.connections()).toBe(1);
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [400, HumanApiRejectedError],
    [404, HumanApiRejectedError],
    [429, HumanApiRateLimitedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
    [204, HumanApiFailedError],
    [302, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    const server = await startServer(json(status, status === 204 ? '' : '{}'));
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 1000 });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(errorClass);
  });

  it("passes on Human API's Retry-After of a 429, or a default when it gives none", async () => {
    const limited = await startServer(json(429, {}, { 'Retry-After': '42' }));
    const bare = await startServer(json(429, {}));

    await expect(
      createHumanApiClient({ baseUrl: limited.baseUrl, timeoutMs: 1000 }).exchangeSessionToken(request),
    ).rejects.toMatchObject({ retryAfterSeconds: 42 });
    await expect(
      createHumanApiClient({ baseUrl: bare.baseUrl, timeoutMs: 1000 }).exchangeSessionToken(request),
    ).rejects.toMatchObject({ retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS });
  });

  it('never follows a redirect: the other origin receives nothing', async () => {
    const elsewhere = await startServer(json(201, exchange));
    for (const status of [301, 302, 307, 308]) {
      const redirecting = await startServer((response) => {
        response.writeHead(status, { Location: `${elsewhere.baseUrl}/v1/connect/tokens` });
        response.end();
      });
      const client = createHumanApiClient({ baseUrl: redirecting.baseUrl, timeoutMs: 1000 });

      await expect(client.exchangeSessionToken(request)).rejects.toThrow(/redirects are not followed/);
      expect(redirecting.received).toHaveLength(1);
    }
    expect(elsewhere.received).toHaveLength(0);
    expect(elsewhere.connections()).toBe(0);
  });

  it.each([
    ['announced by Content-Length', true],
    ['streamed without a length', false],
  ])('refuses a 48 MiB answer %s quickly, without reading it', async (_case, announced) => {
    const total = 48 * 1024 * 1024;
    let written = 0;
    const server = await startServer((response) => {
      response.writeHead(200, {
        'Content-Type': 'application/json',
        ...(announced ? { 'Content-Length': String(total) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (written < total && !response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        if (written >= total) response.end();
      };
      response.on('error', () => undefined);
      pump();
    });
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 10_000 });
    const started = performance.now();

    await expect(client.exchangeSessionToken(request)).rejects.toThrow(/larger than 65536 bytes/);

    expect(performance.now() - started).toBeLessThan(2000);
    expect(written).toBeLessThan(total / 4);
  });

  it.each([
    ['unreadable JSON', '<html>oops'],
    ['a wrong shape', JSON.stringify({ humanId: exchange.humanId })],
    ['an accessToken of the wrong type', JSON.stringify({ ...exchange, accessToken: 42 })],
  ])('fails on %s', async (_, body) => {
    const server = await startServer(json(200, body));
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 1000 });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('fails when the connection breaks', async () => {
    const server = await startServer((response) => response.socket?.destroy());
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 1000 });

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('times out when Human API does not answer in time', async () => {
    const server = await startServer(() => undefined);
    const client = createHumanApiClient({ baseUrl: server.baseUrl, timeoutMs: 100 });
    const started = performance.now();

    await expect(client.exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiTimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each(['http://user.humanapi.co', 'http://10.0.0.1:3000', 'ftp://127.0.0.1'])(
    'refuses a base URL of %s: https only, except loopback',
    (baseUrl) => {
      expect(() => createHumanApiClient({ baseUrl, timeoutMs: 1000 })).toThrow(HumanApiFailedError);
    },
  );
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 1],
    ['999999', MAX_RETRY_AFTER_SECONDS],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 1],
    ['soon', DEFAULT_RETRY_AFTER_SECONDS],
    ['-5', DEFAULT_RETRY_AFTER_SECONDS],
    [undefined, DEFAULT_RETRY_AFTER_SECONDS],
  ])('reads %s as %i seconds', (value, seconds) => {
    expect(retryAfterSeconds(value, now)).toBe(seconds);
  });
});
