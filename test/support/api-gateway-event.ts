/**
 * The one builder of API Gateway HTTP API (payload 2.0) events, for handler
 * tests and the benchmark's direct invocations.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An HTTP API event for `{method} {path}` (`POST /sessions` unless told). */
export function httpApiEvent({
  method = 'POST',
  path = '/sessions',
  routePath = path,
  pathParameters,
  rawQueryString = '',
  headers = {},
  body,
  contentType = 'application/json',
  isBase64Encoded = false,
  claims,
  iamPrincipal,
  requestId = randomUUID(),
}: {
  method?: string;
  /** The request's path. */
  path?: string;
  /** The route's path, `{name}` for a parameter. @default path */
  routePath?: string;
  pathParameters?: Record<string, string>;
  rawQueryString?: string;
  /** More headers, names in lower case. */
  headers?: Record<string, string>;
  body: string | undefined;
  /** `null` sends no Content-Type header. */
  contentType?: string | null;
  isBase64Encoded?: boolean;
  claims?: Record<string, unknown>;
  /** The signer's ARN, as API Gateway's IAM authorizer reports it. */
  iamPrincipal?: string;
  /** API Gateway's request id. @default a random UUID */
  requestId?: string;
}): APIGatewayProxyEventV2 {
  const authorizer =
    claims !== undefined
      ? { authorizer: { jwt: { claims, scopes: null } } }
      : iamPrincipal !== undefined
        ? { authorizer: { iam: { accountId: '123456789012', userArn: iamPrincipal } } }
        : {};
  return {
    version: '2.0',
    routeKey: `${method} ${routePath}`,
    rawPath: path,
    rawQueryString,
    headers: { ...(contentType === null ? {} : { 'content-type': contentType }), ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId,
      routeKey: `${method} ${routePath}`,
      stage: '$default',
      time: '21/Nov/2026:10:00:00 +0000',
      timeEpoch: 0,
      ...authorizer,
    },
    ...(pathParameters === undefined ? {} : { pathParameters }),
    isBase64Encoded,
    ...(body === undefined ? {} : { body }),
  } as APIGatewayProxyEventV2;
}

/** The event API Gateway sends for a JSON `POST` to `routeKey` (such as `POST /sessions`). */
export function jsonPostEvent(routeKey: string, body: unknown): APIGatewayProxyEventV2 {
  return httpApiEvent({ path: routeKey.split(' ')[1] ?? '/', body: JSON.stringify(body) });
}
