/**
 * The benchmark's results: their JSON shape (`bench/results.json`), the targets, the table
 * printed on stdout, and the check a smoke run makes on what it wrote.
 */
import type { Bundled, ColdStartResult } from './cold-start.js';
import type { CostPerMillion, PRICES } from './cost.js';
import { formatGatewayReport, type GatewayResult } from './gateway.js';
import type { Machine } from './machine.js';
import type { NotificationsBurstResult } from './notifications-burst.js';
import type { LatencySummary } from './stats.js';
import { atMost, type TargetCheck } from './targets.js';

/** Requests of one kind of invocation, per invocation (from local mode's counters). */
export interface IoPerInvocation {
  readonly invocations: number;
  /** Mean requests per invocation by counter (`DynamoDB.PutItem`, `SecretsManager`, `HumanApi`, …). */
  readonly requests: Readonly<Record<string, number>>;
}

/** Warm figures of the handler process (local mode in another process). */
export interface WarmResult {
  readonly full: LatencySummary;
  readonly reference: LatencySummary;
  readonly p50Ratio: number;
  readonly addedP99Ms: number;
  /** Mean CPU time of the handler process per invocation (user + system), in milliseconds. */
  readonly cpuMs: { readonly full: number; readonly reference: number; readonly ratio: number };
  readonly stoppedByTimeBudget: boolean;
  /** The attribute names of a token record each stored: the same unless the reference lags behind. */
  readonly referenceParity: {
    readonly handlerAttributes: readonly string[];
    readonly referenceAttributes: readonly string[];
  };
}

/** Everything a run measured: the content of `bench/results.json`. */
export interface BenchResults {
  readonly schemaVersion: 2;
  /** `full`: the figures of record; `smoke`: a few iterations for CI, not figures. */
  readonly mode: 'full' | 'smoke';
  readonly date: string;
  readonly durationSeconds: number;
  readonly machine: Machine & { readonly loadAverageAtEnd: number };
  readonly node: string;
  readonly warm: WarmResult;
  readonly io: {
    /** Secrets Manager reads during the warm loop (one handler instance, shorter than the TTL). */
    readonly secretReadsInLoop: number;
    readonly finishInvocationsInLoop: number;
    readonly secretTtlSeconds: number;
    readonly perFinish: IoPerInvocation;
    readonly perRecovery: Readonly<Record<'byClientUserId' | 'byHumanId' | 'refresh', IoPerInvocation>>;
    readonly recoveryLatency: LatencySummary;
  };
  readonly coldStart: ColdStartResult;
  /** The data gateway's piece (gateway.ts); absent from runs before it existed. */
  readonly gateway?: GatewayResult;
  /** Human API's notifications: a burst against local mode (docs/performance.md#notifications); absent from runs before it existed. */
  readonly notifications?: NotificationsBurstResult;
  readonly cost: {
    readonly prices: typeof PRICES;
    readonly architecture: string;
    readonly memoryMb: number;
    readonly perMillionSignIns: CostPerMillion;
    readonly perMillionRecoveries: CostPerMillion;
  };
  readonly targets: readonly TargetCheck[];
}

const BUNDLE_LIMIT_BYTES = 300_000;

/** The issue's targets, each with the run's figure. */
export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const { warm, io, coldStart, notifications } = results;
  return [
    atMost(
      'cold-finish-over-floor',
      'finishSession load + first invoke ≤ 3.5× floor',
      coldStart.ratios.finishToFloor,
      3.5,
    ),
    atMost(
      'cold-finish-over-typical-sdk',
      'finishSession load + first invoke ≤ 0.80× typicalSdk',
      coldStart.ratios.finishToTypicalSdk,
      0.8,
    ),
    atMost(
      'cold-recover-over-floor',
      'recoverPublicToken load + first invoke ≤ 4× recoverFloor',
      coldStart.ratios.recoverToFloor,
      4,
    ),
    atMost('warm-cpu-ratio', 'warm handler CPU per finish ≤ 1.10× reference', warm.cpuMs.ratio, 1.1),
    atMost('warm-p50-ratio', 'warm p50 ≤ 1.10× reference', warm.p50Ratio, 1.1),
    atMost('warm-added-p99', 'warm added p99 ≤ 2 ms', warm.addedP99Ms, 2),
    atMost('secret-reads', 'Secrets Manager: ≤ 1 read per TTL per instance', io.secretReadsInLoop, 1),
    ...(['finishSession', 'recoverPublicToken'] as const).map((name) =>
      atMost(`bundle-${name}`, `${name} bundle ≤ 300,000 B`, coldStart.sizes[name].minifiedBytes, BUNDLE_LIMIT_BYTES),
    ),
    ...(notifications === undefined
      ? []
      : [
          atMost(
            'notifications-p99',
            `notifications: p99 time to 200 ≤ 300 ms (${notifications.settings.posts} from ${notifications.settings.senders} senders)`,
            notifications.timeTo200.p99,
            300,
          ),
          atMost('notifications-lost', 'notifications: 0 answered 200 and never consumed', notifications.lost, 0),
          atMost(
            'notifications-twice',
            'notifications: 0 delivered twice to consumers',
            notifications.deliveredTwice,
            0,
          ),
        ]),
  ];
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')).join('\n');
}

