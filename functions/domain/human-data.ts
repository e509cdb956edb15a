/**
 * The data gateway's work (docs/design.md#the-data-gateway): read the user's access token (from the
 * cache, or through the reader: KMS for a v1 token, a mint for a current-generation one), call
 * Human API's data API with it, and map what Human API did. The token never leaves this module
 * but as the Bearer header of the call.
 *
 * - 401: the token is dropped and the call made once more with a freshly minted one. A refused
 *   v1 token is first recorded as refused, so no reader uses it again (Human API mints access
 *   tokens for a user who still has sources: the user keeps their data without connecting again).
 *   A 401 after the new mint, or no mint at all: the user must connect again, and the record says so.
 * - 5xx, a broken connection or a timeout: the call is retried (GET is safe) a bounded number of
 *   times with full jitter, and only while the function's time left allows another whole call.
 */
import { logger } from '../commons/observability.js';
import type { HumanDataTarget } from '../contract/human-data.js';
import {
  HumanApiAnswerTooLargeError,
  HumanApiFailedError,
  HumanApiTimeoutError,
  HumanApiUnreachableError,
  NotConnectedError,
} from './errors.js';
import { DataPageTooLargeError, HumanDataNotFoundError, ReconnectRequiredError } from './human-data-errors.js';
import type { AccessTokenSource, HumanDataAnswer, HumanDataApi, UserAccessToken } from './human-data-ports.js';
import type { ConnectUserStore } from './ports.js';
import type { AccessTokenCache } from './token-cache.js';

/** The largest answer read from Human API: 4 MiB of JSON, below the 6 MB a Lambda answer can carry. */
export const MAX_DATA_ANSWER_BYTES = 4 * 1024 * 1024;
/**
 * The largest body as Lambda carries it, escaped inside its JSON answer (a quote becomes two
 * bytes), leaving room for the headers under Lambda's 6 MB.
 */
export const MAX_ESCAPED_BODY_BYTES = 6_000_000;

/** How calls to Human API are retried. */
export interface RetryPolicy {
  /** Calls at most, the first included. */
  readonly maxAttempts: number;
  /** The first retry waits up to this; each next one up to twice as long. */
  readonly baseDelayMs: number;
  /** No retry waits longer. */
  readonly maxDelayMs: number;
  /** How long one call may take (the transport's timeout): a retry starts only with this much time left, plus the reserve. */
  readonly attemptTimeoutMs: number;
  /** Time kept for what follows the call (marking a record, answering). */
  readonly reserveMs: number;
}

/** Settings of the retries: three calls, waits of up to 0.1 s then 0.2 s (docs/design.md#the-data-gateway). */
export const DEFAULT_RETRY: Omit<RetryPolicy, 'attemptTimeoutMs'> = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 1000,
  reserveMs: 1000,
};

