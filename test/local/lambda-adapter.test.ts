import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLambdaContext, toHttpApiEvent } from '../../local/lambda-adapter.js';

function request(headers: Record<string, string>, url = '/sessions?x=1'): IncomingMessage {
  return { headers, url, method: 'POST', httpVersion: '1.1', socket: new Socket() } as unknown as IncomingMessage;
}

describe('toHttpApiEvent', () => {
  it('builds an HTTP API payload 2.0 event with lower-cased headers and a text body', () => {
    const event = toHttpApiEvent(
      request({ 'Content-Type': 'application/json', Origin: 'http://a' }),
      Buffer.from('{"a":1}'),
      {
        routeKey: 'POST /sessions',
      },
    );

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /sessions',
      rawPath: '/sessions',
      rawQueryString: 'x=1',
      headers: { 'content-type': 'application/json', origin: 'http://a' },
      requestContext: { http: { method: 'POST', path: '/sessions' }, stage: '$default' },
      body: '{"a":1}',
      isBase64Encoded: false,
    });
    expect(event.requestContext).not.toHaveProperty('authorizer');
  });

  it('base64-encodes binary bodies and bodies that are not valid UTF-8, as API Gateway does', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x41]);

    const binary = toHttpApiEvent(request({ 'content-type': 'application/octet-stream' }), bytes, { routeKey: 'r' });
    const invalidText = toHttpApiEvent(request({ 'content-type': 'application/json' }), bytes, { routeKey: 'r' });

    expect(binary).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    expect(invalidText).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
  });

  it('puts verified JWT claims where the HTTP API JWT authorizer puts them', () => {
    const event = toHttpApiEvent(request({}), Buffer.alloc(0), { routeKey: 'r', jwtClaims: { sub: 'alice' } });

    expect(event.requestContext).toMatchObject({ authorizer: { jwt: { claims: { sub: 'alice' } } } });
    expect(event).not.toHaveProperty('body');
  });
});

describe('createLambdaContext', () => {
  it('counts down the function\u2019s time budget', () => {
    const context = createLambdaContext('finishSession', 21_000);

    expect(context.functionName).toBe('finishSession');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(20_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(21_000);
  });
});
