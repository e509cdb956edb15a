/**
 * The HTTP edge shared by the route functions: middy middleware that limits and parses the body
 * (JSON or form-urlencoded), validates it with zod (or refuses one where a route takes none),
 * reads the caller, and turns every error into problem+json. Handlers stay thin.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { errorFields, logger, metrics, tracer } from '../commons/observability.js';
import { HUMAN_API_FAILURE_METRIC } from '../commons/telemetry.js';
import type { Caller } from '../domain/caller.js';
import {
  MalformedBodyError,
  PayloadTooLargeError,
  RequestValidationError,
  UnexpectedBodyError,
  UnsupportedMediaTypeError,
} from '../domain/request-errors.js';
import { callerFrom } from './caller.js';
import { requestIssueMessage, toFieldIssues } from './field-issues.js';
import { jsonResponse, problemResponse, SECURITY_HEADERS } from './problem.js';

/** Largest accepted body (docs/api.md). */
export const MAX_BODY_BYTES = 16 * 1024;

const JSON_CONTENT_TYPE = /^\s*application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;
const FORM_CONTENT_TYPE = /^\s*application\/x-www-form-urlencoded\s*(?:;.*)?$/i;

/**
 * The media type alone, as middy's body parsers match it: they test their own regexes, which
 * miss valid forms such as `application/json ; charset=utf-8` (whitespace before `;`) or
 * `Application/JSON`. The body is UTF-8 either way (checked in {@link guardBody}).
 */
function canonicalContentType(contentType: string): string | undefined {
  if (JSON_CONTENT_TYPE.test(contentType)) return 'application/json';
  if (FORM_CONTENT_TYPE.test(contentType)) return 'application/x-www-form-urlencoded';
  return undefined;
}

type HttpResult = APIGatewayProxyStructuredResultV2;

/** The body as it arrived, by event: the parsers replace `event.body`, and a signature covers the bytes sent. */
const rawBodies = new WeakMap<APIGatewayProxyEventV2, string>();

/** Refuses oversized bodies (413) and content types other than JSON or form-urlencoded (415) before parsing. */
function guardBody(maxBodyBytes: number): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    before: ({ event }) => {
      const body = event.body ?? '';
      const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body);
      if (bytes > maxBodyBytes) throw new PayloadTooLargeError(maxBodyBytes);
      const contentType = canonicalContentType(event.headers?.['content-type'] ?? '');
      if (contentType === undefined) throw new UnsupportedMediaTypeError();
      // Parameters and whitespace parse exactly like the plain type (docs/api.md).
      event.headers = { ...event.headers, 'content-type': contentType };
      // A body that is not valid UTF-8 is not JSON or form data of ours.
      if (event.isBase64Encoded && !isUtf8(Buffer.from(body, 'base64'))) throw new MalformedBodyError();
      rawBodies.set(event, event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body);
    },
  };
}

/** Refuses any body on a route that takes none (a GET or a DELETE): 400, before any work. */
function refuseBody(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    before: ({ event }) => {
      if ((event.body ?? '') !== '') throw new UnexpectedBodyError();
    },
  };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Publishes the metrics a request recorded, if any (Powertools' `logMetrics` warns on every empty flush). */
function publishMetrics(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/** API Gateway's id of the request, as its access log and the problem bodies show it. */
function requestIdOf(event: APIGatewayProxyEventV2): string | undefined {
  // Typed as always present, but a hand-made event (a test, a console invoke) may lack it.
  const context: Partial<APIGatewayProxyEventV2['requestContext']> | undefined = event.requestContext;
  return context?.requestId;
}

/** Puts API Gateway's request id on every log line of the request (docs/api.md#request-ids). */
function logRequestId(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    before: ({ event }) => {
      const requestId = requestIdOf(event);
      if (requestId !== undefined) logger.appendKeys({ requestId });
    },
  };
}

/** Answers every error as problem+json, logging server-side faults without their payloads. */
function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    onError: (request) => {
      const response = problemResponse(request.error, requestIdOf(request.event));
      const status = response.statusCode ?? 500;
      const error = request.error;
      const fields = { status, ...errorFields(error) };
      // 502 and 504 are Human API's failures (problem.ts): count them for the stack's alarm.
      if (status === 502 || status === 504) metrics.addMetric(HUMAN_API_FAILURE_METRIC, MetricUnit.Count, 1);
      if (status >= 500) logger.error('Request failed', fields);
      else logger.info('Request refused', fields);
      request.response = response;
    },
  };
}

