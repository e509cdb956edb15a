/**
 * The one builder of API Gateway HTTP API (payload 2.0) events, for handler
 * tests and the benchmark's direct invocations.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An HTTP API event for `POST {path}`. */
export function httpApiEvent({
  path = '/sessions',
  body,
  contentType = 'application/json',
  isBase64Encoded = false,
  claims,
  requestId = randomUUID(),
}: {
  path?: string;
  body: string | undefined;
  /** `null` sends no Content-Type header. */
  contentType?: string | null;
  isBase64Encoded?: boolean;
  claims?: Record<string, unknown>;
  /** API Gateway's request id. @default a random UUID */
  requestId?: string;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: contentType === null ? {} : { 'content-type': contentType },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId,
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '21/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
      ...(claims === undefined ? {} : { authorizer: { jwt: { claims, scopes: null } } }),
    },
    isBase64Encoded,
    ...(body === undefined ? {} : { body }),
  } as APIGatewayProxyEventV2;
}

/** The event API Gateway sends for a JSON `POST` to `routeKey` (such as `POST /sessions`). */
export function jsonPostEvent(routeKey: string, body: unknown): APIGatewayProxyEventV2 {
  return httpApiEvent({ path: routeKey.split(' ')[1] ?? '/', body: JSON.stringify(body) });
}
