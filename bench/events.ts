/**
 * API Gateway HTTP API (payload 2.0) events for invoking the handlers
 * directly, without an HTTP server in between (contexts: `createLambdaContext`).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The event API Gateway sends for a JSON `POST` to `routeKey` (such as `POST /sessions`). */
export function jsonPostEvent(routeKey: string, body: unknown): APIGatewayProxyEventV2 {
  const path = routeKey.split(' ')[1] ?? '/';
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'bench.local', 'user-agent': 'bench' },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
