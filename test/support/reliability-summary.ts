/**
 * The reliability run's summary: each harness leaves a part (its figures and
 * leak scan) in `test-results/reliability/parts/`; after the run these are
 * added up, printed, and written to `test-results/reliability-summary.json`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Root of everything the reliability suite writes. */
export const RELIABILITY_RESULTS_DIR = resolve(import.meta.dirname, '../../test-results/reliability');
/** Where each harness leaves its figures. */
export const RELIABILITY_PARTS_DIR = resolve(RELIABILITY_RESULTS_DIR, 'parts');
/** The summary file. */
export const RELIABILITY_SUMMARY_FILE = resolve(import.meta.dirname, '../../test-results/reliability-summary.json');

type Counts = { injections: number; calls: number };

/** One harness's part, as written by `writeHarnessPart`. */
export interface ReliabilityPart {
  readonly name: string;
  readonly apiRequests: number;
  readonly sandboxRequests: number;
  readonly faults: Readonly<Record<'humanApi' | 'dynamoDb' | 'secretsManager', Counts>>;
  readonly recordsChecked: number;
  readonly recordsLost: number;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly leakScan: {
    readonly logLines: number;
    readonly responses: number;
    readonly knownValues: Readonly<Record<string, number>>;
    readonly findings: readonly unknown[];
  } | null;
}

/** The run's figures. */
export interface ReliabilitySummary {
  readonly generatedAt: string;
  readonly harnesses: readonly string[];
  readonly requestsTried: { readonly total: number; readonly api: number; readonly sandbox: number };
  readonly badInput: Readonly<Record<string, unknown>> | null;
  readonly faultsInjected: {
    /** Calls to a fault hook. */
    readonly injections: number;
    /** Dependency calls those injections were armed to fail (an upper bound: an "unreachable" fault is reset when done). */
    readonly armedFailures: number;
    readonly byDependency: Readonly<Record<string, Counts>>;
  };
  readonly load: Readonly<Record<string, unknown>> | null;
  /** How long the slowest 503 took while DynamoDB was unreachable, against the function's time budget. */
  readonly unavailable: Readonly<Record<string, unknown>> | null;
  readonly records: {
    readonly checked: number;
    readonly lost: number;
    /** Exchanges the tests deliberately lose in the documented cases (stored records stay intact). */
    readonly documentedExchangeLosses: Readonly<Record<string, number>>;
  };
  readonly leaks: {
    readonly logLinesScanned: number;
    readonly responsesScanned: number;
    readonly knownValuesScannedFor: Readonly<Record<string, number>>;
    readonly harnessesNotScanned: readonly string[];
    readonly found: number;
  };
}

/** Reads the parts left in the parts folder. */
export function readReliabilityParts(dir = RELIABILITY_PARTS_DIR): ReliabilityPart[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as ReliabilityPart);
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/** Adds the parts up. */
export function summarizeReliability(parts: readonly ReliabilityPart[], now = new Date()): ReliabilitySummary {
  const byDependency: Record<string, Counts> = {};
  for (const part of parts) {
    for (const [dependency, counts] of Object.entries(part.faults)) {
      const total = byDependency[dependency] ?? { injections: 0, calls: 0 };
      byDependency[dependency] = {
        injections: total.injections + counts.injections,
        calls: total.calls + counts.calls,
      };
    }
  }
  const knownValuesScannedFor: Record<string, number> = {};
  for (const part of parts) {
    for (const [kind, count] of Object.entries(part.leakScan?.knownValues ?? {})) {
      knownValuesScannedFor[kind] = (knownValuesScannedFor[kind] ?? 0) + count;
    }
  }
  const api = sum(parts.map((part) => part.apiRequests));
  const sandbox = sum(parts.map((part) => part.sandboxRequests));
  const extra = (key: string) =>
    (parts.find((part) => part.extra[key] !== undefined)?.extra[key] as Record<string, unknown> | undefined) ?? null;
  return {
    generatedAt: now.toISOString(),
    harnesses: parts.map((part) => part.name),
    requestsTried: { total: api + sandbox, api, sandbox },
    badInput: extra('badInput'),
    faultsInjected: {
      injections: sum(Object.values(byDependency).map((counts) => counts.injections)),
      armedFailures: sum(Object.values(byDependency).map((counts) => counts.calls)),
      byDependency,
    },
    load: extra('load'),
    unavailable: extra('unavailable'),
    records: {
      checked: sum(parts.map((part) => part.recordsChecked)),
      lost: sum(parts.map((part) => part.recordsLost)),
      documentedExchangeLosses: Object.assign(
        {},
        ...parts.map((part) => (part.extra.documentedLosses as Record<string, number> | undefined) ?? {}),
      ),
    },
    leaks: {
      logLinesScanned: sum(parts.map((part) => part.leakScan?.logLines ?? 0)),
      responsesScanned: sum(parts.map((part) => part.leakScan?.responses ?? 0)),
      knownValuesScannedFor,
      harnessesNotScanned: parts.filter((part) => part.leakScan === null).map((part) => part.name),
      found: sum(parts.map((part) => part.leakScan?.findings.length ?? 0)),
    },
  };
}

/** Renders the summary as the table `npm run test:reliability` prints. */
export function formatReliabilitySummary(summary: ReliabilitySummary): string {
  const rows: [string, string][] = [
    [
      'requests tried',
      `${summary.requestsTried.total} (${summary.requestsTried.api} to the API, ${summary.requestsTried.sandbox} to the sandbox and fault hooks)`,
    ],
  ];
  if (summary.badInput !== null) rows.push(['bad input', describe(summary.badInput)]);
  const faults = summary.faultsInjected;
  rows.push([
    'faults injected',
    `${faults.injections} (${Object.entries(faults.byDependency)
      .map(([dependency, counts]) => `${dependency} ${counts.injections}`)
      .join(', ')})`,
  ]);
  if (summary.unavailable !== null) rows.push(['503 in budget', describe(summary.unavailable)]);
  if (summary.load !== null) rows.push(['load held', describe(summary.load)]);
  const documented = Object.entries(summary.records.documentedExchangeLosses);
  rows.push([
    'records lost',
    `${summary.records.lost} (of ${summary.records.checked} checked)${
      documented.length === 0
        ? ''
        : `; exchanges lost on purpose in the documented cases: ${documented.map(([name, count]) => `${name} ${count}`).join(', ')}`
    }`,
  ]);
  rows.push([
    'leaks found',
    `${summary.leaks.found} (${summary.leaks.logLinesScanned} log lines and ${summary.leaks.responsesScanned} responses scanned for ${describe(
      summary.leaks.knownValuesScannedFor,
    )} and token-shaped strings${
      summary.leaks.harnessesNotScanned.length > 0
        ? `; NOT scanned: ${summary.leaks.harnessesNotScanned.join(', ')}`
        : ''
    })`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return ['Reliability summary', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}

function describe(figures: Readonly<Record<string, unknown>>): string {
  return Object.entries(figures)
    .map(([key, value]) => `${key} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : value}`)
    .join(', ');
}
