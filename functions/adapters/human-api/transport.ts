/**
 * The one transport every Human API client uses (docs/design.md#human-api): a request over
 * `node:https`, with a timeout, a keep-alive agent, no redirects and a cap on the answer's size;
 * `postJson` adds the Connect endpoints' translation of Human API's statuses into typed errors.
 *
 * Why not `fetch`: on Node.js 24 it loads all of undici on the first request (20–30 ms of a
 * cold start, docs/performance.md). `node:https` is taken with `process.getBuiltinModule` on
 * the first call, not imported: a static or dynamic ESM import of `node:http(s)` builds the
 * module namespace, which evaluates `http`'s lazy `WebSocket` getters and loads undici anyway.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as z from 'zod/mini';
import { isLoopbackHost } from '../../commons/config.js';
import { errorFields, logger, traceHumanApiCall } from '../../commons/observability.js';
import {
  HumanApiAnswerTooLargeError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  HumanApiUnreachableError,
} from '../../domain/errors.js';
import { describeUpstreamError } from './upstream-detail.js';

/** The largest Connect answer read; Human API's are a few hundred bytes. Larger ones are cut off, unread. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** `Retry-After` (seconds) passed on when Human API answers 429 without one. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** The longest `Retry-After` passed on (seconds): a larger value is Human API's business, not our callers'. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * The seconds a `Retry-After` value asks for (RFC 9110: delta-seconds or an HTTP date), within
 * 1..{@link MAX_RETRY_AFTER_SECONDS}; {@link DEFAULT_RETRY_AFTER_SECONDS} when absent or unreadable.
 */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number {
  const raw = value?.trim() ?? '';
  let seconds: number;
  if (/^\d+$/.test(raw)) seconds = Number(raw);
  else {
    // An HTTP date starts with the day's name ("Thu, 01 Jan 2026 …"); Date.parse alone takes "-5" as a year.
    const date = /^[A-Za-z]{3}, /.test(raw) ? Date.parse(raw) : Number.NaN;
    if (Number.isNaN(date)) return DEFAULT_RETRY_AFTER_SECONDS;
    seconds = Math.ceil((date - now) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, seconds));
}

/** What one call read: the status, the headers kept and the (bounded) body. */
export interface HumanApiAnswer {
  readonly status: number;
  /** The answer's headers, lower-case names, single values (a repeated header's values joined). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** One request. */
export interface HumanApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, appended to the base URL. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (POST). */
  readonly json?: object;
  /** The largest answer read. @default {@link MAX_ANSWER_BYTES} */
  readonly maxAnswerBytes?: number;
}

/** Settings of {@link HumanApiTransport}. */
export interface HumanApiTransportOptions {
  /** Origin (and optional base path), without a trailing slash: https, or http on a loopback host. */
  readonly baseUrl: string;
  /** Time allowed for one call, from connecting to reading the whole answer. */
  readonly timeoutMs: number;
}

type NodeClient = Pick<typeof Https, 'request'> & { readonly agent: Http.Agent };

/** Requests to one Human API origin. */
export class HumanApiTransport {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly secure: boolean;
  private client: NodeClient | undefined;

  /** @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host */
  constructor({ baseUrl, timeoutMs }: HumanApiTransportOptions) {
    const base = new URL(baseUrl);
    this.secure = base.protocol === 'https:';
    if (!this.secure && !(base.protocol === 'http:' && isLoopbackHost(base.hostname))) {
      throw new HumanApiFailedError(`Human API must be reached over https (or http on loopback), not ${baseUrl}.`);
    }
    this.baseUrl = baseUrl;
    this.timeoutMs = timeoutMs;
  }

  private clientFor(): NodeClient {
    if (this.client === undefined) {
      const module = process.getBuiltinModule(this.secure ? 'node:https' : 'node:http');
      // Keep-alive: the second call of a warm instance skips the TCP and TLS handshakes.
      this.client = { request: module.request, agent: new module.Agent({ keepAlive: true, maxSockets: 8 }) };
    }
    return this.client;
  }

