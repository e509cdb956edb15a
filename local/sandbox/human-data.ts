/**
 * The Human API data sandbox (docs/local-mode.md#data-api-sandbox): an offline stand-in for Human
 * API's data API (`GET https://api.humanapi.co/v1/human/...`, reference.humanapi.co, "patterns and
 * conventions"), mounted at `/sandbox/humanapi-data`, so a data gateway runs with no internet.
 *
 * - It accepts the access tokens the sandboxes issued: a v1 one from `/v1/connect/tokens`, or one
 *   the current-generation sandbox minted with `type: "access"` (until it expires on that sandbox's
 *   clock). Anything else, or a token revoked with `POST /sandbox/humanapi/revoke`, is 401.
 * - Its data is synthetic and deterministic: each record is seeded from the humanId, the source,
 *   the kind and the day, so the same user sees the same data on every instance and every day,
 *   for the last {@link DATA_HISTORY_DAYS} whole days (UTC) before the clock's today, newest first.
 * - Lists are paged (`limit`, `offset`) and filtered as Human API documents; the answer carries
 *   `X-Total-Count` and an RFC 8288 `Link` (`next`, `prev`), which this project assumes Human API
 *   sends (its paging headers are not documented publicly).
 * - The v1 sandbox's fault queue applies, as it does to every sandbox endpoint.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  ActivitySummary,
  HeartRateReading,
  HumanProfile,
  HumanSource,
  SleepSummary,
} from '../../functions/contract/human-data-records.js';
import { sendJson } from '../http-util.js';
import type { HumanApiSandbox } from './human-api.js';
import { type HumanApiAuthSandbox, SANDBOX_SOURCES } from './human-api-auth.js';

/** Where the data sandbox is mounted. */
export const HUMAN_API_DATA_SANDBOX_PATH = '/sandbox/humanapi-data';

/** Whole days of history every user has, counted back from the day before the clock's today. */
export const DATA_HISTORY_DAYS = 90;

/** `limit` when none is given (Human API's documented default). */
export const DEFAULT_LIMIT = 50;
/** The largest `limit` Human API accepts. */
export const MAX_LIMIT = 500;

/** The source a v1 connection stands for: v1 sessions do not say which source the user picked. */
export const V1_DEFAULT_SOURCE = SANDBOX_SOURCES[0];

/** Settings of {@link createHumanApiDataSandbox}. */
export interface HumanApiDataSandboxOptions {
  /** The v1 sandbox: its access tokens, users and fault queue. */
  readonly v1: HumanApiSandbox;
  /** The current-generation sandbox, whose minted access tokens and connections count; `undefined` when a real one serves. */
  readonly auth: HumanApiAuthSandbox | undefined;
  /**
   * Whether `GET …/stats` serves: like every hook, only while both sandboxes serve
   * (docs/local-mode.md#sandbox).
   */
  readonly statsHook: boolean;
  /** The clock the history counts back from. @default the auth sandbox's clock, else `Date.now` */
  readonly now?: () => number;
}

