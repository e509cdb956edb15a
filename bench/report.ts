/**
 * The benchmark's results: their JSON shape (`bench/results.json`), the
 * table printed on stdout, and the check a smoke run makes on what it wrote.
 */
import type { ColdStartResult } from './cold-start.js';
import type { CostPerMillion, PRICES } from './cost.js';
import type { Machine } from './machine.js';
import type { WarmOverheadResult } from './warm-overhead.js';

/** One target of the issue and whether the run met it. */
export interface TargetCheck {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly measured: number;
  readonly met: boolean;
}

/** Everything a run measured: the content of `bench/results.json`. */
export interface BenchResults {
  readonly schemaVersion: 1;
  /** `full`: the figures of record; `smoke`: a few iterations for CI, not figures. */
  readonly mode: 'full' | 'smoke';
  readonly date: string;
  readonly durationSeconds: number;
  readonly machine: Machine & { readonly loadAverageAtEnd: number };
  readonly node: { readonly bench: string; readonly coldStart: string };
  readonly warm: Omit<WarmOverheadResult, 'io'>;
  readonly io: WarmOverheadResult['io'];
  readonly coldStart: ColdStartResult;
  readonly cost: {
    readonly prices: typeof PRICES;
    readonly architecture: string;
    readonly memoryMb: number;
    /** One sign-in: one `POST /sessions`. */
    readonly perMillionSignIns: CostPerMillion;
    /** One usual recovery: `POST /public-tokens` answered from the stored record. */
    readonly perMillionRecoveries: CostPerMillion;
  };
  readonly targets: readonly TargetCheck[];
}

const KIB = 1024;

/** The targets, checked against a run's figures. */
export function checkTargets(results: Omit<BenchResults, 'targets'>): TargetCheck[] {
  const { warm, io, coldStart } = results;
  const bundleTargets = (['finishSession', 'recoverPublicToken'] as const).map((name) => ({
    id: `bundle-size-${name}`,
    description: `${name} bundle, minified`,
    target: '≤ 450 KiB (460,800 bytes)',
    measured: coldStart.sizes[name].minifiedBytes,
    met: coldStart.sizes[name].minifiedBytes <= 450 * KIB,
  }));
  const coldTargets = (['finishSession', 'recoverPublicToken'] as const).map((name) => ({
    id: `cold-start-${name}`,
    description: `${name} load + first invoke over the clients-only reference`,
    target: '≤ 1.3×',
    measured: coldStart.ratioToReference[name],
    met: coldStart.ratioToReference[name] <= 1.3,
  }));
  return [
    {
      id: 'warm-p50-ratio',
      description: 'finishSession warm p50 over the bare reference',
      target: '≤ 1.10',
      measured: warm.p50Ratio,
      met: warm.p50Ratio <= 1.1,
    },
    {
      id: 'warm-added-p99',
      description: 'finishSession warm p99 minus the reference p99 (ms)',
      target: '≤ 2 ms',
      measured: warm.addedP99Ms,
      met: warm.addedP99Ms <= 2,
    },
    {
      id: 'secrets-manager-reads',
      description: 'Secrets Manager reads per 1,000 warm invocations within the TTL',
      target: '≤ 1',
      measured: io.secretsManager.reads,
      met: io.secretsManager.reads <= 1,
    },
    ...bundleTargets,
    ...coldTargets,
  ];
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const bytes = (value: number) => `${value.toLocaleString('en-US')} B (${(value / KIB).toFixed(1)} KiB)`;
const usd = (value: number) => `$${value.toFixed(4)}`;

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
      return index === 0 ? `${line}\n${widths.map((width) => '-'.repeat(width)).join('  ')}` : line;
    })
    .join('\n');
}

function operations(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([operation, count]) => `${operation} ${count}`).join(', ');
}

