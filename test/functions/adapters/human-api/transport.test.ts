/**
 * The one transport every Human API client uses, against real loopback servers: keep-alive, no
 * redirects, the answer size cap, timeouts, broken connections, https only (or loopback), and
 * postJson's translation of the Connect endpoints' statuses into typed errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { HumanApiTransport, retryAfterSeconds } from '../../../../functions/adapters/human-api/transport.js';
import { logger } from '../../../../functions/commons/observability.js';
import {
  HumanApiAnswerTooLargeError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  HumanApiUnreachableError,
} from '../../../../functions/domain/errors.js';
import { closeServers, json, startServer } from './loopback-server.js';

const answerSchema = z.object({ ok: z.boolean() });
const transportTo = (baseUrl: string, timeoutMs = 1000) => new HumanApiTransport({ baseUrl, timeoutMs });

afterEach(() => {
  closeServers();
  vi.restoreAllMocks();
});

describe('HumanApiTransport.request', () => {
  it('sends the method, path, headers and JSON body, and answers the status, lower-case headers and body unvalidated', async () => {
    const server = await startServer((response) => {
      response.setHeader('X-Total-Count', '3');
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('not json at all');
    });

    const answer = await transportTo(server.baseUrl).request({
      method: 'POST',
      path: '/v1/human/profile?limit=2',
      headers: { Authorization: 'Bearer abc' },
      json: { a: 1 },
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toBe('not json at all');
    expect(answer.headers).toMatchObject({
      'x-total-count': '3',
      'set-cookie': 'a=1, b=2',
      'content-type': 'text/plain',
    });
    const [seen] = server.received;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/human/profile?limit=2');
    expect(seen?.headers).toMatchObject({
      authorization: 'Bearer abc',
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': '7',
    });
    expect(seen?.body).toBe('{"a":1}');
  });

  it('sends a GET without a body or content type', async () => {
    const server = await startServer(json(404, { error: 'not_found' }));

    const answer = await transportTo(server.baseUrl).request({ method: 'GET', path: '/v1/human' });

    expect(answer).toMatchObject({ status: 404, body: '{"error":"not_found"}' });
    expect(server.received[0]?.headers['content-type']).toBeUndefined();
    expect(server.received[0]?.body).toBe('');
  });

  it('reuses one kept-alive connection for consecutive calls', async () => {
    const server = await startServer(json(200, { ok: true }));
    const transport = transportTo(server.baseUrl);

    await transport.request({ method: 'GET', path: '/a' });
    await transport.request({ method: 'GET', path: '/b' });
    await transport.request({ method: 'GET', path: '/c' });

    expect(server.received).toHaveLength(3);
    expect(server.connections()).toBe(1);
  });

  it('never follows a redirect: the other origin receives nothing', async () => {
    const elsewhere = await startServer(json(200, { ok: true }));
    for (const status of [301, 302, 307, 308]) {
      const redirecting = await startServer((response) => {
        response.writeHead(status, { Location: `${elsewhere.baseUrl}/v1/connect/tokens` });
        response.end();
      });

      await expect(transportTo(redirecting.baseUrl).request({ method: 'GET', path: '/' })).rejects.toThrow(
        `Human API answered ${status} (redirects are not followed).`,
      );
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
    const started = performance.now();

    await expect(transportTo(server.baseUrl, 10_000).request({ method: 'GET', path: '/' })).rejects.toThrow(
      "Human API's answer is larger than 65536 bytes.",
    );

    expect(performance.now() - started).toBeLessThan(2000);
    expect(written).toBeLessThan(total / 4);
  });

  it('refuses an answer over a smaller cap, even one that arrives whole in a single read', async () => {
    const server = await startServer(json(200, 'x'.repeat(2000)));

    await expect(
      transportTo(server.baseUrl).request({ method: 'GET', path: '/', maxAnswerBytes: 1024 }),
    ).rejects.toThrow("Human API's answer is larger than 1024 bytes.");
  });

  it('tells an answer over the cap apart, with the cap and the status it came with', async () => {
    const server = await startServer(json(404, 'x'.repeat(2000)));

    const refusal = await transportTo(server.baseUrl)
      .request({ method: 'GET', path: '/', maxAnswerBytes: 1024 })
      .catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(HumanApiAnswerTooLargeError);
    expect(refusal).toMatchObject({ maxBytes: 1024, upstreamStatus: 404 });
  });

  it('fails when the connection breaks', async () => {
    const server = await startServer((response) => response.socket?.destroy());

    await expect(transportTo(server.baseUrl).request({ method: 'GET', path: '/' })).rejects.toThrow(
      new HumanApiUnreachableError(),
    );
  });

  it('times out when Human API does not answer in time', async () => {
    const server = await startServer(() => undefined);
    const started = performance.now();

    await expect(transportTo(server.baseUrl, 100).request({ method: 'GET', path: '/' })).rejects.toBeInstanceOf(
      HumanApiTimeoutError,
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each(['http://user.humanapi.co', 'http://10.0.0.1:3000', 'ftp://127.0.0.1'])(
    'refuses a base URL of %s: https only, except loopback',
    (baseUrl) => {
      expect(() => transportTo(baseUrl)).toThrow(HumanApiFailedError);
    },
  );

  it.each(['https://user.humanapi.co', 'http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000'])(
    'accepts a base URL of %s',
    (baseUrl) => {
      expect(() => transportTo(baseUrl)).not.toThrow();
    },
  );
});

describe('HumanApiTransport.postJson', () => {
  it('posts the body as JSON and answers the validated answer of a 200 or 201', async () => {
    const ok = await startServer(json(200, { ok: true, extra: 'ignored' }));
    const created = await startServer(json(201, { ok: false }));

    expect(await transportTo(ok.baseUrl).postJson('/v1/x', { a: 'b' }, answerSchema)).toEqual({ ok: true });
    expect(await transportTo(created.baseUrl).postJson('/v1/x', { a: 'b' }, answerSchema)).toEqual({ ok: false });
    expect(ok.received[0]).toMatchObject({ method: 'POST', url: '/v1/x', body: '{"a":"b"}' });
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
    [204, HumanApiFailedError],
    [302, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    const server = await startServer(json(status, status === 204 ? '' : '{}'));

    await expect(transportTo(server.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toBeInstanceOf(errorClass);
  });

  it('keeps Human API\u2019s status, and a refusal\u2019s safe error code', async () => {
    const refused = await startServer(json(400, { code: 'invalid_token', message: 'Session token expired' }));
    const failing = await startServer(json(502, {}));
    const denied = await startServer(json(403, {}));

    await expect(transportTo(refused.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toMatchObject({
      upstreamStatus: 400,
      upstreamError: 'invalid_token: Session token expired',
    });
    await expect(transportTo(failing.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toMatchObject({
      upstreamStatus: 502,
      message: 'Human API answered 502.',
    });
    await expect(transportTo(denied.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toMatchObject({
      upstreamStatus: 403,
    });
  });

  it("passes on Human API's Retry-After of a 429, or 5 s when it gives none", async () => {
    const limited = await startServer(json(429, {}, { 'Retry-After': '42' }));
    const bare = await startServer(json(429, {}));

    await expect(transportTo(limited.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toMatchObject({
      retryAfterSeconds: 42,
      upstreamStatus: 429,
    });
    await expect(transportTo(bare.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toMatchObject({
      retryAfterSeconds: 5,
    });
  });

  it.each([
    ['unreadable JSON', '<html>oops', 'Human API answered with unreadable JSON.'],
    ['a wrong shape', JSON.stringify({ ok: 'yes' }), 'Human API answered with an unexpected shape.'],
  ])('fails on %s', async (_, body, message) => {
    const server = await startServer(json(200, body));

    await expect(transportTo(server.baseUrl).postJson('/v1/x', {}, answerSchema)).rejects.toThrow(
      new HumanApiFailedError(message),
    );
  });

  it('logs a failure with its path, the given fields, the error\u2019s name and Human API\u2019s status, never the body', async () => {
    const server = await startServer(json(500, { error: 'boom' }));
    const warned = vi.spyOn(logger, 'warn');

    await expect(
      transportTo(server.baseUrl).postJson('/v1/x', { clientSecret: 'shh-secret' }, answerSchema, { tokenType: 'id' }),
    ).rejects.toBeInstanceOf(HumanApiFailedError);

    expect(warned).toHaveBeenCalledWith('Human API call failed', {
      path: '/v1/x',
      tokenType: 'id',
      errorName: 'HumanApiFailedError',
      upstreamStatus: 500,
      durationMs: expect.any(Number),
    });
    expect(JSON.stringify(warned.mock.calls)).not.toContain('shh-secret');
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 1],
    ['999999', 3600],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 1],
    ['Fri, 02 Jan 2026 00:00:00 GMT', 3600],
    ['soon', 5],
    ['-5', 5],
    ['', 5],
    [undefined, 5],
  ])('reads %s as %i seconds', (value, seconds) => {
    expect(retryAfterSeconds(value, now)).toBe(seconds);
  });
});