/** The data sandbox. */
export interface HumanApiDataSandbox {
  /** Whether a request path is this sandbox's. */
  owns(path: string): boolean;
  /** Handles a request whose path {@link HumanApiDataSandbox.owns} accepted. */
  handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void>;
  /** Calls made to the data endpoints (whatever they answered). */
  readonly dataCalls: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** The user a data call is for. */
interface Holder {
  readonly humanId: string;
  readonly clientUserId: string;
  readonly sources: readonly string[];
  /** Start of the clock's today (UTC midnight, epoch ms). */
  readonly today: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * mulberry32: a small, well-spread PRNG, seeded from a hash of what the record is, so each
 * record is the same wherever and whenever it is generated.
 */
function randomFor(...parts: string[]): (below: number) => number {
  let seed = sha256(parts.join('|')).readUInt32BE(0);
  return (below) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
  };
}

// 24 hex characters, like Human API's ids and humanIds: short of the 32 the leak scanners flag.
const idFor = (...parts: string[]) => sha256(parts.join('|')).toString('hex').slice(0, 24);
const iso = (epochMs: number) => new Date(epochMs).toISOString();
const dayOf = (epochMs: number) => iso(epochMs).slice(0, 10);

/** The history's days, newest first: midnight (UTC, epoch ms) of each. */
function historyDays(today: number): number[] {
  return Array.from({ length: DATA_HISTORY_DAYS }, (_, index) => today - (index + 1) * DAY_MS);
}

/** When a day's summary was synced: that evening, so never after the clock's now. */
function syncedOn(day: number, random: (below: number) => number) {
  const createdAt = day + 18 * 60 * MINUTE_MS + random(180) * MINUTE_MS;
  return { createdAt: iso(createdAt), updatedAt: iso(createdAt + random(180) * MINUTE_MS) };
}

function profileOf({ humanId, clientUserId, today }: Holder): HumanProfile {
  const createdAt = iso(today - DATA_HISTORY_DAYS * DAY_MS);
  return {
    id: idFor('profile', humanId),
    humanId,
    userId: idFor('user', humanId),
    email: `${sha256(clientUserId).toString('hex').slice(0, 12)}@example.invalid`,
    createdAt,
    updatedAt: createdAt,
  };
}

function sourcesOf({ humanId, sources, today }: Holder): HumanSource[] {
  // Connected when the history starts; last synced at the start of today.
  return sources.map((source) => ({
    id: idFor('source', humanId, source),
    source,
    devices: [],
    createdAt: iso(today - DATA_HISTORY_DAYS * DAY_MS),
    updatedAt: iso(today),
  }));
}

function activitiesOf({ humanId, sources, today }: Holder): ActivitySummary[] {
  return historyDays(today).flatMap((day) =>
    sources.map((source) => {
      const date = dayOf(day);
      const random = randomFor('activity', humanId, source, date);
      const steps = 2000 + random(12_000);
      const light = 1800 + random(5400);
      const moderate = 600 + random(3000);
      const vigorous = random(1800);
      return {
        id: idFor('activity', humanId, source, date),
        date,
        source,
        duration: light + moderate + vigorous,
        distance: Math.round(steps * (0.7 + random(100) / 1000)),
        steps,
        calories: 1600 + Math.round(steps * 0.04) + random(300),
        sedentary: 28_800 + random(14_400),
        light,
        moderate,
        vigorous,
        ...syncedOn(day, random),
        humanId,
      };
    }),
  );
}

function sleepsOf({ humanId, sources, today }: Holder): SleepSummary[] {
  return historyDays(today).flatMap((day) =>
    sources.map((source) => {
      const date = dayOf(day);
      const random = randomFor('sleep', humanId, source, date);
      const timeAsleep = 300 + random(240);
      const timeAwake = 10 + random(60);
      return {
        id: idFor('sleep', humanId, source, date),
        date,
        source,
        timeAsleep,
        timeAwake,
        efficiency: Math.round((timeAsleep / (timeAsleep + timeAwake)) * 100) / 100,
        timeToFallAsleep: 3 + random(42),
        numberOfTimesWoken: random(6),
        ...syncedOn(day, random),
        humanId,
      };
    }),
  );
}

function heartRatesOf({ humanId, sources, today }: Holder): HeartRateReading[] {
  return historyDays(today).flatMap((day) =>
    sources
      .flatMap((source) => {
        const date = dayOf(day);
        const random = randomFor('heart_rate', humanId, source, date);
        // 4 to 8 readings between 06:00 and 22:59, each synced within half an hour.
        return Array.from({ length: 4 + random(5) }, (_, index) => {
          const at = day + (6 * 60 + random(17 * 60)) * MINUTE_MS;
          const createdAt = iso(at + (1 + random(30)) * MINUTE_MS);
          return {
            id: idFor('heart_rate', humanId, source, date, String(index)),
            timestamp: iso(at),
            value: 55 + random(45),
            unit: 'bpm' as const,
            source,
            createdAt,
            updatedAt: createdAt,
            humanId,
          };
        });
      })
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp)),
  );
}

/** What the filters read of a listed record: a summary's `date`, or a reading's `timestamp`. */
interface Listed {
  readonly source: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly date?: string;
  readonly timestamp?: string;
}

type Endpoint =
  | { readonly kind: 'object'; readonly build: (holder: Holder) => object }
  | { readonly kind: 'list'; readonly build: (holder: Holder) => Listed[] };

const ENDPOINTS: Record<string, Endpoint> = {
  '/v1/human/profile': { kind: 'object', build: profileOf },
  '/v1/human/sources': { kind: 'list', build: sourcesOf },
  '/v1/human/activities/summaries': { kind: 'list', build: activitiesOf },
  '/v1/human/sleeps/summaries': { kind: 'list', build: sleepsOf },
  '/v1/human/heart_rate/readings': { kind: 'list', build: heartRatesOf },
};