/** The table printed on stdout. */
export function formatReport(results: BenchResults): string {
  const { warm, io, coldStart, cost, machine } = results;
  const sections: string[] = [];
  sections.push(
    `Benchmark (${results.mode}) — ${results.date} — ${machine.cpuModel}, ${machine.cores} cores, ` +
      `${machine.memoryGiB} GiB, load ${machine.loadAverageAtStart}→${machine.loadAverageAtEnd}; ` +
      `Node ${results.node.bench} (bench), ${results.node.coldStart} (cold start); ${results.durationSeconds} s`,
  );
  sections.push(
    `\n1. Warm finishSession: full handler vs bare reference (interleaved, ${warm.full.count} + ${warm.reference.count} invocations${warm.stoppedByTimeBudget ? ', stopped early by the time budget' : ''})\n` +
      table([
        ['', 'p50', 'p90', 'p99', 'mean'],
        ['full handler', ms(warm.full.p50), ms(warm.full.p90), ms(warm.full.p99), ms(warm.full.mean)],
        [
          'bare reference',
          ms(warm.reference.p50),
          ms(warm.reference.p90),
          ms(warm.reference.p99),
          ms(warm.reference.mean),
        ],
      ]) +
      `\np50 ratio ${warm.p50Ratio.toFixed(3)} (target ≤ 1.10); added p50 ${ms(warm.addedP50Ms)}; ` +
      `added p99 ${ms(warm.addedP99Ms)} (target ≤ 2 ms)\n` +
      (warm.referenceParity.sameTokenAttributes
        ? ''
        : `WARNING: the reference no longer stores what the handler stores (handler: ${warm.referenceParity.handlerAttributes.join(', ')}; ` +
          `reference: ${warm.referenceParity.referenceAttributes.join(', ')}): update bench/bare-finish.ts\n`) +
      `CPU time per invocation (this process, local servers included): full ${ms(warm.cpuMs.full)}, ` +
      `reference ${ms(warm.cpuMs.reference)}, added ${ms(warm.cpuMs.added)}`,
  );
  const sizeRows = (Object.keys(coldStart.timings) as (keyof typeof coldStart.timings)[]).map((timed) => {
    const size = coldStart.sizes[timed === 'finishSessionWithoutNodeOptions' ? 'finishSession' : timed];
    const timing = coldStart.timings[timed];
    return [
      timed === 'finishSessionWithoutNodeOptions' ? 'finishSession, no NODE_OPTIONS' : timed,
      bytes(size.minifiedBytes),
      bytes(size.gzippedBytes),
      ms(timing.medianLoadMs),
      ms(timing.medianFirstInvokeMs),
      ms(timing.medianLoadAndInvokeMs),
      String(timing.runs),
    ];
  });
  const { gap } = coldStart;
  sections.push(
    `\n2. Cold start (fresh Node ${coldStart.nodeVersion} process per run, NODE_OPTIONS=${coldStart.nodeOptions ?? ''})\n` +
      table([
        ['bundle', 'minified', 'gzip -9', 'load', 'first invoke', 'load + invoke (median)', 'runs'],
        ...sizeRows,
      ]) +
      `\nload + first invoke over the clients-only reference: finishSession ${coldStart.ratioToReference.finishSession.toFixed(2)}×, ` +
      `recoverPublicToken ${coldStart.ratioToReference.recoverPublicToken.toFixed(2)}× (target ≤ 1.3×); ` +
      `finishSession over the reference with the same requests: ${coldStart.finishRatioToReferenceWithRequests.toFixed(2)}×\n` +
      `finishSession's ${ms(gap.totalMs)} over the clients-only reference: ${ms(gap.extraLoadMs)} loading Powertools, ` +
      `middy, zod and the handler; ${ms(gap.firstRequestsFloorMs)} for the first requests themselves (the reference ` +
      `with the same requests); ${ms(gap.handlerFirstInvokeOverheadMs)} of handler code on the first invocation`,
  );
  const profile = coldStart.profiles.finishSession;
  if (profile !== undefined) {
    const reference = coldStart.profiles.reference;
    const withRequests = coldStart.profiles.referenceWithRequests;
    const categories = [
      ...new Set([
        ...Object.keys(profile.load.byCategory),
        ...Object.keys(profile.invoke.byCategory),
        ...Object.keys(reference?.load.byCategory ?? {}),
        ...Object.keys(withRequests?.load.byCategory ?? {}),
        ...Object.keys(withRequests?.invoke.byCategory ?? {}),
      ]),
    ];
    const cell = (record: Readonly<Record<string, number>> | undefined, key: string) =>
      record?.[key] === undefined ? '' : `${record[key]?.toFixed(1)}`;
    sections.push(
      `\n   CPU profile, ms of self time per run (sampled, so slower than the timed runs):\n` +
        table([
          [
            'category',
            'finish load',
            'finish 1st invoke',
            'reference load',
            'ref+requests load',
            'ref+requests 1st invoke',
          ],
          ...categories.map((category) => [
            category,
            cell(profile.load.byCategory, category),
            cell(profile.invoke.byCategory, category),
            cell(reference?.load.byCategory, category),
            cell(withRequests?.load.byCategory, category),
            cell(withRequests?.invoke.byCategory, category),
          ]),
          [
            'total sampled',
            profile.load.totalMs.toFixed(1),
            profile.invoke.totalMs.toFixed(1),
            reference?.load.totalMs.toFixed(1) ?? '',
            withRequests?.load.totalMs.toFixed(1) ?? '',
            withRequests?.invoke.totalMs.toFixed(1) ?? '',
          ],
        ]),
    );
  }
  sections.push(
    `\n3. I/O per request\n` +
      table([
        ['request', 'DynamoDB', 'Secrets Manager', 'Human API'],
        ...(
          [
            ['finish (full handler)', io.perFinish],
            ['finish (bare reference)', io.perReferenceFinish],
            ['recovery by clientUserId', io.perRecovery.byClientUserId],
            ['recovery by humanId', io.perRecovery.byHumanId],
            ['recovery with refresh', io.perRecovery.refresh],
          ] as const
        ).map(([name, counts]) => [
          name,
          `${counts.dynamoDb.total} (${operations(counts.dynamoDb.byOperation)})`,
          String(counts.secretsManager),
          String(counts.humanApi),
        ]),
      ]) +
      `\nSecrets Manager reads in the first ${io.secretsManager.invocations} warm invocations (TTL ${io.secretsManager.ttlSeconds} s): ` +
      `${io.secretsManager.reads} (target 1 per 1,000)`,
  );
  const costRows = (name: string, figures: CostPerMillion) => [
    name,
    usd(figures.lambdaDuration),
    usd(figures.lambdaRequests),
    usd(figures.httpApi),
    usd(figures.dynamoDb),
    usd(figures.secretsManager),
    usd(figures.total),
  ];
  sections.push(
    `\n4. Cost per million (${cost.prices.region} prices as of ${cost.prices.asOf}; Lambda ${cost.architecture}, ${cost.memoryMb} MB)\n` +
      table([
        ['', 'Lambda GB-s', 'Lambda requests', 'HTTP API', 'DynamoDB', 'Secrets Manager', 'total'],
        costRows(
          `sign-ins (${cost.perMillionSignIns.inputs.billedDurationMs} ms billed, ${cost.perMillionSignIns.inputs.requestUnits.writeUnits} WRU)`,
          cost.perMillionSignIns,
        ),
        costRows(
          `recoveries (${cost.perMillionRecoveries.inputs.billedDurationMs} ms billed, ${cost.perMillionRecoveries.inputs.requestUnits.readUnits} RRU)`,
          cost.perMillionRecoveries,
        ),
      ]) +
      `\nPrices: Lambda arm64 $${cost.prices.lambdaArm64PerGbSecond}/GB-s + $${cost.prices.lambdaPerMillionRequests}/M requests; ` +
      `HTTP API $${cost.prices.httpApiPerMillionRequests}/M; DynamoDB on-demand $${cost.prices.dynamoDbOnDemandPerMillionWriteUnits}/M WRU, ` +
      `$${cost.prices.dynamoDbOnDemandPerMillionReadUnits}/M RRU; Secrets Manager $${cost.prices.secretsManagerPer10000Calls}/10,000 calls. ` +
      `Each further 100 ms per invocation adds ${usd(cost.perMillionSignIns.lambdaPerAdditional100Ms)} per million.`,
  );
  sections.push(
    `\nTargets\n${table([
      ['target', 'measured', 'goal', 'met'],
      ...results.targets.map((target) => [
        target.description,
        String(target.measured),
        target.target,
        target.met ? 'yes' : 'NO',
      ]),
    ])}`,
  );
  return sections.join('\n');
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * What is wrong with a results file, if anything: the smoke run's check that
 * the benchmark completed and wrote valid, complete figures.
 *
 * @returns the problems found; empty when the results are valid
 */
export function validateResults(value: unknown): string[] {
  const problems: string[] = [];
  const at = (path: string): unknown =>
    path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
  const positive = [
    'durationSeconds',
    'warm.full.p50',
    'warm.full.p99',
    'warm.reference.p50',
    'warm.reference.p99',
    'warm.p50Ratio',
    'io.perFinish.dynamoDb.total',
    'io.perRecovery.byClientUserId.dynamoDb.total',
    'coldStart.sizes.finishSession.minifiedBytes',
    'coldStart.sizes.finishSession.gzippedBytes',
    'coldStart.sizes.recoverPublicToken.minifiedBytes',
    'coldStart.sizes.reference.minifiedBytes',
    'coldStart.timings.finishSession.medianLoadAndInvokeMs',
    'coldStart.timings.recoverPublicToken.medianLoadAndInvokeMs',
    'coldStart.timings.reference.medianLoadAndInvokeMs',
    'coldStart.timings.referenceWithRequests.medianLoadAndInvokeMs',
    'coldStart.timings.finishSessionWithoutNodeOptions.medianLoadAndInvokeMs',
    'warm.cpuMs.full',
    'warm.cpuMs.reference',
    'coldStart.ratioToReference.finishSession',
    'coldStart.ratioToReference.recoverPublicToken',
    'cost.memoryMb',
    'cost.perMillionSignIns.total',
    'cost.perMillionRecoveries.total',
    'machine.cores',
  ];
  for (const path of positive) {
    const field = at(path);
    if (!isFiniteNumber(field) || field <= 0)
      problems.push(`${path} is ${JSON.stringify(field)}, not a positive number`);
  }
  for (const path of ['warm.addedP99Ms', 'warm.cpuMs.added', 'io.secretsManager.reads', 'coldStart.gap.totalMs']) {
    if (!isFiniteNumber(at(path))) problems.push(`${path} is not a number`);
  }
  for (const path of ['date', 'machine.cpuModel', 'node.bench', 'node.coldStart', 'cost.prices.asOf']) {
    if (typeof at(path) !== 'string' || at(path) === '') problems.push(`${path} is not a non-empty string`);
  }
  if (at('warm.referenceParity.sameTokenAttributes') !== true) {
    problems.push('the bare reference no longer stores the attributes the handler stores: update bench/bare-finish.ts');
  }
  const targets = at('targets');
  if (!Array.isArray(targets) || targets.length === 0) problems.push('targets is not a non-empty list');
  return problems;
}
