/**
 * Watches for Human API's notices of new data for the signed-in user (docs/local-mode.md#notifications):
 * polls `newDataUrl` from `/config.json` (the app back end's `GET /app/notifications?after=`, or in
 * JWT mode local mode's `GET /sandbox/notifications/inbox?clientUserId=&after=`) and reports when a
 * notice arrives, so the panel can offer to re-read. A notice says that data changed, never what:
 * the page re-reads through the data gateway.
 *
 * Bounded: one poll every {@link POLL_INTERVAL_MS} while the tab is visible (none while it is
 * hidden), each with a timeout, backing off on failures, at most {@link MAX_POLLS} polls in all;
 * it stops on {@link NewDataWatch.stop} (sign-out) and when the answer says the user is signed out.
 */

/** How often the page asks, while the tab is visible. */
export const POLL_INTERVAL_MS = 5000;
/** The most polls one page makes: an hour of a visible tab at the usual interval. */
export const MAX_POLLS = 720;
/** The longest wait between polls after failures. */
const MAX_BACKOFF_MS = 60_000;
const POLL_TIMEOUT_MS = 10_000;

/** Settings of {@link watchNewData}. */
export interface NewDataOptions {
  /** `newDataUrl` of the page config. */
  readonly url: string;
  /** The signed-in user; JWT mode names them in the query (the app back end knows its session's user). */
  readonly clientUserId: string;
  readonly jwtMode: boolean;
  /** A notice of new data arrived: `types` are what changed (`activities/summaries`, …). */
  readonly onNewData: (types: readonly string[]) => void;
  /** Polling stopped for good (signed out, or the budget spent), with why. */
  readonly onStopped?: (reason: 'signed-out' | 'budget-spent') => void;
  readonly intervalMs?: number;
  readonly maxPolls?: number;
}

/** A running watch. */
export interface NewDataWatch {
  /** Stops polling (a poll in flight is dropped). */
  stop(): void;
}

/** The notices of an answer: `{ clientUserId, cursor, notices: [{ id, type, … }] }`. */
function readAnswer(body: unknown, clientUserId: string): { cursor: number; types: string[] } | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { cursor, notices, clientUserId: user } = Object.fromEntries(Object.entries(body));
  if (user !== clientUserId || typeof cursor !== 'number' || !Number.isSafeInteger(cursor) || !Array.isArray(notices)) {
    return undefined;
  }
  const types = notices.map((notice: unknown) => {
    const type = typeof notice === 'object' && notice !== null ? Reflect.get(notice, 'type') : undefined;
    return typeof type === 'string' ? type : 'unknown';
  });
  return { cursor, types };
}

/**
 * Starts watching. The first answer sets where the page starts from: notices already waiting are
 * older than what the panel reads now, so they raise nothing. A `sources` notice (Human API sends
 * one after each connection) raises nothing either: the page re-reads after its own connections.
 */
export function watchNewData({
  url,
  clientUserId,
  jwtMode,
  onNewData,
  onStopped,
  intervalMs = POLL_INTERVAL_MS,
  maxPolls = MAX_POLLS,
}: NewDataOptions): NewDataWatch {
  let cursor: number | undefined;
  let polls = 0;
  let failures = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  const stop = (reason?: 'signed-out' | 'budget-spent') => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    inFlight?.abort();
    document.removeEventListener('visibilitychange', onVisibility);
    if (reason !== undefined) onStopped?.(reason);
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = undefined;
    if (stopped || document.visibilityState !== 'visible') return;
    const delay = Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** failures);
    timer = setTimeout(() => void poll(), cursor === undefined && failures === 0 ? 0 : delay);
  };

  async function poll(): Promise<void> {
    if (polls >= maxPolls) return stop('budget-spent');
    polls += 1;
    const query = new URL(url, location.href);
    if (jwtMode) query.searchParams.set('clientUserId', clientUserId);
    query.searchParams.set('after', String(cursor ?? 0));
    inFlight = new AbortController();
    try {
      const response = await fetch(query, {
        credentials: jwtMode ? 'omit' : 'same-origin',
        cache: 'no-store',
        signal: AbortSignal.any([inFlight.signal, AbortSignal.timeout(POLL_TIMEOUT_MS)]),
      });
      if (response.status === 401) return stop('signed-out');
      const answer = response.ok ? readAnswer(await response.json(), clientUserId) : undefined;
      if (answer === undefined) throw new Error(`newDataUrl answered ${response.status}`);
      failures = 0;
      const first = cursor === undefined;
      cursor = answer.cursor;
      const types = answer.types.filter((type) => type !== 'sources');
      if (!first && !stopped && types.length > 0) onNewData(types);
    } catch {
      // Not fatal: the panel shows what it read; the next poll, later, may get through.
      failures = Math.min(failures + 1, 8);
    } finally {
      inFlight = undefined;
    }
    schedule();
  }

  // A hidden tab asks nothing; coming back, it asks at once.
  function onVisibility(): void {
    if (stopped) return;
    if (document.visibilityState !== 'visible') {
      clearTimeout(timer);
      timer = undefined;
    } else if (timer === undefined && inFlight === undefined) {
      void poll();
    }
  }

  document.addEventListener('visibilitychange', onVisibility);
  schedule();
  return { stop: () => stop() };
}
