/**
 * What the data gateway passes to Human API's data API (docs/api.md#get-usersclientuseridhumanpath):
 * the endpoints under `/v1/human/` Human API's reference documents, made of safe segments only, and
 * the query parameters its "Patterns and Conventions" documents for lists. One definition for the
 * gateway (which refuses anything else with a 400 naming it, before any work), the links it
 * rewrites, the OpenAPI document and the service client (which refuses before sending).
 */

/** A parameter at fault: `path.path` or `query.<name>`, and what is wrong (a field issue of the problem). */
export interface ParameterIssue {
  readonly path: string;
  readonly message: string;
}

/** An endpoint: a record (`object`) or a paged list (`list`), which takes the list parameters. */
export interface HumanDataEndpoint {
  /** The path under `/v1/human/`, `{id}` for a record's id (or, for summaries, a `YYYY-MM-DD` day). */
  readonly template: string;
  readonly kind: 'object' | 'list';
}

/** Human API's measurements with a latest reading, a list of readings and a reading by id. */
const MEASUREMENTS = [
  'heart_rate',
  'blood_glucose',
  'blood_oxygen',
  'blood_pressure',
  'bmi',
  'body_fat',
  'height',
  'weight',
] as const;

const list = (template: string): HumanDataEndpoint => ({ template, kind: 'list' });
const record = (template: string): HumanDataEndpoint => ({ template, kind: 'object' });

/** The endpoints the gateway serves, as Human API's reference lists them (wellness data, profile, sources). */
export const HUMAN_DATA_ENDPOINTS: readonly HumanDataEndpoint[] = [
  record('profile'),
  list('sources'),
  ...['activities', 'sleeps'].flatMap((kind) => [
    list(kind),
    list(`${kind}/summaries`),
    record(`${kind}/summaries/{id}`),
    record(`${kind}/{id}`),
  ]),
  ...MEASUREMENTS.flatMap((kind) => [record(kind), list(`${kind}/readings`), record(`${kind}/readings/{id}`)]),
  list('locations'),
  record('locations/{id}'),
  list('food/meals'),
  record('food/meals/{id}'),
];

/** Most segments a `{path+}` may have: the deepest endpoint has three. */
export const MAX_PATH_SEGMENTS = 4;
/** A segment: letters, digits, `_` and `-`, so nothing in it needs encoding, and no `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;

/** The most records a page may ask for (Human API: "Maximum is 500"). */
export const MAX_LIMIT = 500;
/** The largest `offset` accepted: far past any user's history, short of a number that loses precision. */
export const MAX_OFFSET = 1_000_000_000;
/** The longest query string accepted, and the most parameters. */
const MAX_QUERY_LENGTH = 2048;
const MAX_QUERY_PARAMETERS = 16;

/** Human API's times (`YYYYMMDDTHHmmssZ`), or ISO 8601: a date, or a date and time with an optional zone. */
const COMPACT_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))?)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A source's name (`googlefit`) or id, as Human API's records carry it. */
const SOURCE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Whether the numbers name a real day and time (no 30 February, no 24:00). */
function realTime(year: string, month: string, day: string, parts: readonly (string | undefined)[] = []): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.toISOString().slice(0, 10) !== `${year}-${month}-${day}`) return false;
  const [hours = '0', minutes = '0', seconds = '0', zoneHours = '0', zoneMinutes = '0'] = parts;
  return (
    Number(hours) <= 23 &&
    Number(minutes) <= 59 &&
    Number(seconds) <= 59 &&
    Number(zoneHours) <= 14 &&
    Number(zoneMinutes) <= 59
  );
}

function isTime(value: string): boolean {
  const compact = COMPACT_TIME.exec(value);
  if (compact !== null) return realTime(compact[1] ?? '', compact[2] ?? '', compact[3] ?? '', compact.slice(4));
  const iso = ISO_TIME.exec(value);
  return iso !== null && realTime(iso[1] ?? '', iso[2] ?? '', iso[3] ?? '', iso.slice(4));
}

function isDate(value: string): boolean {
  const date = ISO_DATE.exec(value);
  return date !== null && realTime(date[1] ?? '', date[2] ?? '', date[3] ?? '');
}

/** A parameter's rule: the message for a bad value, or `undefined` for a good one. */
type Rule = (value: string) => string | undefined;

const wholeNumber =
  (min: number, max: number): Rule =>
  (value) =>
    /^\d{1,10}$/.test(value) && Number(value) >= min && Number(value) <= max
      ? undefined
      : `must be a whole number from ${min} to ${max}`;
const time: Rule = (value) =>
  isTime(value) ? undefined : 'must be a UTC time as YYYYMMDDTHHmmssZ, or ISO 8601 (2026-01-31T08:00:00Z)';
const date: Rule = (value) => (isDate(value) ? undefined : 'must be a date as YYYY-MM-DD');

/** The query parameters of a list, in the order they are sent on (Human API's "Query options" and "Date ranges"). */
export const LIST_QUERY_RULES: Readonly<Record<string, Rule>> = {
  limit: wholeNumber(1, MAX_LIMIT),
  offset: wholeNumber(0, MAX_OFFSET),
  created_since: time,
  created_before: time,
  updated_since: time,
  updated_before: time,
  start_date: date,
  end_date: date,
  source: (value) => (SOURCE.test(value) ? undefined : 'must be a source name or id (letters, digits, _ . -)'),
};

