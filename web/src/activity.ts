/**
 * What the "Your health data" panel shows, as plain values: the days it asks for and the steps of
 * each, read from Human API's activity summaries (`GET /v1/human/activities/summaries`, one record
 * per day and source, docs/local-mode.md#data-api-sandbox). Nothing here touches the page.
 */

/** How many days the panel shows, today included. */
export const ACTIVITY_DAYS = 14;

/** The days the panel asks for: `start_date` and `end_date` as Human API reads them, and each day between. */
export interface ActivityWindow {
  /** `YYYY-MM-DD`, the oldest day. */
  readonly start: string;
  /** `YYYY-MM-DD`, today. */
  readonly end: string;
  /** Every day from `start` to `end`, oldest first. */
  readonly days: readonly string[];
}

/** One day of the panel: the steps of the source that counted most, or none when no source reported the day. */
export interface DaySteps {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly steps: number | undefined;
  /** The source the steps come from. */
  readonly source: string | undefined;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** A calendar date as `YYYY-MM-DD`, in the user's own time zone: "today" is theirs. */
function localDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The {@link ACTIVITY_DAYS} days up to `now`'s date, in the user's time zone. */
export function activityWindow(now: Date, length = ACTIVITY_DAYS): ActivityWindow {
  const days = Array.from({ length }, (_, index) => {
    // Calendar arithmetic on the date, not 24-hour steps: a daylight-saving change keeps every day.
    return localDate(new Date(now.getFullYear(), now.getMonth(), now.getDate() - (length - 1 - index)));
  });
  return { start: days[0] ?? localDate(now), end: days.at(-1) ?? localDate(now), days };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The steps of each day of `window`, from Human API's summaries (or the app back end's trimmed
 * copy of them: `date`, `source`, `steps`). Several sources may report the same day (a phone and a
 * watch counting the same walk): the day shows the highest, never their sum. A record without a
 * whole, non-negative `steps` or a `YYYY-MM-DD` `date` in the window is left out, whatever else it holds.
 */
export function dailySteps(records: unknown, window: ActivityWindow): DaySteps[] {
  const best = new Map<string, { steps: number; source: string | undefined }>();
  for (const record of Array.isArray(records) ? records : []) {
    if (typeof record !== 'object' || record === null) continue;
    const date: unknown = Reflect.get(record, 'date');
    const steps: unknown = Reflect.get(record, 'steps');
    const source: unknown = Reflect.get(record, 'source');
    if (typeof date !== 'string' || !DATE.test(date) || !window.days.includes(date)) continue;
    if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < 0) continue;
    if ((best.get(date)?.steps ?? -1) < steps) {
      best.set(date, { steps, source: typeof source === 'string' ? source : undefined });
    }
  }
  return window.days.map((date) => ({ date, steps: best.get(date)?.steps, source: best.get(date)?.source }));
}

const STEPS = new Intl.NumberFormat('en-US');
// The dates are calendar days: read and written in UTC so no time zone moves them.
const DAY_LABEL = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
const SHORT_LABEL = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** `8123` → `8,123`. */
export const formatSteps = (steps: number): string => STEPS.format(steps);

/** `2099-06-15` → `Mon 15 Jun`. */
export const formatDay = (date: string): string => DAY_LABEL.format(new Date(`${date}T00:00:00Z`));

/** `2099-06-15` → `15 Jun`. */
export const formatShortDay = (date: string): string => SHORT_LABEL.format(new Date(`${date}T00:00:00Z`));
