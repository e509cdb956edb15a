import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { createHttpHandler, HttpAnswer, type HttpRequest } from '../../../functions/http/http-handler.js';
import { createLambdaContext } from '../../../local/lambda-adapter.js';
import { httpApiEvent } from '../../support/api-gateway-event.js';

const context = () => createLambdaContext('test', 10_000);
const invoke = async (handler: ReturnType<typeof createHttpHandler>, event: Parameters<typeof handler>[0]) =>
  (await handler(event, context())) as APIGatewayProxyStructuredResultV2;

describe('a route that takes no body (GET, DELETE)', () => {
  const seen: HttpRequest<undefined>[] = [];
  const handler = createHttpHandler({
    jwtUserClaim: undefined,
    handle: async (request) => {
      seen.push(request);
      return { ok: true };
    },
  });

  it('hands the handler its path parameters, query, headers, request id and IAM signer', async () => {
    const result = await invoke(
      handler,
      httpApiEvent({
        method: 'GET',
        path: '/users/alice%40example.com/human/activities',
        routePath: '/users/{clientUserId}/human/{path+}',
        pathParameters: { clientUserId: 'alice@example.com', path: 'activities' },
        rawQueryString: 'limit=5&source=fitbit&source=garmin',
        headers: { 'x-extra': 'yes' },
        contentType: null,
        body: undefined,
        iamPrincipal: 'arn:aws:sts::123456789012:assumed-role/app/session',
        requestId: 'req-1',
      }),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ ok: true });
    const request = seen.at(-1);
    expect(request?.body).toBeUndefined();
    expect(request?.rawBody).toBe('');
    expect(request?.pathParameters).toEqual({ clientUserId: 'alice@example.com', path: 'activities' });
    expect(request?.query.get('limit')).toBe('5');
    expect(request?.query.getAll('source')).toEqual(['fitbit', 'garmin']);
    expect(request?.headers['x-extra']).toBe('yes');
    expect(request?.requestId).toBe('req-1');
    expect(request?.caller).toEqual({
      kind: 'trusted',
      principal: 'arn:aws:sts::123456789012:assumed-role/app/session',
    });
  });

  it('refuses a body with 400 unexpected-body, before the handler runs', async () => {
    const before = seen.length;

    const result = await invoke(handler, httpApiEvent({ method: 'DELETE', path: '/users/alice', body: '{"a":1}' }));

    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(result.body ?? '')).toMatchObject({
      type: 'urn:humanconnect:problem:unexpected-body',
      status: 400,
      detail: 'This route takes no request body.',
    });
    expect(seen.length).toBe(before);
  });
});

describe('a route with a body', () => {
  it('hands the handler the body as it arrived next to the parsed one (what a signature covers)', async () => {
    let request: HttpRequest<{ a: number }> | undefined;
    const handler = createHttpHandler({
      bodySchema: z.object({ a: z.number() }),
      jwtUserClaim: undefined,
      handle: async (received) => {
        request = received;
        return {};
      },
    });
    const text = '{ "a" : 1 }';

    await invoke(handler, httpApiEvent({ body: Buffer.from(text).toString('base64'), isBase64Encoded: true }));

    expect(request?.body).toEqual({ a: 1 });
    expect(request?.rawBody).toBe(text);
  });

  it('holds the body to the route\u2019s own limit: 413 past it', async () => {
    const handler = createHttpHandler({
      bodySchema: z.object({ a: z.string() }),
      maxBodyBytes: 32,
      jwtUserClaim: undefined,
      handle: async () => ({}),
    });

    const fits = await invoke(handler, httpApiEvent({ body: JSON.stringify({ a: 'x'.repeat(20) }) }));
    const over = await invoke(handler, httpApiEvent({ body: JSON.stringify({ a: 'x'.repeat(30) }) }));

    expect(fits.statusCode).toBe(200);
    expect(over.statusCode).toBe(413);
    expect(JSON.parse(over.body ?? '').detail).toMatch(/32 bytes/);
  });
});

describe('HttpAnswer', () => {
  it('is answered as it says: its status, its JSON text untouched, its headers, and the security headers', async () => {
    const text = '[{"id":1},  {"id":2}]';
    const handler = createHttpHandler({
      jwtUserClaim: undefined,
      handle: async () => new HttpAnswer(200, text, { 'X-Total-Count': '2', 'Content-Type': 'text/html' }),
    });

    const result = await invoke(handler, httpApiEvent({ method: 'GET', path: '/x', body: undefined }));

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(text);
    expect(result.headers).toEqual({
      'X-Total-Count': '2',
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
});