/** What {@link readHumanData} needs. */
export interface HumanDataDependencies {
  readonly tokens: AccessTokenSource;
  readonly cache: AccessTokenCache;
  readonly humanData: HumanDataApi;
  readonly reconnect: Pick<ConnectUserStore, 'markReconnectRequired' | 'markAccessTokenRefused'>;
  readonly retry: RetryPolicy;
  readonly now?: () => Date;
  /** In [0, 1): the jitter. */
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One read: whose data, what, and how much time the function has left. */
export interface HumanDataRead {
  readonly clientUserId: string;
  readonly target: HumanDataTarget;
  /** Milliseconds the invocation has left (the Lambda context's). */
  readonly remainingMs: () => number;
}

/** Human API's page, as it came. */
export interface HumanDataPage {
  /** The JSON text, unchanged. */
  readonly body: string;
  /** Human API's headers (lower-case names): its paging headers among them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly upstreamStatus: number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Reads one page (or record) of the user's health data from Human API.
 *
 * @throws {TokenRecordNotFoundError} without a record for the user
 * @throws {ReconnectRequiredError} when Human API refuses the user's token and no other can be had
 * @throws {HumanDataNotFoundError} on Human API's 404
 * @throws {HumanApiRateLimitedError} on its 429
 * @throws {DataPageTooLargeError} when its answer is larger than a Lambda answer can carry
 * @throws {HumanApiFailedError} on its 5xx (after the retries), another status, or an unreadable answer
 * @throws {HumanApiTimeoutError} when it did not answer in time (after the retries)
 * @throws {DependencyUnavailableError} when DynamoDB, KMS or Secrets Manager fail
 */
export async function readHumanData(read: HumanDataRead, dependencies: HumanDataDependencies): Promise<HumanDataPage> {
  const { clientUserId } = read;
  const { cache, tokens, reconnect, now = () => new Date() } = dependencies;
  const reconnectRequired = async (upstreamStatus: number | undefined, cause?: unknown) => {
    cache.drop(clientUserId);
    await reconnect.markReconnectRequired(clientUserId, now());
    return new ReconnectRequiredError(upstreamStatus, { cause });
  };
  const tokenOf = async (mintAgain: boolean): Promise<UserAccessToken> => {
    const cached = mintAgain ? undefined : cache.get(clientUserId);
    if (cached !== undefined) return cached;
    try {
      const token = await tokens.read({ clientUserId }, { mintAgain });
      cache.put(clientUserId, token);
      return token;
    } catch (error) {
      // Human API mints no token for this user: not connected (any more).
      if (error instanceof NotConnectedError) throw await reconnectRequired(undefined, error);
      throw error;
    }
  };

  let token = await tokenOf(false);
  let answer = await callWithRetries(read, token.accessToken, dependencies);
  if (answer.status === 401) {
    cache.drop(clientUserId);
    // Never again: the v1 token stays stored (a newer finish replaces it), but readers skip it.
    if (token.kind === 'v1') await reconnect.markAccessTokenRefused(clientUserId, now());
    token = await tokenOf(true);
    answer = await callWithRetries(read, token.accessToken, dependencies);
  }
  if (answer.status === 401) throw await reconnectRequired(401);
  return pageOf(answer, token.accessToken);
}

/**
 * Human API's answer as a page, or the error its status means. The user's token never leaves:
 * an answer that repeats it is refused, and a `Link` header that does is dropped.
 */
function pageOf(answer: HumanDataAnswer, accessToken: string): HumanDataPage {
  const { status, body } = answer;
  const { link, ...others } = answer.headers;
  const headers = link === undefined || link.includes(accessToken) ? others : answer.headers;
  if (status === 404) throw new HumanDataNotFoundError();
  if (status !== 200) throw new HumanApiFailedError(`Human API answered ${status}.`, { upstreamStatus: status });
  try {
    JSON.parse(body);
  } catch {
    throw new HumanApiFailedError('Human API answered with unreadable JSON.', { upstreamStatus: status });
  }
  if (Buffer.byteLength(JSON.stringify(body)) > MAX_ESCAPED_BODY_BYTES) {
    throw new DataPageTooLargeError(MAX_DATA_ANSWER_BYTES, status);
  }
  if (body.includes(accessToken)) {
    throw new HumanApiFailedError('Human API answered with the access token in its answer; it is not passed on.', {
      upstreamStatus: status,
    });
  }
  return { body, headers, upstreamStatus: status };
}

const retryable = (error: unknown) =>
  error instanceof HumanApiTimeoutError || error instanceof HumanApiUnreachableError;

/**
 * One call, retried on a 5xx, a broken connection or a timeout while attempts and time allow:
 * full jitter (a wait drawn from zero to a cap that doubles), so instances retrying together
 * spread out. The last 5xx is answered (the caller maps it); the last error is thrown.
 */
async function callWithRetries(
  { target, remainingMs }: HumanDataRead,
  accessToken: string,
  { humanData, retry, random = Math.random, sleep = sleepFor }: HumanDataDependencies,
): Promise<HumanDataAnswer> {
  const query = target.query.toString();
  const request = {
    pathAndQuery: `/v1/human/${target.path}${query === '' ? '' : `?${query}`}`,
    pathTemplate: target.pathTemplate,
    accessToken,
  };
  for (let attempt = 1; ; attempt += 1) {
    let failure: { readonly answer: HumanDataAnswer } | { readonly error: unknown };
    try {
      const answer = await humanData.get(request);
      if (answer.status < 500) return answer;
      failure = { answer };
    } catch (error) {
      if (error instanceof HumanApiAnswerTooLargeError) {
        throw new DataPageTooLargeError(MAX_DATA_ANSWER_BYTES, error.upstreamStatus ?? 200, { cause: error });
      }
      if (!retryable(error)) throw error;
      failure = { error };
    }
    const delayMs = random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
    const timeLeft = remainingMs() - delayMs >= retry.attemptTimeoutMs + retry.reserveMs;
    if (attempt >= retry.maxAttempts || !timeLeft) {
      if ('answer' in failure) return failure.answer;
      throw failure.error;
    }
    logger.debug('Retrying Human API', {
      pathTemplate: target.pathTemplate,
      attempt,
      ...('answer' in failure
        ? { upstreamStatus: failure.answer.status }
        : { errorName: failure.error instanceof Error ? failure.error.name : 'unknown' }),
    });
    await sleep(delayMs);
  }
}