  /**
   * Sends one request and reads the answer, unvalidated.
   *
   * @throws {HumanApiTimeoutError} when no whole answer arrived within the timeout
   * @throws {HumanApiAnswerTooLargeError} on an answer over its size cap
   * @throws {HumanApiUnreachableError} when the connection failed or broke
   * @throws {HumanApiFailedError} on a redirect
   */
  request({ method, path, headers = {}, json, maxAnswerBytes = MAX_ANSWER_BYTES }: HumanApiRequest) {
    const payload = json === undefined ? undefined : JSON.stringify(json);
    const { request, agent } = this.clientFor();
    const timeoutMs = this.timeoutMs;
    return new Promise<HumanApiAnswer>((resolve, reject) => {
      const outgoing = request(`${this.baseUrl}${path}`, {
        method,
        agent,
        headers: {
          Accept: 'application/json',
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
        },
      });
      const timer = setTimeout(() => {
        outgoing.destroy(new HumanApiTimeoutError(timeoutMs));
      }, timeoutMs);
      const fail = (error: unknown) => {
        clearTimeout(timer);
        reject(
          error instanceof HumanApiTimeoutError || error instanceof HumanApiFailedError
            ? error
            : new HumanApiUnreachableError({ cause: error }),
        );
      };
      outgoing.on('error', fail);
      outgoing.on('response', (incoming) => {
        const status = incoming.statusCode ?? 0;
        const tooLarge = () => new HumanApiAnswerTooLargeError(maxAnswerBytes, status);
        // Redirects are never followed: nothing (a secret, a bearer token) is re-sent anywhere.
        if (status >= 300 && status < 400) {
          outgoing.destroy(new HumanApiFailedError(`Human API answered ${status} (redirects are not followed).`));
          return;
        }
        if (Number(incoming.headers['content-length'] ?? 0) > maxAnswerBytes) {
          outgoing.destroy(tooLarge());
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        const overCap = () => received > maxAnswerBytes;
        incoming.on('data', (chunk: Buffer) => {
          if (overCap()) return;
          received += chunk.length;
          if (!overCap()) {
            chunks.push(chunk);
            return;
          }
          // Refused here, not through the socket's error: when the whole answer arrived in one read,
          // its end is already on its way and the error would find no listener (nor stop the end).
          // Destroying the socket stops reading: a huge answer costs at most one more chunk.
          fail(tooLarge());
          outgoing.destroy();
        });
        incoming.on('error', fail);
        incoming.on('end', () => {
          if (overCap()) return;
          clearTimeout(timer);
          const answerHeaders = Object.fromEntries(
            Object.entries(incoming.headers).map(([name, value]) => [name, [value ?? ''].flat().join(', ')]),
          );
          resolve({ status, headers: answerHeaders, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      outgoing.end(payload);
    });
  }

  /**
   * Posts `body` and answers the validated JSON of a 200/201. The call is a trace subsegment and a
   * `HumanApiLatency` metric; a failure is logged with its path, `logFields` (names only: the body
   * holds the client secret) and duration.
   *
   * @throws {HumanApiAuthError} on 401/403 (the app credentials)
   * @throws {HumanApiRateLimitedError} on 429, with its `Retry-After`
   * @throws {HumanApiRejectedError} on any other 4xx
   * @throws {HumanApiFailedError} on 5xx, other statuses, unreadable JSON or an unexpected shape
   * @throws {HumanApiTimeoutError} when no whole answer arrived within the timeout
   */
  async postJson<T>(
    path: string,
    body: object,
    schema: z.ZodMiniType<T>,
    logFields: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const started = performance.now();
    try {
      return await traceHumanApiCall(path, async () => {
        const answer = await this.request({ method: 'POST', path, json: body });
        return parseJsonAnswer(throwOnConnectRefusal(answer), schema);
      });
    } catch (error) {
      logger.warn('Human API call failed', {
        path,
        ...logFields,
        ...errorFields(error),
        durationMs: Math.round(performance.now() - started),
      });
      throw error;
    }
  }
}

/**
 * Translates a Connect endpoint's refusals: 401/403 are the app's credentials, 429 a rate limit,
 * any other 4xx a rejection of the request, anything but 200/201 a failure.
 */
function throwOnConnectRefusal(answer: HumanApiAnswer): HumanApiAnswer {
  const { status } = answer;
  if (status === 401 || status === 403) throw new HumanApiAuthError(status);
  if (status === 429) throw new HumanApiRateLimitedError(retryAfterSeconds(answer.headers['retry-after']));
  if (status >= 400 && status < 500) throw new HumanApiRejectedError(status, describeUpstreamError(answer.body));
  if (status !== 200 && status !== 201) {
    throw new HumanApiFailedError(`Human API answered ${status}.`, { upstreamStatus: status });
  }
  return answer;
}

/**
 * The validated JSON of an answer's body.
 *
 * @throws {HumanApiFailedError} on unreadable JSON or an unexpected shape
 */
export function parseJsonAnswer<T>(answer: HumanApiAnswer, schema: z.ZodMiniType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new HumanApiFailedError('Human API answered with unreadable JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new HumanApiFailedError('Human API answered with an unexpected shape.');
  return parsed.data;
}