/** A request the gateway may send on. */
export interface HumanDataTarget {
  readonly endpoint: HumanDataEndpoint;
  /** The path under `/v1/human/`, as asked (`activities/summaries/2026-01-31`). */
  readonly path: string;
  /** What logs and traces name: the template, never an id (`/v1/human/activities/summaries/{id}`). */
  readonly pathTemplate: string;
  /** The checked parameters, each once, in {@link LIST_QUERY_RULES}' order. */
  readonly query: URLSearchParams;
}

/** The endpoint a path asks for, by its literal segments first (`activities/summaries` is no `activities/{id}`). */
function endpointOf(segments: readonly string[]): HumanDataEndpoint | undefined {
  const fits = (endpoint: HumanDataEndpoint, literalOnly: boolean) => {
    const parts = endpoint.template.split('/');
    return (
      parts.length === segments.length &&
      parts.every((part, index) => part === segments[index] || (!literalOnly && part === '{id}'))
    );
  };
  return (
    HUMAN_DATA_ENDPOINTS.find((endpoint) => fits(endpoint, true)) ??
    HUMAN_DATA_ENDPOINTS.find((endpoint) => fits(endpoint, false))
  );
}

/** A parameter's name as an issue path may show it: `query.limit`, or `query` for a name that is no name. */
const parameterPath = (name: string) => (/^[A-Za-z0-9_.-]{1,64}$/.test(name) ? `query.${name}` : 'query');

/** The query's issues for `endpoint`, and its checked parameters. */
function checkQuery(endpoint: HumanDataEndpoint, rawQuery: URLSearchParams): ParameterIssue[] | URLSearchParams {
  const names = [...rawQuery.keys()];
  if (rawQuery.toString().length > MAX_QUERY_LENGTH || names.length > MAX_QUERY_PARAMETERS) {
    return [
      {
        path: 'query',
        message: `must be at most ${MAX_QUERY_LENGTH} characters and ${MAX_QUERY_PARAMETERS} parameters`,
      },
    ];
  }
  const issues: ParameterIssue[] = [];
  for (const name of new Set(names)) {
    const rule = endpoint.kind === 'list' && Object.hasOwn(LIST_QUERY_RULES, name) ? LIST_QUERY_RULES[name] : undefined;
    const values = rawQuery.getAll(name);
    if (rule === undefined) {
      const why =
        endpoint.kind === 'list' ? 'a list of Human API documents' : 'a single record (lists take parameters)';
      issues.push({ path: parameterPath(name), message: `is not a parameter of ${why}` });
    } else if (values.length > 1) {
      issues.push({ path: parameterPath(name), message: 'must be given once' });
    } else {
      const message = rule(values[0] ?? '');
      if (message !== undefined) issues.push({ path: parameterPath(name), message });
    }
  }
  // "These parameters must be used together", and a range runs forwards.
  const start = rawQuery.get('start_date');
  const end = rawQuery.get('end_date');
  if (endpoint.kind === 'list' && (start === null) !== (end === null)) {
    const missing = start === null ? 'start_date' : 'end_date';
    issues.push({
      path: `query.${missing}`,
      message: `is required with ${start === null ? 'end_date' : 'start_date'}`,
    });
  } else if (start !== null && end !== null && isDate(start) && isDate(end) && start > end) {
    issues.push({ path: 'query.end_date', message: 'must not be before start_date' });
  }
  if (issues.length > 0) return issues;
  const query = new URLSearchParams();
  for (const name of Object.keys(LIST_QUERY_RULES)) {
    const value = rawQuery.get(name);
    if (value !== null) query.set(name, value);
  }
  return query;
}

/**
 * Checks a gateway request's `{path+}` and query: safe segments naming an endpoint this gateway
 * serves, and only that endpoint's parameters, each once and valid.
 *
 * @param path - the `{path+}` parameter, decoded once (`activities/summaries`)
 * @param rawQuery - the request's query
 * @returns the target to send on, or the issues naming `path.path` and each `query.<name>` at fault
 */
export function checkHumanDataRequest(path: string, rawQuery: URLSearchParams): HumanDataTarget | ParameterIssue[] {
  const segments = path.split('/');
  if (segments.length > MAX_PATH_SEGMENTS || !segments.every((segment) => SEGMENT.test(segment))) {
    return [
      {
        path: 'path.path',
        message: `must be 1 to ${MAX_PATH_SEGMENTS} segments of letters, digits, _ and - (no empty, dot or encoded segment)`,
      },
    ];
  }
  const endpoint = endpointOf(segments);
  if (endpoint === undefined) {
    return [{ path: 'path.path', message: 'must be a Human API data endpoint this gateway serves (docs/api.md)' }];
  }
  const query = checkQuery(endpoint, rawQuery);
  if (Array.isArray(query)) return query;
  return { endpoint, path, pathTemplate: `/v1/human/${endpoint.template}`, query };
}
