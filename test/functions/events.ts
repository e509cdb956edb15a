/** Builder of API Gateway HTTP API (payload 2.0) events for handler tests. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An HTTP API event for `POST {path}`. */
export function httpApiEvent({
  path = '/sessions',
  body,
  contentType = 'application/json',
  isBase64Encoded = false,
  claims,
}: {
  path?: string;
  body: string | undefined;
  /** `null` sends no Content-Type header. */
  contentType?: string | null;
  isBase64Encoded?: boolean;
  claims?: Record<string, unknown>;
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
      requestId: 'request-id',
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
