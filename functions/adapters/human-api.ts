/**
 * Human API's v1 Connect endpoints (docs/design.md#human-api), over the shared `node:https`
 * transport (`./https-transport.ts`: timeout, keep-alive, no redirects, 64 KiB cap, status
 * translation), with validation of the answers.
 */
import * as z from 'zod/mini';
import { boundedToken } from '../http/schemas.js';
import { createHumanApiTransport } from './https-transport.js';

// Re-exported: callers and tests of the v1 client name them from here.
export {
  DEFAULT_RETRY_AFTER_SECONDS,
  MAX_ANSWER_BYTES,
  MAX_RETRY_AFTER_SECONDS,
  retryAfterSeconds,
} from './https-transport.js';

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
  /** Origin (and optional base path) of Human API, without a trailing slash: https, or http on loopback. */
  readonly baseUrl: string;
  /** Time allowed for one call, from connecting to reading the whole answer. */
  readonly timeoutMs: number;
}

/**
 * Creates a Human API client.
 *
 * @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host
 */
export function createHumanApiClient({ baseUrl, timeoutMs }: HumanApiClientOptions): HumanApiClient {
  const transport = createHumanApiTransport({ baseUrl, timeoutMs });

  return {
    exchangeSessionToken: ({ humanId, clientId, sessionToken, clientSecret }) =>
      transport.postJson('/v1/connect/tokens', { humanId, clientId, sessionToken, clientSecret }, tokensAnswerSchema),
    createPublicToken: ({ humanId, clientId, clientSecret }) =>
      transport.postJson('/v1/connect/publictokens', { humanId, clientId, clientSecret }, publicTokensAnswerSchema),
  };
}
