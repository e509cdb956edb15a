/**
 * Draws the panel's days twice: a small bar chart (inline SVG with a title, no chart library) and
 * a list of the same numbers, readable without the chart (by a screen reader, in a text browser,
 * or by anyone who prefers numbers). Only what is drawn reaches the page: a date and its steps.
 */
import { type DaySteps, formatDay, formatShortDay, formatSteps } from './activity.js';

const SVG = 'http://www.w3.org/2000/svg';
/** The chart's own units (it scales to the panel's width). */
const WIDTH = 560;
const HEIGHT = 170;
const PLOT_TOP = 10;
const PLOT_BOTTOM = 140;
const LABEL_Y = 162;

/** Where the panel draws: the chart's `<svg>`, the list and the summary line. */
export interface ActivityView {
  readonly chart: SVGSVGElement;
  readonly list: HTMLOListElement;
  readonly summary: HTMLElement;
}

function svgElement<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A bar's height scale: the top of the plot is the highest day, rounded up to a thousand. */
const scaleTop = (days: readonly DaySteps[]) =>
  Math.max(1000, Math.ceil(Math.max(0, ...days.map((day) => day.steps ?? 0)) / 1000) * 1000);

function drawChart(chart: SVGSVGElement, days: readonly DaySteps[]): void {
  const top = scaleTop(days);
  const slot = WIDTH / Math.max(1, days.length);
  const barWidth = slot * 0.7;
  chart.replaceChildren(
    svgElement('title', { id: 'activity-chart-title' }, `Daily steps, last ${days.length} days`),
    svgElement('line', { class: 'axis', x1: 0, x2: WIDTH, y1: PLOT_BOTTOM, y2: PLOT_BOTTOM }),
  );
  chart.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  for (const [index, day] of days.entries()) {
    const x = index * slot + (slot - barWidth) / 2;
    const label = `${formatDay(day.date)}: ${day.steps === undefined ? 'no data' : `${formatSteps(day.steps)} steps`}`;
    if (day.steps === undefined) {
      // No record for the day: a mark on the axis, so a gap reads as "nothing", not as zero.
      const mark = svgElement('rect', { class: 'no-data', x, y: PLOT_BOTTOM - 3, width: barWidth, height: 3 });
      mark.append(svgElement('title', {}, label));
      chart.append(mark);
      continue;
    }
    const height = Math.max(2, ((PLOT_BOTTOM - PLOT_TOP) * day.steps) / top);
    const bar = svgElement('rect', { class: 'bar', x, y: PLOT_BOTTOM - height, width: barWidth, height, rx: 3 });
    bar.append(svgElement('title', {}, label));
    chart.append(bar);
  }
  const first = days[0];
  const last = days.at(-1);
  if (first !== undefined && last !== undefined) {
    chart.append(
      svgElement('text', { class: 'label', x: 0, y: LABEL_Y, 'text-anchor': 'start' }, formatShortDay(first.date)),
      svgElement('text', { class: 'label', x: WIDTH, y: LABEL_Y, 'text-anchor': 'end' }, formatShortDay(last.date)),
    );
  }
}

function drawList(list: HTMLOListElement, days: readonly DaySteps[]): void {
  list.replaceChildren(
    // Newest first, as people read a diary.
    ...[...days].reverse().map((day) => {
      const item = document.createElement('li');
      const date = document.createElement('time');
      date.dateTime = day.date;
      date.textContent = formatDay(day.date);
      const value = document.createElement(day.steps === undefined ? 'span' : 'data');
      if (value instanceof HTMLDataElement && day.steps !== undefined) value.value = String(day.steps);
      value.textContent = day.steps === undefined ? 'no data' : `${formatSteps(day.steps)} steps`;
      value.className = day.steps === undefined ? 'no-data' : 'steps';
      item.append(date, value);
      return item;
    }),
  );
}

/**
 * Shows `days` in the chart, the list and the summary.
 *
 * @returns how many days had data
 */
export function drawActivity(view: ActivityView, days: readonly DaySteps[]): number {
  drawChart(view.chart, days);
  drawList(view.list, days);
  const counted = days.flatMap((day) => (day.steps === undefined ? [] : [day.steps]));
  const sources = [...new Set(days.flatMap((day) => (day.source === undefined ? [] : [day.source])))];
  const total = counted.reduce((sum, steps) => sum + steps, 0);
  view.summary.textContent =
    counted.length === 0
      ? `No activity recorded in the last ${days.length} days yet.`
      : `${formatSteps(total)} steps in ${counted.length} of the last ${days.length} days, ` +
        `${formatSteps(Math.round(total / counted.length))} a day on average. From ${sources.join(', ')}` +
        (sources.length > 1 ? ' (a day several sources report shows the highest).' : '.');
  return counted.length;
}
