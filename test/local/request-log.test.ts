import { describe, expect, it } from 'vitest';
import {
  formatForcedStopLine,
  formatRequestLine,
  formatStoppingLine,
  formatStopSummary,
  problemOf,
  type RequestSummary,
  redactPathSecrets,
  requestOutcome,
  type StopReport,
} from '../../local/request-log.js';

/** 09:05:07.042 local time: the lines show the terminal's own clock. */
const AT = new Date(2025, 2, 15, 9, 5, 7, 42);
const RED = '\u001b[31m';
const RESET = '\u001b[39m';

const NO_RECORD = {
  type: 'urn:humanconnect:problem:no-token-record',
  title: 'Not found',
  fields: [],
};
const EMAIL_REQUIRED = {
  type: 'urn:humanconnect:problem:validation-failed',
  title: 'Invalid request body',
  fields: ['email'],
};
const DYNAMODB_DOWN = {
  type: 'urn:humanconnect:problem:dependency-unavailable',
  title: 'DynamoDB is unavailable',
  fields: [],
};

const summary = (fields: Partial<RequestSummary>): RequestSummary => ({
  method: 'POST',
  path: '/sessions',
  status: 200,
  durationMs: 20.6,
  at: AT,
  ...fields,
});

describe('formatRequestLine', () => {
  it('prints a success as time, method, path, status and duration', () => {
    expect(formatRequestLine(summary({}), { tty: false })).toBe('09:05:07.042 POST /sessions 200 21ms');
    expect(formatRequestLine(summary({}), { tty: true })).toBe('09:05:07.042 POST /sessions 200 21ms');
  });

  it("prints a new user's 404 from /public-tokens as a step of the flow, not a failure", () => {
    const line = summary({ path: '/public-tokens', status: 404, durationMs: 3, problem: NO_RECORD });

    expect(formatRequestLine(line, { tty: false })).toBe(
      '09:05:07.042 POST /public-tokens 404 3ms no record yet (a new user: Connect opens in create mode)',
    );
    expect(formatRequestLine(line, { tty: true })).toBe(
      '09:05:07.042 POST /public-tokens 404 3ms no record yet (a new user: Connect opens in create mode)',
    );
  });

  it("prints /connect-tokens' 400 naming only email as the page's e-mail prompt, not a failure", () => {
    const line = summary({ path: '/connect-tokens', status: 400, durationMs: 5, problem: EMAIL_REQUIRED });

    expect(formatRequestLine(line, { tty: false })).toBe(
      '09:05:07.042 POST /connect-tokens 400 5ms e-mail needed (a new user: the page asks for one, then create mode)',
    );
  });

  it('prints a 5xx as a failure with its title: a word when piped, a red ✗ on a terminal', () => {
    const line = summary({ status: 503, durationMs: 1204, problem: DYNAMODB_DOWN });

    expect(formatRequestLine(line, { tty: false })).toBe(
      '09:05:07.042 POST /sessions 503 1204ms failed: DynamoDB is unavailable',
    );
    expect(formatRequestLine(line, { tty: true })).toBe(
      `09:05:07.042 POST /sessions ${RED}503${RESET} 1204ms ${RED}✗ DynamoDB is unavailable${RESET}`,
    );
  });

  it('prints any other 4xx as a failure, the same problem type on another route too', () => {
    const invalid = summary({ status: 400, problem: { ...EMAIL_REQUIRED, fields: ['sessionToken'] } });
    const emailAndMore = summary({
      path: '/connect-tokens',
      status: 400,
      problem: { ...EMAIL_REQUIRED, fields: ['email', 'clientUserId'] },
    });
    const noRecordElsewhere = summary({ path: '/sessions', status: 404, problem: NO_RECORD });

    expect(formatRequestLine(invalid, { tty: false })).toBe(
      '09:05:07.042 POST /sessions 400 21ms failed: Invalid request body',
    );
    expect(formatRequestLine(emailAndMore, { tty: false })).toBe(
      '09:05:07.042 POST /connect-tokens 400 21ms failed: Invalid request body',
    );
    expect(formatRequestLine(noRecordElsewhere, { tty: false })).toBe(
      '09:05:07.042 POST /sessions 404 21ms failed: Not found',
    );
  });

  it("names an answer without a problem body (API Gateway's own) by its status text", () => {
    const line = summary({ path: '/public-tokens', status: 403 });

    expect(formatRequestLine(line, { tty: false })).toBe('09:05:07.042 POST /public-tokens 403 21ms failed: Forbidden');
  });
});

describe('redactPathSecrets', () => {
  it.each([
    ['/notifications/0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccddeeff0011', '/notifications/\u2026'],
    ['/notifications/guess/more', '/notifications/\u2026/more'],
    ['/sessions', '/sessions'],
    ['/notifications', '/notifications'],
    ['/sandbox/notifications/stats', '/sandbox/notifications/stats'],
  ])('shows %s as %s', (path, shown) => {
    expect(redactPathSecrets(path)).toBe(shown);
  });

  it('prints a refused notification as a failure without its URL\u2019s secret', () => {
    const line = formatRequestLine(
      summary({
        path: redactPathSecrets('/notifications/0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccddeeff0011'),
        status: 401,
        problem: { type: 'urn:humanconnect:problem:notification-refused', title: 'Unauthorized', fields: [] },
      }),
      { tty: false },
    );

    expect(line).toBe('09:05:07.042 POST /notifications/\u2026 401 21ms failed: Unauthorized');
  });
});