/** The table printed on stdout. */
export function formatReport(results: BenchResults): string {
  const { warm, io, coldStart, machine } = results;
  const sizes = Object.entries(coldStart.sizes) as [Bundled, ColdStartResult['sizes'][Bundled]][];
  return [
    `${results.mode} run, ${results.date}, ${results.durationSeconds} s, ${machine.cpuModel} × ${machine.cores}, ` +
      `load ${machine.loadAverageAtStart} → ${machine.loadAverageAtEnd}, Node ${results.node}`,
    `\nWarm (handler process only; ${warm.full.count} pairs)`,
    table([
      ['', 'p50', 'p99', 'CPU/inv'],
      ['finishSession', ms(warm.full.p50), ms(warm.full.p99), ms(warm.cpuMs.full)],
      ['reference', ms(warm.reference.p50), ms(warm.reference.p99), ms(warm.cpuMs.reference)],
    ]),
    `\nCold start (medians, fresh process each)`,
    table([
      ['subject', 'runs', 'load', 'first invoke', 'sum'],
      ...Object.entries(coldStart.timings).map(([subject, timing]) => [
        subject,
        String(timing.runs),
        ms(timing.medianLoadMs),
        ms(timing.medianFirstInvokeMs),
        ms(timing.medianLoadAndInvokeMs),
      ]),
    ]),
    `\nBundles (minified bytes): ${sizes.map(([name, size]) => `${name} ${size.minifiedBytes}`).join(', ')}`,
    `I/O per finish: ${JSON.stringify(io.perFinish.requests)}; secret reads in the loop: ${io.secretReadsInLoop}`,
    ...(results.gateway === undefined
      ? []
      : [
          formatGatewayReport(
            results.gateway,
            results.targets.filter((target) => target.id.startsWith('gateway-')),
          ),
        ]),
    ...(results.notifications === undefined ? [] : [formatNotificationsReport(results.notifications)]),
    `\nTargets`,
    table(results.targets.map((target) => [target.met ? 'met ' : 'GAP ', target.target, String(target.measured)])),
  ].join('\n');
}

function isPositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** What is missing or invalid in a results file (none: it is complete). */
export function validateResults(value: unknown): string[] {
  const at = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
  const subjects = ['finishSession', 'recoverPublicToken', 'floor', 'recoverFloor', 'typicalSdk'];
  const positive = [
    'durationSeconds',
    'machine.cores',
    'warm.full.p50',
    'warm.reference.p50',
    'warm.cpuMs.full',
    'warm.cpuMs.reference',
    'cost.perMillionSignIns.total',
    'notifications.timeTo200.p99',
    ...subjects.map((subject) => `coldStart.timings.${subject}.medianLoadAndInvokeMs`),
    ...subjects.map((subject) => `coldStart.sizes.${subject}.minifiedBytes`),
  ];
  const problems = positive.filter((path) => !isPositive(at(path))).map((path) => `${path} is not a positive number`);
  const handler = at('warm.referenceParity.handlerAttributes');
  const reference = at('warm.referenceParity.referenceAttributes');
  if (!Array.isArray(handler) || handler.length === 0 || String(handler) !== String(reference)) {
    problems.push(
      `the reference stores ${String(reference)}, the handler ${String(handler)}: update bench/bare-finish.ts`,
    );
  }
  const targets = at('targets');
  if (!Array.isArray(targets) || targets.length === 0) problems.push('targets is not a non-empty list');
  return problems;
}

/** The notifications burst in one line: its settings, the time to 200, and what consumers got. */
function formatNotificationsReport(burst: NotificationsBurstResult): string {
  return (
    `\nNotifications (${burst.settings.posts} POSTs, ${burst.redeliveries} of them redeliveries, ` +
    `${burst.settings.senders} senders, ${burst.wallSeconds} s): time to 200 ` +
    `p50 ${ms(burst.timeTo200.p50)}, p99 ${ms(burst.timeTo200.p99)}; ` +
    `${burst.consumed.distinct} consumed, lost ${burst.lost}, twice ${burst.deliveredTwice}`
  );
}
