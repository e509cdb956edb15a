/**
 * Turns a `node:http` request into an API Gateway HTTP API (payload 2.0)
 * event, runs a Lambda handler on it, and writes its answer back.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

/** A Lambda handler for HTTP API events. */
export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const TEXT_CONTENT_TYPE =
  /^(?:text\/|application\/(?:[\w.+-]+\+)?json|application\/x-www-form-urlencoded|application\/xml)/i;

/** Builds the payload 2.0 event API Gateway would send for this request. */
export function toHttpApiEvent(
  request: IncomingMessage,
  body: Buffer,
  {
    routeKey,
    pathParameters,
    jwtClaims,
    iamPrincipal,
  }: {
    routeKey: string;
    /** The route's path parameters, decoded once (as API Gateway hands them). */
    pathParameters?: Record<string, string> | undefined;
    jwtClaims?: Record<string, unknown> | undefined;
    /** The signer's ARN of an IAM-authorized request. */
    iamPrincipal?: string | undefined;
  },
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const contentType = headers['content-type'] ?? '';
  let isText = TEXT_CONTENT_TYPE.test(contentType);
  if (isText) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      isText = false;
    }
  }
  const now = new Date();
  const requestId = randomUUID();
  const requestContext = {
    accountId: 'local',
    apiId: 'local',
    domainName: headers.host ?? '127.0.0.1',
    domainPrefix: 'local',
    http: {
      method: request.method ?? 'GET',
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey,
    stage: '$default',
    time: now.toUTCString(),
    timeEpoch: now.getTime(),
    ...(jwtClaims !== undefined
      ? { authorizer: { jwt: { claims: jwtClaims, scopes: null } } }
      : iamPrincipal !== undefined
        ? { authorizer: { iam: { accountId: '000000000000', userArn: iamPrincipal } } }
        : {}),
  };
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext,
    ...(pathParameters === undefined || Object.keys(pathParameters).length === 0 ? {} : { pathParameters }),
    isBase64Encoded: body.length > 0 && !isText,
    ...(body.length === 0 ? {} : { body: isText ? body.toString('utf8') : body.toString('base64') }),
  } as APIGatewayProxyEventV2;
}

/** A Lambda context for one invocation outside Lambda, with the function's time budget. */
export function createLambdaContext(functionName: string, timeoutMs: number, memoryLimitInMB = 512): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Writes a handler's answer (API Gateway's defaults apply to a missing status). */
export function writeHandlerResult(
  response: ServerResponse,
  result: APIGatewayProxyStructuredResultV2,
  extraHeaders: Record<string, string>,
): void {
  const headers: Record<string, string> = { ...extraHeaders };
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  const body =
    result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(body);
}
