/**
 * The HTTP edge shared by both functions: middy middleware that limits and
 * parses the body (JSON or form-urlencoded), validates it with zod, reads the
 * caller, and turns every error into problem+json. Handlers stay thin.
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
  UnsupportedMediaTypeError,
} from '../domain/errors.js';
import { callerFrom } from './caller.js';
import { requestIssueMessage, toFieldIssues } from './field-issues.js';
import { jsonResponse, problemResponse } from './problem.js';

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

/** Refuses oversized bodies (413) and content types other than JSON or form-urlencoded (415) before parsing. */
function guardBody(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    before: ({ event }) => {
      const body = event.body ?? '';
      const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64').length : Buffer.byteLength(body);
      if (bytes > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
      const contentType = canonicalContentType(event.headers?.['content-type'] ?? '');
      if (contentType === undefined) throw new UnsupportedMediaTypeError();
      // Parameters and whitespace parse exactly like the plain type (docs/api.md).
      event.headers = { ...event.headers, 'content-type': contentType };
      // A body that is not valid UTF-8 is not JSON or form data of ours.
      if (event.isBase64Encoded && !isUtf8(Buffer.from(body, 'base64'))) throw new MalformedBodyError();
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
  /** The validated body. */
  readonly body: TBody;
  /** Who is calling (docs/design.md#security-model). */
  readonly caller: Caller;
  /** The Lambda context. */
  readonly context: Context;
}

/** Settings of {@link createHttpHandler}. */
export interface HttpHandlerOptions<TBody> {
  /** Schema of the body; its output is what `handle` receives. */
  readonly bodySchema: z.ZodMiniType<TBody>;
  /** JWT claim naming the caller, or `undefined` without a JWT authorizer. */
  readonly jwtUserClaim: string | undefined;
  /** The route's work; its result is answered as 200 JSON. */
  readonly handle: (request: HttpRequest<TBody>) => Promise<object>;
}

/**
 * Creates a middy handler for an HTTP API (payload 2.0) route.
 */
export function createHttpHandler<TBody>({ bodySchema, jwtUserClaim, handle }: HttpHandlerOptions<TBody>) {
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
      .use(guardBody())
      .use(parseJsonBody)
      .use(parseFormBody)
      .handler(async (event, context) => {
        // The body parsers above replaced the raw string with the parsed value.
        const parsed = bodySchema.safeParse(event.body as unknown, { error: requestIssueMessage });
        if (!parsed.success) throw new RequestValidationError(toFieldIssues(parsed.error.issues));
        const caller = callerFrom(event, jwtUserClaim);
        return jsonResponse(200, await handle({ body: parsed.data, caller, context }));
      })
  );
}
