/**
 * Human API's v1 Connect endpoints (docs/design.md#human-api) over `fetch`, with a timeout,
 * status translation and validation of the answers.
 */

import * as z from 'zod/mini';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../commons/errors.js';
import { errorFields, logger, traceHumanApiCall } from '../commons/observability.js';
import { describeUpstreamError } from '../commons/upstream-detail.js';
import { boundedToken } from '../http/schemas.js';

const tokensAnswerSchema = z.object({
  humanId: boundedToken,
  accessToken: boundedToken,
  publicToken: boundedToken,
  clientId: boundedToken,
  clientUserId: z.string().check(z.minLength(1), z.maxLength(1024)),
});

const publicTokensAnswerSchema = z.object({
  humanId: boundedToken,
  publicToken: boundedToken,
});

/** Human API's answer to a session-token exchange. */
export type SessionExchange = z.infer<typeof tokensAnswerSchema>;
/** Human API's answer to a publicToken request. */
export type PublicTokenGrant = z.infer<typeof publicTokensAnswerSchema>;

/** The two calls this product makes. */
export interface HumanApiClient {
  /** `POST /v1/connect/tokens`: exchanges a signed session token for the user's tokens. */
  exchangeSessionToken(request: {
    readonly humanId: string;
    readonly clientId: string;
    readonly sessionToken: string;
    readonly clientSecret: string;
  }): Promise<SessionExchange>;
  /** `POST /v1/connect/publictokens`: issues a fresh publicToken for a known user. */
  createPublicToken(request: {
    readonly humanId: string;
    readonly clientId: string;
    readonly clientSecret: string;
  }): Promise<PublicTokenGrant>;
}

/** Settings of {@link createHumanApiClient}. */
export interface HumanApiClientOptions {
  /** Origin (and optional base path) of Human API, without a trailing slash. */
  readonly baseUrl: string;
  /** Time allowed for one call, including reading the answer. */
  readonly timeoutMs: number;
  /** The fetch implementation (tests may inject one). */
  readonly fetch?: typeof globalThis.fetch;
}

/** Creates a Human API client. */
export function createHumanApiClient({
  baseUrl,
  timeoutMs,
  fetch = globalThis.fetch,
}: HumanApiClientOptions): HumanApiClient {
  async function post<T>(path: string, body: object, schema: z.ZodMiniType<T>): Promise<T> {
    const signal = AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    try {
      let status: number;
      let text: string;
      try {
        const response = await fetch(`${baseUrl}${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify(body),
          signal,
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        if (signal.aborted) throw new HumanApiTimeoutError(timeoutMs);
        throw new HumanApiFailedError('Could not reach Human API.', { cause: error });
      }
      if (status === 401 || status === 403) throw new HumanApiAuthError(status);
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
    } catch (error) {
      logger.warn('Human API call failed', {
        path,
        ...errorFields(error),
        durationMs: Math.round(performance.now() - started),
      });
      throw error;
    }
  }

  return {
    exchangeSessionToken: ({ humanId, clientId, sessionToken, clientSecret }) =>
      traceHumanApiCall('/v1/connect/tokens', () =>
        post('/v1/connect/tokens', { humanId, clientId, sessionToken, clientSecret }, tokensAnswerSchema),
      ),
    createPublicToken: ({ humanId, clientId, clientSecret }) =>
      traceHumanApiCall('/v1/connect/publictokens', () =>
        post('/v1/connect/publictokens', { humanId, clientId, clientSecret }, publicTokensAnswerSchema),
      ),
  };
}
