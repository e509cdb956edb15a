/**
 * The one transport both Human API clients use (docs/design.md#human-api): a JSON `POST` over
 * `node:https`, with a timeout, a keep-alive agent, no redirects, a 64 KiB cap on answers, and
 * Human API's statuses translated into the project's typed errors.
 *
 * Why not `fetch`: on Node.js 24 it loads all of undici on the first request (20–30 ms of a
 * cold start, docs/performance.md). `node:https` is taken with `process.getBuiltinModule` on
 * the first call, not imported: a static or dynamic ESM import of `node:http(s)` builds the
 * module namespace, which evaluates `http`'s lazy `WebSocket` getters and loads undici anyway.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as z from 'zod/mini';
import { isLoopbackHost } from '../commons/config.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../commons/errors.js';
import { errorFields, logger, traceHumanApiCall } from '../commons/observability.js';
import { describeUpstreamError } from '../commons/upstream-detail.js';

/** The largest answer read; Human API's are a few hundred bytes. Larger ones are cut off, unread. */
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

/** What one call read: the status, the `Retry-After` header and the (bounded) body. */
export interface HumanApiAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/** Settings of {@link createHumanApiTransport}. */
export interface HumanApiTransportOptions {
  /** Origin (and optional base path), without a trailing slash: https, or http on a loopback host. */
  readonly baseUrl: string;
  /** Time allowed for one call, from connecting to reading the whole answer. */
  readonly timeoutMs: number;
}

/** JSON `POST`s to one Human API origin. */
export interface HumanApiTransport {
  /**
   * Posts `body` as JSON to `path` and reads the answer, unvalidated.
   *
   * @throws {HumanApiTimeoutError} when no whole answer arrived within the timeout
   * @throws {HumanApiFailedError} on a redirect, an answer over {@link MAX_ANSWER_BYTES}, or a broken connection
   */
  send(path: string, body: object): Promise<HumanApiAnswer>;
  /**
   * Posts `body` and answers the validated JSON of a 200/201. The call is a trace subsegment
   * and a `HumanApiLatency` metric; a failure is logged with its path, `logFields` (names only:
   * the body holds the client secret) and duration.
   *
   * @throws {HumanApiAuthError} on 401/403 (the app credentials)
   * @throws {HumanApiRateLimitedError} on 429, with its `Retry-After`
   * @throws {HumanApiRejectedError} on any other 4xx
   * @throws {HumanApiFailedError} on 5xx, other statuses, unreadable JSON or an unexpected shape
   * @throws {HumanApiTimeoutError} when no whole answer arrived within the timeout
   */
  postJson<T>(
    path: string,
    body: object,
    schema: z.ZodMiniType<T>,
    logFields?: Readonly<Record<string, string>>,
  ): Promise<T>;
}

type NodeClient = Pick<typeof Https, 'request'> & { readonly agent: Http.Agent };

/**
 * Creates the transport of one Human API origin.
 *
 * @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host
 */
export function createHumanApiTransport({ baseUrl, timeoutMs }: HumanApiTransportOptions): HumanApiTransport {
  const base = new URL(baseUrl);
  const secure = base.protocol === 'https:';
  if (!secure && !(base.protocol === 'http:' && isLoopbackHost(base.hostname))) {
    throw new HumanApiFailedError(`Human API must be reached over https (or http on loopback), not ${baseUrl}.`);
  }
  let client: NodeClient | undefined;
  const clientFor = (): NodeClient => {
    if (client === undefined) {
      const module = process.getBuiltinModule(secure ? 'node:https' : 'node:http');
      // Keep-alive: the second call of a warm instance skips the TCP and TLS handshakes.
      client = { request: module.request, agent: new module.Agent({ keepAlive: true, maxSockets: 8 }) };
    }
    return client;
  };

  function send(path: string, body: object): Promise<HumanApiAnswer> {
    const payload = JSON.stringify(body);
    const { request, agent } = clientFor();
    return new Promise<HumanApiAnswer>((resolve, reject) => {
      const outgoing = request(`${baseUrl}${path}`, {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(payload),
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
            : new HumanApiFailedError('Could not reach Human API.', { cause: error }),
        );
      };
      outgoing.on('error', fail);
      outgoing.on('response', (incoming) => {
        const status = incoming.statusCode ?? 0;
        // Redirects are never followed: the body (with the client secret) is not re-sent anywhere.
        const refusal =
          status >= 300 && status < 400
            ? `Human API answered ${status} (redirects are not followed).`
            : Number(incoming.headers['content-length'] ?? 0) > MAX_ANSWER_BYTES
              ? `Human API's answer is larger than ${MAX_ANSWER_BYTES} bytes.`
              : undefined;
        if (refusal !== undefined) {
          outgoing.destroy(new HumanApiFailedError(refusal));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        incoming.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // Destroying the socket stops reading: a huge answer costs at most one more chunk.
          if (received > MAX_ANSWER_BYTES) {
            outgoing.destroy(new HumanApiFailedError(`Human API's answer is larger than ${MAX_ANSWER_BYTES} bytes.`));
          } else chunks.push(chunk);
        });
        incoming.on('error', fail);
        incoming.on('end', () => {
          clearTimeout(timer);
          const retryAfter = incoming.headers['retry-after'];
          resolve({ status, retryAfter, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      outgoing.end(payload);
    });
  }

  async function postJson<T>(
    path: string,
    body: object,
    schema: z.ZodMiniType<T>,
    logFields: Readonly<Record<string, string>> = {},
  ): Promise<T> {
    const started = performance.now();
    try {
      return await traceHumanApiCall(path, () => readAnswer(path, body, schema));
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

  async function readAnswer<T>(path: string, body: object, schema: z.ZodMiniType<T>): Promise<T> {
    const { status, retryAfter, body: text } = await send(path, body);
    if (status === 401 || status === 403) throw new HumanApiAuthError(status);
    if (status === 429) throw new HumanApiRateLimitedError(retryAfterSeconds(retryAfter));
    if (status >= 400 && status < 500) throw new HumanApiRejectedError(status, describeUpstreamError(text));
    if (status !== 200 && status !== 201)
      throw new HumanApiFailedError(`Human API answered ${status}.`, { upstreamStatus: status });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HumanApiFailedError('Human API answered with unreadable JSON.');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new HumanApiFailedError('Human API answered with an unexpected shape.');
    return parsed.data;
  }

  return { send, postJson };
}