// middy's parsers type the event as any HTTP event; here they only ever see HTTP API events.
const parseJsonBody = httpJsonBodyParser({ disableContentTypeError: true }) as MiddlewareObj<
  APIGatewayProxyEventV2,
  HttpResult
>;
const parseFormBody = httpUrlencodeBodyParser({ disableContentTypeError: true }) as MiddlewareObj<
  APIGatewayProxyEventV2,
  HttpResult
>;

/** What a route's handler receives. */
export interface HttpRequest<TBody> {
  /** The validated body (`undefined` on a route that takes none). */
  readonly body: TBody;
  /** The body's text as it arrived, before parsing (`''` without one): what a signature covers. */
  readonly rawBody: string;
  /** Who is calling (docs/design.md#security-model). */
  readonly caller: Caller;
  /** The route's path parameters (`{clientUserId}`, `{path+}`), decoded once as API Gateway does. */
  readonly pathParameters: Readonly<Record<string, string>>;
  /** The request's path as sent, before decoding (`''` when the event has none). */
  readonly rawPath: string;
  /** The query string's parameters, in order, a repeated one kept each time. */
  readonly query: URLSearchParams;
  /** The request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** API Gateway's id of the request (docs/api.md#request-ids). */
  readonly requestId: string | undefined;
  /** The Lambda context. */
  readonly context: Context;
}

/**
 * An answer a route shapes itself, where a plain 200 JSON of an object will not do: the data
 * gateway passes Human API's JSON text through as it came, with its paging headers.
 */
export class HttpAnswer {
  constructor(
    readonly status: number,
    /** The JSON text, sent as is. */
    readonly jsonText: string,
    /** Headers besides `Content-Type` and the security headers every answer carries. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

/** Settings of {@link createHttpHandler}. */
export interface HttpHandlerOptions<TBody> {
  /** Schema of the body; its output is what `handle` receives. Without one, the route takes no body. */
  readonly bodySchema?: z.ZodMiniType<TBody>;
  /** Largest accepted body. @default {@link MAX_BODY_BYTES} */
  readonly maxBodyBytes?: number;
  /** JWT claim naming the caller, or `undefined` without a JWT authorizer. */
  readonly jwtUserClaim: string | undefined;
  /** The route's work; an object is answered as 200 JSON, an {@link HttpAnswer} as it says. */
  readonly handle: (request: HttpRequest<TBody>) => Promise<object>;
}

/** The result API Gateway expects for what a handler answered. */
function resultOf(answer: object): HttpResult {
  if (!(answer instanceof HttpAnswer)) return jsonResponse(200, answer);
  return {
    statusCode: answer.status,
    headers: { ...answer.headers, 'Content-Type': 'application/json', ...SECURITY_HEADERS },
    body: answer.jsonText,
  };
}

/**
 * Creates a middy handler for an HTTP API (payload 2.0) route.
 */
export function createHttpHandler<TBody = undefined>({
  bodySchema,
  maxBodyBytes = MAX_BODY_BYTES,
  jwtUserClaim,
  handle,
}: HttpHandlerOptions<TBody>) {
  const bodyMiddleware =
    bodySchema === undefined ? [refuseBody()] : [guardBody(maxBodyBytes), parseJsonBody, parseFormBody];
  // logEvent forced off: the event holds session tokens and the answer publicTokens, so
  // POWERTOOLS_LOGGER_LOG_EVENT=true must not print it (docs/security.md).
  return (
    middy<APIGatewayProxyEventV2, HttpResult>()
      // The response holds the publicToken: never put it in a trace.
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
      .use(logRequestId())
      .use(publishMetrics())
      .use(problemDetails())
      .use(bodyMiddleware)
      .handler(async (event, context) => {
        // The body parsers above replaced the raw string with the parsed value.
        let body = undefined as TBody;
        if (bodySchema !== undefined) {
          const parsed = bodySchema.safeParse(event.body as unknown, { error: requestIssueMessage });
          if (!parsed.success) throw new RequestValidationError(toFieldIssues(parsed.error.issues));
          body = parsed.data;
        }
        const caller = callerFrom(event, jwtUserClaim);
        const answer = await handle({
          body,
          rawBody: rawBodies.get(event) ?? '',
          caller,
          pathParameters: { ...event.pathParameters } as Record<string, string>,
          rawPath: event.rawPath ?? '',
          query: new URLSearchParams(event.rawQueryString ?? ''),
          headers: { ...event.headers } as Record<string, string>,
          requestId: requestIdOf(event),
          context,
        });
        return resultOf(answer);
      })
  );
}
