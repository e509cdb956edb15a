/** Human API's v1 Connect endpoints (HumanApiConnectClient), against real loopback servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { HumanApiConnectClient } from '../../../../functions/adapters/human-api/connect.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../../functions/domain/errors.js';
import { closeServers, json, startServer } from './loopback-server.js';

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
const clientOf = (baseUrl: string, timeoutMs = 1000) => new HumanApiConnectClient({ baseUrl, timeoutMs });

afterEach(() => {
  closeServers();
});

describe('HumanApiConnectClient', () => {
  it('posts exactly the four documented fields as JSON to /v1/connect/tokens', async () => {
    const server = await startServer(json(201, { ...exchange, extra: 'ignored' }));

    const answer = await clientOf(server.baseUrl).exchangeSessionToken({
      ...request,
      userId: 'not forwarded',
    } as typeof request);

    expect(answer).toEqual(exchange);
    const [seen] = server.received;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/v1/connect/tokens');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual(request);
  });

  it('posts { humanId, clientId, clientSecret } to /v1/connect/publictokens under the base path', async () => {
    const server = await startServer(json(200, { humanId: exchange.humanId, publicToken: 'f'.repeat(32) }));

    const answer = await clientOf(`${server.baseUrl}/sandbox/humanapi`).createPublicToken({
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

  it('leaves the clientUserId rules to the domain, taking any string of 1 to 1024 characters', async () => {
    const server = await startServer(json(201, { ...exchange, clientUserId: 'has a\u0000control' }));

    expect((await clientOf(server.baseUrl).exchangeSessionToken(request)).clientUserId).toBe('has a\u0000control');
  });

  it.each([
    [401, HumanApiAuthError],
    [403, HumanApiAuthError],
    [400, HumanApiRejectedError],
    [404, HumanApiRejectedError],
    [429, HumanApiRateLimitedError],
    [500, HumanApiFailedError],
    [503, HumanApiFailedError],
  ])('translates status %i', async (status, errorClass) => {
    const server = await startServer(json(status, '{}'));

    await expect(clientOf(server.baseUrl).exchangeSessionToken(request)).rejects.toBeInstanceOf(errorClass);
  });

  it.each([
    ['unreadable JSON', '<html>oops'],
    ['a wrong shape', JSON.stringify({ humanId: exchange.humanId })],
    ['an accessToken of the wrong type', JSON.stringify({ ...exchange, accessToken: 42 })],
    ['a publicToken of 513 characters', JSON.stringify({ ...exchange, publicToken: 'p'.repeat(513) })],
    ['a humanId with a space', JSON.stringify({ ...exchange, humanId: 'has space' })],
    ['an empty clientUserId', JSON.stringify({ ...exchange, clientUserId: '' })],
    ['a clientUserId over 1024 characters', JSON.stringify({ ...exchange, clientUserId: 'u'.repeat(1025) })],
  ])('fails on an exchange answer with %s', async (_, body) => {
    const server = await startServer(json(200, body));

    await expect(clientOf(server.baseUrl).exchangeSessionToken(request)).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('fails on a publictokens answer without a publicToken', async () => {
    const server = await startServer(json(200, { humanId: exchange.humanId }));

    await expect(
      clientOf(server.baseUrl).createPublicToken({ humanId: exchange.humanId, clientId: 'c', clientSecret: 's' }),
    ).rejects.toBeInstanceOf(HumanApiFailedError);
  });

  it('times out when Human API does not answer in time', async () => {
    const server = await startServer(() => undefined);

    await expect(clientOf(server.baseUrl, 100).exchangeSessionToken(request)).rejects.toBeInstanceOf(
      HumanApiTimeoutError,
    );
  });

  it('refuses plain http to a host that is not loopback', () => {
    expect(() => clientOf('http://user.humanapi.co')).toThrow(HumanApiFailedError);
  });
});
