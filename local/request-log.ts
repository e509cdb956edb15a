/**
 * Local mode's terminal (docs/local-mode.md#the-terminal): one short line per API request,
 * `09:05:07.042 POST /sessions 200 21ms`, never a body, header or token. An answer that is a
 * normal step of a flow (a new user's 404 on `/public-tokens`, the e-mail prompt's 400 on
 * `/connect-tokens`) says what it means; any other 4xx and every 5xx is marked as a failure,
 * with the problem's title: `failed:` when piped, a red `✗` on a terminal. A path segment that is
 * a secret (the notification URL's) is shown as `…`. When it stops, what it finished and what it
 * kept or dropped (docs/local-mode.md#stopping-and-resetting).
 */
import { STATUS_CODES } from 'node:http';
import { ROUTES } from '../functions/contract/routes.js';

/** What stopping local mode finished and what it left behind (docs/local-mode.md#stopping-and-resetting). */
export interface StopReport {
  /** Requests in flight when stopping began, and any that arrived while it waited. */
  readonly requestsInFlight: number;
  /** How many of those were answered before the servers closed; the rest were dropped. */
  readonly requestsFinished: number;
  /** Grants waiting in the outbox queue once the drain stopped. */
  readonly outbox: number;
  /** Grants in the outbox's dead-letter queue. */
  readonly deadLetters: number;
  /** Whether the queues (and all state) stay in the data folder; `false` with `--in-memory`. */
  readonly persisted: boolean;
}

/** What a problem+json answer tells the terminal: its fixed texts, never the caller's input. */
export interface ProblemSummary {
  /** `urn:humanconnect:problem:<slug>` (docs/api.md#errors). */
  readonly type: string;
  readonly title: string;
  /** The `path` of each entry of `errors` (the fields a validation failure names). */
  readonly fields: readonly string[];
}

/** What one answered request shows. */
export interface RequestSummary {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** When the answer was finished. */
  readonly at: Date;
  /** The problem detail of a function's error answer; `undefined` for any other answer. */
  readonly problem?: ProblemSummary | undefined;
}

/**
 * For each route with a secret path parameter: a pattern matching a path that starts like the
 * route, the secret's segment captured, whatever follows (a wrong method or a longer path still
 * shows no secret).
 */
const SECRET_SEGMENTS: readonly RegExp[] = ROUTES.flatMap((route) => {
  const secret: string | undefined = 'secretPathParameter' in route ? route.secretPathParameter : undefined;
  if (secret === undefined) return [];
  const [before = ''] = route.path.split(`{${secret}}`);
  return [new RegExp(`^(${before.replace(/[.*+?^$()|[\]\\]/g, '\\$&')})[^/]+`)];
});

/** The path as a request line shows it: a secret segment (`/notifications/{secret}`'s) as `…`. */
export function redactPathSecrets(path: string): string {
  return SECRET_SEGMENTS.reduce((redacted, pattern) => redacted.replace(pattern, '$1…'), path);
}

/** How a request line reads its outcome: success, a step of a flow, or a failure. */
export type RequestOutcome = 'ok' | 'expected' | 'failed';

const PROBLEM = 'urn:humanconnect:problem:';

/**
 * The error answers that are steps of the Connect flows (docs/local-mode.md#the-terminal), keyed
 * on route, status and problem type (and, for a validation failure, exactly the fields it names),
 * never on a title's words.
 */
const EXPECTED_ANSWERS: readonly {
  readonly route: string;
  readonly status: number;
  readonly type: string;
  readonly fields?: readonly string[];
  readonly meaning: string;
}[] = [
  {
    route: 'POST /public-tokens',
    status: 404,
    type: `${PROBLEM}no-token-record`,
    meaning: 'no record yet (a new user: Connect opens in create mode)',
  },
  {
    route: 'POST /connect-tokens',
    status: 400,
    type: `${PROBLEM}validation-failed`,
    fields: ['email'],
    meaning: 'e-mail needed (a new user: the page asks for one, then create mode)',
  },
];

function expectedAnswer({ method, path, status, problem }: RequestSummary) {
  if (problem === undefined) return undefined;
  return EXPECTED_ANSWERS.find(
    (answer) =>
      answer.route === `${method} ${path}` &&
      answer.status === status &&
      answer.type === problem.type &&
      (answer.fields === undefined ||
        (answer.fields.length === problem.fields.length &&
          answer.fields.every((field, index) => problem.fields[index] === field))),
  );
}

