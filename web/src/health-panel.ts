/**
 * The "Your health data" panel: once the signed-in user has connected (either Connect generation),
 * what the app can now read through the data gateway, the last 14 days of steps
 * (`./health-data.ts`, drawn by `./activity-chart.ts`), and a "New data" button when Human API
 * notifies the app of new data for this user (`./new-data.ts`).
 *
 * It never strands the user:
 * - 409 `reconnect-required` (Human API no longer accepts the user's token): a plain message and
 *   Connect again, which the generation's own flow opens (the current generation first gets a fresh
 *   Connect token, see `whenReconnectRequired`);
 * - 404 `no-token-record`: "connect a source first", with the same button;
 * - 503 (Human API rate limiting: the button waits out `Retry-After` when the page can read it),
 *   502, 504, or no answer: a retry message and a Retry button.
 *
 * It shows a date and its steps, nothing more of the data, and logs nothing.
 */
import { activityWindow, dailySteps } from './activity.js';
import { drawActivity } from './activity-chart.js';
import type { PageConfig } from './config.js';
import { HealthDataError, readActivity } from './health-data.js';
import { type NewDataWatch, watchNewData } from './new-data.js';
import { describeFailure, element } from './page-view.js';

/** The longest `Retry-After` the Retry button waits out; a longer one is said, not waited. */
const MAX_RETRY_WAIT_SECONDS = 120;
/** What the page waits when a 503 came without a readable `Retry-After` (the gateway's own default). */
const DEFAULT_RETRY_WAIT_SECONDS = 5;

/** Settings of {@link createHealthPanel}. */
export interface HealthPanelOptions {
  readonly config: PageConfig;
  readonly clientUserId: string;
  readonly bearerToken: string | undefined;
  /** Opens Connect the way the page's Connect Health Data button does. */
  readonly connectAgain: () => void;
}

/** The panel. */
export interface HealthPanel {
  /** Shows the panel and reads the data, once (later calls do nothing: see {@link HealthPanel.refresh}). */
  show(): void;
  /** Shows the panel if hidden, and reads the data again. */
  refresh(): void;
  /** Calls `listener` when a read answers 409 `reconnect-required`, before the message shows. */
  whenReconnectRequired(listener: () => void): void;
  /** Stops watching for new data (sign-out). */
  stop(): void;
}

const panelView = () => ({
  panel: element('health'),
  status: element('health-status'),
  figure: element('activity'),
  chart: element<SVGSVGElement>('activity-chart'),
  list: element<HTMLOListElement>('activity-days'),
  summary: element('activity-summary'),
  newData: element<HTMLButtonElement>('new-data'),
  problem: element('health-problem'),
  problemTitle: element('health-problem-title'),
  problemDetail: element('health-problem-detail'),
  action: element<HTMLButtonElement>('health-action'),
});

/** What a failed read tells the user, and what the button does. */
interface Advice {
  readonly title: string;
  readonly detail: string;
  readonly action: 'connect' | 'retry';
  readonly label: string;
  /** Seconds the Retry button waits before it can be pressed. */
  readonly waitSeconds?: number;
}

function adviceFor(error: unknown): Advice {
  const slug = error instanceof HealthDataError ? error.slug : undefined;
  const status = error instanceof HealthDataError ? error.status : undefined;
  if (status === 409 && slug === 'reconnect-required') {
    return {
      title: 'Connect your health data again',
      detail:
        'Human API no longer lets this app read your data (access was revoked or has ended). Connect again to see it here.',
      action: 'connect',
      label: 'Connect again',
    };
  }
  if (status === 404 && slug === 'no-token-record') {
    return {
      title: 'Connect a source first',
      detail: 'This app has no connection of yours yet: your data shows here once you connect a source.',
      action: 'connect',
      label: 'Connect Health Data',
    };
  }
  if (status === 503 && slug === 'humanapi-rate-limited') {
    const seconds = error instanceof HealthDataError ? error.retryAfterSeconds : undefined;
    const wait = Math.min(seconds ?? DEFAULT_RETRY_WAIT_SECONDS, MAX_RETRY_WAIT_SECONDS);
    return {
      title: 'Human API is busy',
      detail: `It is limiting how often this app reads data: try again in ${seconds ?? `about ${wait}`} seconds.`,
      action: 'retry',
      label: 'Retry',
      waitSeconds: wait,
    };
  }
  const { title, detail } = describeFailure(error);
  const temporary = status === undefined || status === 0 || status >= 500;
  return {
    title: temporary ? 'Your health data could not be read just now' : title,
    detail: temporary ? `${title}${detail === '' ? '' : `: ${detail}`}. Try again in a moment.` : detail,
    action: 'retry',
    label: 'Retry',
  };
}

/** Creates the panel (hidden until {@link HealthPanel.show}). */
export function createHealthPanel({
  config,
  clientUserId,
  bearerToken,
  connectAgain,
}: HealthPanelOptions): HealthPanel {
  const view = panelView();
  const reconnectListeners: (() => void)[] = [];
  let shown = false;
  let reads = 0;
  let watch: NewDataWatch | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function showProblem(advice: Advice): void {
    view.figure.hidden = true;
    view.list.hidden = true;
    view.status.textContent = '';
    view.problemTitle.textContent = advice.title;
    view.problemDetail.textContent = advice.detail;
    view.action.textContent = advice.label;
    view.action.onclick = advice.action === 'connect' ? connectAgain : () => read();
    clearTimeout(retryTimer);
    view.action.disabled = (advice.waitSeconds ?? 0) > 0;
    if (view.action.disabled) {
      retryTimer = setTimeout(
        () => {
          view.action.disabled = false;
        },
        (advice.waitSeconds ?? 0) * 1000,
      );
    }
    view.problem.hidden = false;
  }

  /** Reads the window ending today; an answer that comes after a newer read started is dropped. */
  async function read(): Promise<void> {
    const current = ++reads;
    view.newData.hidden = true;
    view.problem.hidden = true;
    view.panel.setAttribute('aria-busy', 'true');
    view.status.textContent = 'Reading your activity…';
    const window = activityWindow(new Date());
    try {
      const records = await readActivity(config, window, bearerToken);
      if (current !== reads) return;
      const days = dailySteps(records, window);
      drawActivity(view, days);
      view.figure.hidden = false;
      view.list.hidden = false;
      view.status.textContent = '';
    } catch (error) {
      if (current !== reads) return;
      if (error instanceof HealthDataError && error.status === 409 && error.slug === 'reconnect-required') {
        for (const listener of reconnectListeners) listener();
      }
      showProblem(adviceFor(error));
    } finally {
      if (current === reads) view.panel.setAttribute('aria-busy', 'false');
    }
  }

  function startWatching(): void {
    if (watch !== undefined || config.newDataUrl === undefined) return;
    watch = watchNewData({
      url: config.newDataUrl,
      clientUserId,
      jwtMode: config.jwtMode,
      onNewData: () => {
        view.newData.hidden = false;
      },
      onStopped: (reason) => {
        if (reason === 'budget-spent') {
          view.status.textContent = 'Stopped checking for new data after an hour: reload the page to check again.';
        }
      },
    });
  }

  view.newData.addEventListener('click', () => void read());

  const refresh = () => {
    shown = true;
    view.panel.hidden = false;
    startWatching();
    void read();
  };
  return {
    show() {
      if (!shown) refresh();
    },
    refresh,
    whenReconnectRequired(listener) {
      reconnectListeners.push(listener);
    },
    stop() {
      watch?.stop();
      clearTimeout(retryTimer);
    },
  };
}