/** A calendar day's midnight (UTC, epoch ms), or `undefined` when there is no such day (`2024-02-30`). */
function calendarDay(year: string, month: string, day: string): number | undefined {
  const epochMs = Date.UTC(Number(year), Number(month) - 1, Number(day));
  return dayOf(epochMs) === `${year}-${month}-${day}` ? epochMs : undefined;
}

const COMPACT_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)?(Z|[+-]\d{2}:\d{2})?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A `created_since`-style value: Human API's `YYYYMMDDTHHmmssZ`, or ISO 8601 (a time without a
 * zone is UTC, as Human API's times are).
 */
function parseTimestamp(value: string): number | undefined {
  const compact = COMPACT_TIME.exec(value);
  if (compact !== null) {
    const [, year = '', month = '', day = '', hours = '', minutes = '', seconds = ''] = compact;
    const date = calendarDay(year, month, day);
    if (date === undefined || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
    return date + ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
  }
  const isoTime = ISO_TIME.exec(value);
  if (isoTime === null) return undefined;
  const [, year = '', month = '', day = '', time, zone] = isoTime;
  if (calendarDay(year, month, day) === undefined || (time === undefined && zone !== undefined)) return undefined;
  const epochMs = Date.parse(time === undefined || zone !== undefined ? value : `${value}Z`);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

/** The query options of a list, checked. */
interface ListQuery {
  readonly limit: number;
  readonly offset: number;
  readonly since: { readonly createdAt?: number; readonly updatedAt?: number };
  readonly before: { readonly createdAt?: number; readonly updatedAt?: number };
  readonly dates?: { readonly start: string; readonly end: string };
  readonly source?: string;
}

/**
 * Reads a list's query options: the checked options, or the message naming the parameter at
 * fault. Parameters Human API does not document are ignored, as a lenient API does, so a gateway
 * passing one on is not refused here.
 */
function readListQuery(query: URLSearchParams): ListQuery | string {
  const integer = (name: string, fallback: number, min: number, max: number, rule: string) => {
    const value = query.get(name);
    if (value === null) return fallback;
    const number = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    return number >= min && number <= max ? number : `${name} must be ${rule}`;
  };
  const limit = integer('limit', DEFAULT_LIMIT, 1, MAX_LIMIT, `an integer from 1 to ${MAX_LIMIT}`);
  if (typeof limit === 'string') return limit;
  const offset = integer('offset', 0, 0, Number.MAX_SAFE_INTEGER, 'an integer of 0 or more');
  if (typeof offset === 'string') return offset;

  const times: Record<string, number> = {};
  for (const name of ['created_since', 'updated_since', 'created_before', 'updated_before']) {
    const value = query.get(name);
    if (value === null) continue;
    const epochMs = parseTimestamp(value);
    if (epochMs === undefined) return `${name} must be a UTC time as YYYYMMDDTHHmmssZ or ISO 8601`;
    times[name] = epochMs;
  }

  const start = query.get('start_date');
  const end = query.get('end_date');
  for (const [name, value] of [
    ['start_date', start],
    ['end_date', end],
  ] as const) {
    const parts = value === null ? null : ISO_DATE.exec(value);
    if (
      value !== null &&
      (parts === null || calendarDay(parts[1] ?? '', parts[2] ?? '', parts[3] ?? '') === undefined)
    ) {
      return `${name} must be a date as YYYY-MM-DD`;
    }
  }
  if ((start === null) !== (end === null)) {
    return `start_date and end_date are used together: ${start === null ? 'start_date' : 'end_date'} is missing`;
  }
  if (start !== null && end !== null && start > end) return 'start_date must not be after end_date';

  const source = query.get('source');
  if (source === '') return 'source must be a source id';

  return {
    limit,
    offset,
    since: { createdAt: times.created_since, updatedAt: times.updated_since },
    before: { createdAt: times.created_before, updatedAt: times.updated_before },
    ...(start !== null && end !== null ? { dates: { start, end } } : {}),
    ...(source === null ? {} : { source }),
  };
}

/**
 * Whether a record passes the filters: `_since` is inclusive, `_before` exclusive (so adjacent
 * windows never share a record), and a record without a day (a source) is not date-filtered.
 */
function matches(record: Listed, query: ListQuery): boolean {
  for (const field of ['createdAt', 'updatedAt'] as const) {
    const at = Date.parse(record[field]);
    const since = query.since[field];
    const before = query.before[field];
    if ((since !== undefined && at < since) || (before !== undefined && at >= before)) return false;
  }
  if (query.source !== undefined && record.source !== query.source) return false;
  const date = record.date ?? record.timestamp?.slice(0, 10);
  if (query.dates !== undefined && date !== undefined) {
    if (date < query.dates.start || date > query.dates.end) return false;
  }
  return true;
}

/** The `Link` header of a page (RFC 8288): the same query at the next and previous offsets. */
function linkHeader(pageUrl: URL, { limit, offset }: ListQuery, total: number): string | undefined {
  const at = (pageOffset: number) => {
    const url = new URL(pageUrl);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('offset', String(pageOffset));
    return url.href;
  };
  const links = [
    ...(offset + limit < total ? [`<${at(offset + limit)}>; rel="next"`] : []),
    ...(offset > 0 ? [`<${at(Math.max(0, offset - limit))}>; rel="prev"`] : []),
  ];
  return links.length === 0 ? undefined : links.join(', ');
}

/** Creates the data sandbox. */
export function createHumanApiDataSandbox({
  v1,
  auth,
  statsHook,
  now = auth?.now ?? Date.now,
}: HumanApiDataSandboxOptions): HumanApiDataSandbox {
  let dataCalls = 0;

  /** The user a bearer token stands for, or the 401 message. */
  function holderOf(authorization: string | undefined): { humanId: string; clientUserId: string } | string {
    const token = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return 'Missing bearer token';
    const v1Holder = v1.findAccessToken(token);
    if (v1Holder !== undefined) return v1Holder;
    const minted = auth?.findAccessToken(token);
    if (minted === undefined || auth === undefined) return 'Invalid access token';
    // Expiry on the clock the token was minted on, as the auth sandbox itself judges it.
    return minted.expiresAt < auth.now() ? 'Access token expired' : minted;
  }

  /** The user's connected sources: a v1 connection's, then the current generation's. */
  function connectedSources(clientUserId: string): string[] {
    const v1Connected = (v1.findUser(clientUserId)?.publicToken ?? null) !== null;
    const current = auth?.findConnection(clientUserId)?.sources ?? [];
    return [...new Set([...(v1Connected ? [V1_DEFAULT_SOURCE] : []), ...current])];
  }

  return {
    owns: (path) => path.startsWith(`${HUMAN_API_DATA_SANDBOX_PATH}/`),
    get dataCalls() {
      return dataCalls;
    },
    async handle(request, response, path) {
      const subPath = path.slice(HUMAN_API_DATA_SANDBOX_PATH.length);
      if (statsHook && subPath === '/stats') {
        if (request.method !== 'GET') return sendJson(response, 405, { error: 'Method Not Allowed' }, { Allow: 'GET' });
        return sendJson(response, 200, { dataCalls });
      }
      const endpoint = Object.hasOwn(ENDPOINTS, subPath) ? ENDPOINTS[subPath] : undefined;
      if (endpoint === undefined) return sendJson(response, 404, { error: 'Not Found' });
      if (request.method !== 'GET') return sendJson(response, 405, { error: 'Method Not Allowed' }, { Allow: 'GET' });
      dataCalls += 1;
      if (await v1.applyFault(response)) return;

      const holder = holderOf(request.headers.authorization);
      if (typeof holder === 'string') {
        return sendJson(response, 401, { error: 'Unauthorized', message: holder }, { 'WWW-Authenticate': 'Bearer' });
      }
      const clock = now();
      const user: Holder = {
        ...holder,
        sources: connectedSources(holder.clientUserId),
        today: clock - (clock % DAY_MS),
      };
      if (endpoint.kind === 'object') return sendJson(response, 200, endpoint.build(user));

      // Links name the sandbox's own origin (the Host the caller reached) and path.
      const pageUrl = new URL(request.url ?? path, `http://${request.headers.host ?? '127.0.0.1'}`);
      const query = readListQuery(pageUrl.searchParams);
      if (typeof query === 'string') return sendJson(response, 400, { error: 'Bad Request', message: query });
      const records = endpoint.build(user).filter((record) => matches(record, query));
      const link = linkHeader(pageUrl, query, records.length);
      return sendJson(response, 200, records.slice(query.offset, query.offset + query.limit), {
        'X-Total-Count': String(records.length),
        ...(link === undefined ? {} : { Link: link }),
      });
    },
  };
}
