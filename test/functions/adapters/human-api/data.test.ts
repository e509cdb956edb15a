/**
 * Human API's data API client against a real loopback server: a GET with the token as a Bearer
 * header, Human API's answer as it came (any status), its 429 as a rate limit, its size capped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { HumanApiDataClient } from '../../../../functions/adapters/human-api/data.js';
import {
  HumanApiAnswerTooLargeError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
} from '../../../../functions/domain/errors.js';
import { closeServers, json, startServer } from './loopback-server.js';

const request = {
  pathAndQuery: '/v1/human/activities/summaries?limit=2',
  pathTemplate: '/v1/human/activities/summaries',
  accessToken: 'the-access-token',
};

afterEach(closeServers);

describe('HumanApiDataClient', () => {
  it('GETs the path with the token as a Bearer header, asking for JSON, and answers status, headers and body', async () => {
    const server = await startServer((response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'X-Total-Count': '90', Link: '<a>; rel="next"' });
      response.end('[{"id":"1"}]');
    });

    const answer = await new HumanApiDataClient({ baseUrl: `${server.baseUrl}/sandbox`, timeoutMs: 1000 }).get(request);

    expect(answer).toMatchObject({
      status: 200,
      body: '[{"id":"1"}]',
      headers: expect.objectContaining({ 'x-total-count': '90', link: '<a>; rel="next"' }),
    });
    expect(server.received).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: '/sandbox/v1/human/activities/summaries?limit=2',
        body: '',
        headers: expect.objectContaining({ authorization: 'Bearer the-access-token', accept: 'application/json' }),
      }),
    ]);
  });

  it.each([401, 404, 500, 503])('answers a %i as it came, for the domain to map', async (status) => {
    const server = await startServer(json(status, { error: 'x' }));

    const answer = await new HumanApiDataClient({ baseUrl: server.baseUrl, timeoutMs: 1000 }).get(request);

    expect(answer.status).toBe(status);
  });

  it('throws a rate limit with Human API\u2019s Retry-After on a 429', async () => {
    const server = await startServer((response) => {
      response.writeHead(429, { 'Retry-After': '17' });
      response.end();
    });

    await expect(new HumanApiDataClient({ baseUrl: server.baseUrl, timeoutMs: 1000 }).get(request)).rejects.toEqual(
      new HumanApiRateLimitedError(17),
    );
  });

  it('reads an answer of exactly 4 MiB', async () => {
    const server = await startServer(json(200, 'x'.repeat(4 * 1024 * 1024)));

    const answer = await new HumanApiDataClient({ baseUrl: server.baseUrl, timeoutMs: 5000 }).get(request);

    expect(answer.body.length).toBe(4 * 1024 * 1024);
  });

  it('refuses an answer over 4 MiB, unread', async () => {
    const server = await startServer(json(200, 'x'.repeat(4 * 1024 * 1024 + 1)));

    await expect(
      new HumanApiDataClient({ baseUrl: server.baseUrl, timeoutMs: 5000 }).get(request),
    ).rejects.toBeInstanceOf(HumanApiAnswerTooLargeError);
  });

  it('refuses a plain http origin that is not this machine (the request carries a token)', () => {
    expect(() => new HumanApiDataClient({ baseUrl: 'http://api.humanapi.co', timeoutMs: 1000 })).toThrow(
      HumanApiFailedError,
    );
  });
});
