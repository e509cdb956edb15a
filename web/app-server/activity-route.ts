/**
 * `GET /app/activity?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD`: the signed-in user's daily
 * activity for the example page's "Your health data" panel, read through the data gateway
 * (docs/api.md#get-usersclientuseridhumanpath) with the package's service client, signed for IAM
 * as the app back end. Copy it with app-server.ts: it is the pattern for any read of a user's data.
 *
 * - Only the session's user: the query names days, never a user.
 * - Only what the page shows: each summary's `date`, `source` and `steps`; the rest of Human API's
 *   record never leaves the server.
 * - The gateway's refusal is passed on as it came (its problem detail, status and `Retry-After`), so
 *   the page can say "connect again" on a 409 `reconnect-required` or wait out a 503.
 */
import type { ServerResponse } from 'node:http';
import { type ConnectBackendClient, ConnectBackendError } from '../../client/backend-client.js';

/** The most days one request may span (the page asks for 14). */
export const MAX_ACTIVITY_DAYS = 31;
/** Most summaries read: a month of a few sources. */
const ACTIVITY_LIMIT = 200;
const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One day of one source, as the page gets it. */
export interface ActivityDay {
  readonly date: string;
  readonly source: string;
  readonly steps: number;
}

/** Answers one `GET /app/activity` for `user`. */
export type ActivityRoute = (response: ServerResponse, user: string, query: URLSearchParams) => Promise<true>;

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
  return true;
}

/** A calendar date's midnight (UTC, epoch ms), or `undefined` for anything else (`2026-02-30`). */
function dayOf(value: string | null): number | undefined {
  if (value === null || !DATE.test(value)) return undefined;
  const epochMs = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(epochMs) || new Date(epochMs).toISOString().slice(0, 10) !== value ? undefined : epochMs;
}

/** The checked days, or the problem naming the parameter at fault. */
function readDays(query: URLSearchParams): { start: string; end: string } | { path: string; message: string } {
  for (const name of query.keys()) {
    if (name !== 'start_date' && name !== 'end_date') return { path: `query.${name}`, message: 'is not a parameter' };
  }
  const start = dayOf(query.get('start_date'));
  const end = dayOf(query.get('end_date'));
  if (start === undefined) return { path: 'query.start_date', message: 'must be a date as YYYY-MM-DD' };
  if (end === undefined) return { path: 'query.end_date', message: 'must be a date as YYYY-MM-DD' };
  if (end < start) return { path: 'query.end_date', message: 'must not be before start_date' };
  if ((end - start) / DAY_MS >= MAX_ACTIVITY_DAYS) {
    return { path: 'query.end_date', message: `must be at most ${MAX_ACTIVITY_DAYS} days from start_date` };
  }
  return { start: query.get('start_date') ?? '', end: query.get('end_date') ?? '' };
}

/** Only what the page draws: a day, its source and its steps; a record without them is left out. */
function trimmed(records: unknown): ActivityDay[] {
  return (Array.isArray(records) ? records : []).flatMap((record: unknown) => {
    if (typeof record !== 'object' || record === null) return [];
    const { date, source, steps } = Object.fromEntries(Object.entries(record));
    return typeof date === 'string' && typeof source === 'string' && typeof steps === 'number'
      ? [{ date, source, steps }]
      : [];
  });
}

/** The gateway's refusal, passed on: its problem and `Retry-After`, or API Gateway's own message. */
function passOn(response: ServerResponse, error: ConnectBackendError): true {
  if (error.status === 0) return send(response, 502, { title: 'The token API could not be reached', status: 502 });
  const retryAfter: Record<string, string> =
    error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
  if (error.problem !== undefined) {
    return send(response, error.status, error.problem, { 'Content-Type': 'application/problem+json', ...retryAfter });
  }
  return send(response, error.status, { message: error.message }, retryAfter);
}

/** Creates the route, reading through `client` (the package's service client). */
export function createActivityRoute(client: Pick<ConnectBackendClient, 'humanData'>): ActivityRoute {
  return async (response, user, query) => {
    const days = readDays(query);
    if ('path' in days) {
      return send(
        response,
        400,
        { title: 'Invalid request parameter', status: 400, errors: [days] },
        { 'Content-Type': 'application/problem+json' },
      );
    }
    try {
      const page = await client.humanData(user, 'activities/summaries', {
        start_date: days.start,
        end_date: days.end,
        limit: ACTIVITY_LIMIT,
      });
      return send(response, 200, trimmed(page.data));
    } catch (error) {
      if (error instanceof ConnectBackendError) return passOn(response, error);
      return send(response, 502, { title: 'The token API could not be read', status: 502 });
    }
  };
}