/** Whether a request succeeded, answered a normal step of a flow, or failed. */
export function requestOutcome(summary: RequestSummary): RequestOutcome {
  if (summary.status < 400) return 'ok';
  return expectedAnswer(summary) === undefined ? 'failed' : 'expected';
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Local time as `HH:MM:SS.mmm`, the stamp of every line local mode prints after `Ready.`. */
export function clockTime(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

const red = (text: string) => `\u001b[31m${text}\u001b[39m`;

/**
 * Formats a request's line.
 *
 * @param tty - stdout is a terminal that shows colour: a failure is marked with a red `✗`
 *   instead of the word `failed:`, so it stands out while the lines scroll by
 */
export function formatRequestLine(summary: RequestSummary, { tty }: { readonly tty: boolean }): string {
  const { method, path, status, durationMs, at, problem } = summary;
  const head = `${clockTime(at)} ${method} ${path}`;
  const duration = `${Math.round(durationMs)}ms`;
  const outcome = requestOutcome(summary);
  if (outcome === 'ok') return `${head} ${status} ${duration}`;
  if (outcome === 'expected') return `${head} ${status} ${duration} ${expectedAnswer(summary)?.meaning}`;
  const title = problem?.title ?? STATUS_CODES[status] ?? 'Error';
  return tty
    ? `${head} ${red(String(status))} ${duration} ${red(`✗ ${title}`)}`
    : `${head} ${status} ${duration} failed: ${title}`;
}

/**
 * The `type`, `title` and field paths of a problem+json answer body, or `undefined`. Only these
 * are read: they are fixed texts of functions/http/problem.ts and the schemas' field names, never
 * the caller's input.
 */
export function problemOf(contentType: string | undefined, body: string | undefined): ProblemSummary | undefined {
  if (body === undefined || !/^application\/problem\+json/i.test(contentType ?? '')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { type, title, errors } = parsed as { type?: unknown; title?: unknown; errors?: unknown };
  if (typeof type !== 'string' || typeof title !== 'string') return undefined;
  const fields = Array.isArray(errors)
    ? errors.flatMap((issue: unknown) =>
        typeof issue === 'object' && issue !== null && 'path' in issue && typeof issue.path === 'string'
          ? [issue.path]
          : [],
      )
    : [];
  return { type, title, fields };
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A stop signal as the person who sent it knows it. */
const signalName = (signal: string) => (signal === 'SIGINT' ? 'Ctrl-C' : signal);

/**
 * The line a first stop signal prints while requests are still being answered; `undefined` when
 * none is, since the stop is then immediate.
 */
export function formatStoppingLine({
  at,
  signal,
  inFlight,
  graceMs,
}: {
  readonly at: Date;
  readonly signal: string;
  readonly inFlight: number;
  readonly graceMs: number;
}): string | undefined {
  if (inFlight === 0) return undefined;
  const them = inFlight === 1 ? 'it' : 'them';
  return `${clockTime(at)} Stopping (${signalName(signal)}): finishing ${count(inFlight, 'request')} in flight (up to ${Math.round(graceMs / 1000)} s); ${signalName(signal)} again drops ${them}`;
}

/**
 * What a stop finished and what it left: the requests in flight, the grants still in the outbox
 * (kept in the data folder, or dropped with `--in-memory`) and the data folder itself.
 *
 * @param dataDir - the data folder as the user typed it (`.data`)
 */
export function formatStopSummary(
  { requestsInFlight, requestsFinished, outbox, deadLetters, persisted }: StopReport,
  { at, signal, dataDir }: { readonly at: Date; readonly signal: string; readonly dataDir: string },
): string[] {
  const dropped = requestsInFlight - requestsFinished;
  const inFlight =
    requestsInFlight === 0
      ? 'none'
      : dropped === 0
        ? `${count(requestsInFlight, 'request')}, finished`
        : `${count(requestsInFlight, 'request')}: ${requestsFinished} finished, ${dropped} dropped (unanswered after the functions' timeout)`;
  // Waiting grants are delivered by the next start's drain; dead letters never are (docs/reliability.md).
  const queued = [
    ...(outbox === 0 ? [] : [`${count(outbox, 'grant')} waiting`]),
    ...(deadLetters === 0 ? [] : [count(deadLetters, 'dead letter')]),
  ].join(' and ');
  const delivery =
    outbox === 0 ? '' : deadLetters === 0 ? ' for the next start' : '; the next start delivers the waiting ones';
  const outboxLine =
    queued === ''
      ? 'empty'
      : persisted
        ? `${queued}, kept in ${dataDir}/outbox.json${delivery}`
        : `${queued}, dropped (--in-memory)`;
  return [
    `${clockTime(at)} Stopped (${signalName(signal)}).`,
    `  In flight:  ${inFlight}`,
    `  Outbox:     ${outboxLine}`,
    persisted
      ? `  Data:       ${dataDir}/ kept (to start afresh: rm -rf ${dataDir})`
      : '  Data:       nothing kept (--in-memory)',
  ];
}

/** The line a second stop signal prints: it does not wait, and drops what is in flight. */
export function formatForcedStopLine({
  at,
  signal,
  inFlight,
}: {
  readonly at: Date;
  readonly signal: string;
  readonly inFlight: number;
}): string {
  return `${clockTime(at)} Stopped at once (${signalName(signal)} again): ${count(inFlight, 'request')} in flight dropped`;
}