describe('requestOutcome', () => {
  it.each([
    ['a 2xx', summary({}), 'ok'],
    ['the new user 404', summary({ path: '/public-tokens', status: 404, problem: NO_RECORD }), 'expected'],
    ['the e-mail prompt 400', summary({ path: '/connect-tokens', status: 400, problem: EMAIL_REQUIRED }), 'expected'],
    ['a 404 without a problem', summary({ path: '/public-tokens', status: 404 }), 'failed'],
    ['a 5xx', summary({ status: 500 }), 'failed'],
  ] as const)('is %s: %s', (_case, request, outcome) => {
    expect(requestOutcome(request)).toBe(outcome);
  });
});

describe('problemOf', () => {
  it('reads the type, title and field paths of a problem+json body, nothing else', () => {
    const body = JSON.stringify({
      type: 'urn:humanconnect:problem:validation-failed',
      title: 'Invalid request body',
      status: 400,
      detail: 'The request body failed validation.',
      errors: [{ path: 'email', message: 'Required for a user who has not connected yet' }],
      requestId: 'r-1',
    });

    expect(problemOf('application/problem+json', body)).toEqual({
      type: 'urn:humanconnect:problem:validation-failed',
      title: 'Invalid request body',
      fields: ['email'],
    });
  });

  it.each([
    ['another content type', 'application/json', '{"type":"t","title":"x"}'],
    ['a body that is not JSON', 'application/problem+json', 'oops'],
    ['a problem without a type', 'application/problem+json', '{"title":"x"}'],
    ['no body', 'application/problem+json', undefined],
  ])('is undefined for %s', (_case, contentType, body) => {
    expect(problemOf(contentType, body)).toBeUndefined();
  });
});

describe('the lines of a stop', () => {
  const report = (fields: Partial<StopReport>): StopReport => ({
    requestsInFlight: 0,
    requestsFinished: 0,
    outbox: 0,
    deadLetters: 0,
    persisted: true,
    ...fields,
  });
  const summary = (fields: Partial<StopReport>, signal = 'SIGINT') =>
    formatStopSummary(report(fields), { at: AT, signal, dataDir: '.data' });

  it('says a stop with nothing in flight and nothing queued kept .data/, and how to start afresh', () => {
    expect(summary({})).toEqual([
      '09:05:07.042 Stopped (Ctrl-C).',
      '  In flight:  none',
      '  Outbox:     empty',
      '  Data:       .data/ kept (to start afresh: rm -rf .data)',
    ]);
  });

  it('says the requests in flight were finished, and the grants waiting were kept for the next start', () => {
    expect(summary({ requestsInFlight: 2, requestsFinished: 2, outbox: 1 }, 'SIGTERM')).toEqual([
      '09:05:07.042 Stopped (SIGTERM).',
      '  In flight:  2 requests, finished',
      '  Outbox:     1 grant waiting, kept in .data/outbox.json for the next start',
      '  Data:       .data/ kept (to start afresh: rm -rf .data)',
    ]);
  });

  it('says what --in-memory dropped: the grants waiting, the dead letters and all data', () => {
    expect(summary({ outbox: 3, deadLetters: 1, persisted: false })).toEqual([
      '09:05:07.042 Stopped (Ctrl-C).',
      '  In flight:  none',
      '  Outbox:     3 grants waiting and 1 dead letter, dropped (--in-memory)',
      '  Data:       nothing kept (--in-memory)',
    ]);
  });

  it('says which requests were dropped, unanswered after the timeout, and dead letters kept', () => {
    expect(summary({ requestsInFlight: 3, requestsFinished: 1, outbox: 1, deadLetters: 2 })).toEqual([
      '09:05:07.042 Stopped (Ctrl-C).',
      "  In flight:  3 requests: 1 finished, 2 dropped (unanswered after the functions' timeout)",
      '  Outbox:     1 grant waiting and 2 dead letters, kept in .data/outbox.json; the next start delivers the waiting ones',
      '  Data:       .data/ kept (to start afresh: rm -rf .data)',
    ]);
  });

  it('announces the wait only when a request is in flight, and what a second Ctrl-C does', () => {
    expect(formatStoppingLine({ at: AT, signal: 'SIGINT', inFlight: 0, graceMs: 21_000 })).toBeUndefined();
    expect(formatStoppingLine({ at: AT, signal: 'SIGINT', inFlight: 1, graceMs: 21_000 })).toBe(
      '09:05:07.042 Stopping (Ctrl-C): finishing 1 request in flight (up to 21 s); Ctrl-C again drops it',
    );
    expect(formatForcedStopLine({ at: AT, signal: 'SIGINT', inFlight: 2 })).toBe(
      '09:05:07.042 Stopped at once (Ctrl-C again): 2 requests in flight dropped',
    );
  });
});
