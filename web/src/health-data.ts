/**
 * Reads the signed-in user's activity for the "Your health data" panel through the data gateway
 * (docs/api.md#get-usersclientuseridhumanpath): in JWT mode straight from the page,
 * `GET {apiUrl}/users/me/human/activities/summaries` with the bearer token; without JWT the gateway
 * requires AWS IAM, which only a server can sign for, so the page asks its app back end,
 * `GET /app/activity` (web/app-server/activity-route.ts), which calls it for the session's user.
 * Either way the page never holds the user's access token: the gateway does.
 */

import type { ActivityWindow } from './activity.js';
import { ApiError } from './api.js';
import type { PageConfig } from './config.js';

/** Most records one read asks for: 14 days of up to 14 sources. */
const ACTIVITY_LIMIT = 200;
/** How long a read may take before the page gives up and offers a retry. */
const READ_TIMEOUT_MS = 20_000;

/** A read the gateway (or the app back end) refused: the problem's slug and, on a 503, how long to wait. */
export class HealthDataError extends ApiError {
  /**
   * @param slug - the problem's `type` after `urn:humanconnect:problem:` (`reconnect-required`,
   *   `no-token-record`, `humanapi-rate-limited`, …), `undefined` when the answer was no problem
   * @param retryAfterSeconds - the answer's `Retry-After`, when the page could read it
   */
  constructor(
    status: number,
    title: string,
    detail: string | undefined,
    readonly slug: string | undefined,
    readonly retryAfterSeconds: number | undefined,
    options?: ErrorOptions,
  ) {
    super(status, title, detail, options);
    this.name = 'HealthDataError';
  }
}

const PROBLEM_TYPE = /^urn:humanconnect:problem:([a-z0-9-]{1,64})$/;

function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  return value !== null && /^\d{1,5}$/.test(value) ? Number(value) : undefined;
}

/** A refusal as a {@link HealthDataError}: the problem detail's title, detail and slug, or the status alone. */
async function refusal(response: Response): Promise<HealthDataError> {
  const body: unknown = await response.json().catch(() => undefined);
  const problem = typeof body === 'object' && body !== null ? Object.fromEntries(Object.entries(body)) : {};
  const slug = typeof problem.type === 'string' ? PROBLEM_TYPE.exec(problem.type)?.[1] : undefined;
  const title =
    typeof problem.title === 'string'
      ? problem.title
      : typeof problem.message === 'string'
        ? problem.message
        : `The API answered ${response.status}`;
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  return new HealthDataError(response.status, title, detail, slug, retryAfterOf(response));
}

/** Where the page reads from, and how. */
function requestOf(
  config: PageConfig,
  window: ActivityWindow,
  bearerToken: string | undefined,
): { url: string; init: RequestInit } {
  const query = new URLSearchParams({ start_date: window.start, end_date: window.end });
  if (config.jwtMode) {
    query.set('limit', String(ACTIVITY_LIMIT));
    return {
      url: `${config.apiUrl}/users/me/human/activities/summaries?${query}`,
      init: {
        credentials: 'omit',
        headers: bearerToken === undefined ? {} : { Authorization: `Bearer ${bearerToken}` },
      },
    };
  }
  if (config.appBackend) return { url: `/app/activity?${query}`, init: { credentials: 'same-origin' } };
  throw new HealthDataError(
    0,
    'No way to read your health data',
    'Without JWT the data gateway requires AWS IAM: serve the page with its app back end (appBackend: true).',
    undefined,
    undefined,
  );
}

/**
 * The user's activity summaries of `window`, as the gateway answered them (a JSON array).
 *
 * @throws {HealthDataError} when the gateway or the app back end refuses (its problem's slug says
 *   why), or with status 0 when no answer could be read
 */
export async function readActivity(
  config: PageConfig,
  window: ActivityWindow,
  bearerToken: string | undefined,
): Promise<unknown> {
  const { url, init } = requestOf(config, window, bearerToken);
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { Accept: 'application/json', ...init.headers },
      cache: 'no-store',
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
  } catch (cause) {
    throw new HealthDataError(
      0,
      'Your health data could not be read',
      'No answer came: the connection failed or took too long.',
      undefined,
      undefined,
      { cause },
    );
  }
  if (!response.ok) throw await refusal(response);
  const body: unknown = await response.json().catch(() => undefined);
  if (!Array.isArray(body)) {
    throw new HealthDataError(
      response.status,
      'Unexpected answer from the API',
      'It is not a list.',
      undefined,
      undefined,
    );
  }
  return body;
}
