/**
 * The data gateway's piece of the benchmark (docs/performance.md#the-data-gateway), side by side
 * in one run: its warm added latency over a direct call to the same data API sandbox endpoint with
 * the token already in hand (`gateway-process.ts`), the KMS decrypts its token cache lets through,
 * and its cold start against its floor, timed interleaved with finishSession and its floor so the
 * two ratios compare. Run alone with `npm run bench -- --only gateway`.
 */
import type { ChildProcess } from 'node:child_process';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { bundlePath, type ColdStartOptions, type ColdStartTimings, timeColdStarts } from './cold-start.js';
import type { GatewaySamples } from './gateway-process.js';
import { type Channel, client } from './ipc.js';
import { type LatencySummary, round, summarize } from './stats.js';
import { atMost, type TargetCheck } from './targets.js';

/** The endpoint and query read in the warm loop: a page of 50 days, the data API's default size. */
const PATH = 'activities/summaries';
const QUERY = 'limit=50';
/** Users read in turn in the warm loop: one instance keeps each one's token for 5 minutes. */
const USERS = 20;
/** The cold subjects: the gateway and its floor, beside finishSession and its floor. */
const COLD = ['finishSession', 'floor', 'humanData', 'gatewayFloor'] as const;

/** What the gateway's piece measured. */
export interface GatewayResult {
  readonly warm: {
    readonly gateway: LatencySummary;
    readonly direct: LatencySummary;
    /** Gateway minus direct, at each percentile. */
    readonly addedP50Ms: number;
    readonly addedP99Ms: number;
    /** Mean CPU time per invocation in the handler process. */
    readonly cpuMs: { readonly gateway: number; readonly direct: number };
    /** Whether each page the gateway answered was the very text of the direct call's. */
    readonly identicalBodies: boolean;
    readonly stoppedByTimeBudget: boolean;
    readonly users: number;
    /** KMS `Decrypt` requests during the whole loop, warm-up included (one instance). */
    readonly kmsDecryptsInLoop: number;
    readonly invocationsInLoop: number;
  };
  readonly coldStart: {
    readonly timings: Readonly<Record<(typeof COLD)[number], ColdStartTimings>>;
    readonly gatewayToFloor: number;
    readonly finishToFloor: number;
  };
}

/** Settings of {@link measureGateway}. */
export interface GatewayBenchOptions {
  readonly pairs: number;
  readonly warmupPairs: number;
  readonly timeBudgetMs: number;
  readonly functionTimeoutMs: number;
  /** Local mode's IPC client (`local-mode-process.ts`). */
  readonly local: (type: string, payload?: unknown) => Promise<unknown>;
  /** Starts a bundled process with an IPC channel (the warm process). */
  readonly startProcess: (script: string, env: NodeJS.ProcessEnv) => Promise<ChildProcess & Channel>;
  /** The functions' environment (the warm process's too). */
  readonly functionEnvironment: Readonly<Record<string, string>>;
  /** What the cold starts take, but the event, which this piece writes for its subjects. */
  readonly cold: Omit<ColdStartOptions, 'eventFor'> & {
    readonly eventFor: (subject: 'finishSession' | 'floor') => Promise<APIGatewayProxyEventV2>;
  };
}

/** The event of a gateway read: a user's page, as API Gateway hands it (`gateway-process.ts`). */
export type GatewayEventOf = (clientUserId: string, path: string, query: string) => APIGatewayProxyEventV2;

/** Measures the gateway: warm pairs, then cold starts. */
export async function measureGateway(options: GatewayBenchOptions, eventOf: GatewayEventOf): Promise<GatewayResult> {
  const { local, cold } = options;
  const ids = Array.from({ length: USERS }, (_, index) => `bench-gateway-${index}`);
  const users = (await local('connect', ids)) as { clientUserId: string; accessToken: string }[];
  const counters = async () => (await local('counters')) as Record<string, number>;
  const dataBaseUrl = options.functionEnvironment.HUMANAPI_DATA_BASE_URL;
  if (dataBaseUrl === undefined) throw new Error('no HUMANAPI_DATA_BASE_URL for the gateway');

  const before = await counters();
  const warmProcess = await options.startProcess(bundlePath(cold.workDir, 'gateway-process'), {
    ...options.functionEnvironment,
    AWS_LAMBDA_FUNCTION_NAME: 'humanData',
  });
  let samples: GatewaySamples;
  try {
    samples = (await client(warmProcess)('start', {
      bundle: bundlePath(cold.workDir, 'humanData'),
      users,
      dataBaseUrl,
      path: PATH,
      query: QUERY,
      warmupPairs: options.warmupPairs,
      pairs: options.pairs,
      timeBudgetMs: options.timeBudgetMs,
      seed: cold.seed,
      functionTimeoutMs: options.functionTimeoutMs,
    })) as GatewaySamples;
  } finally {
    warmProcess.kill();
  }
  const after = await counters();

  let coldUser = 0;
  const timings = await timeColdStarts(
    {
      ...cold,
      eventFor: async (subject) => {
        if (subject === 'finishSession' || subject === 'floor') return cold.eventFor(subject);
        // A first read of a user: the record, a decrypt, and Human API's page.
        coldUser += 1;
        return eventOf(users[coldUser % users.length]?.clientUserId ?? '', PATH, QUERY);
      },
    },
    COLD,
  );

  const gateway = summarize(samples.gateway.map((sample) => sample.ms));
  const direct = summarize(samples.direct.map((sample) => sample.ms));
  const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const sum = (subject: (typeof COLD)[number]) => timings[subject].medianLoadAndInvokeMs;
  return {
    warm: {
      gateway,
      direct,
      addedP50Ms: round(gateway.p50 - direct.p50),
      addedP99Ms: round(gateway.p99 - direct.p99),
      cpuMs: {
        gateway: round(mean(samples.gateway.map((sample) => sample.cpuMs))),
        direct: round(mean(samples.direct.map((sample) => sample.cpuMs))),
      },
      identicalBodies: samples.identicalBodies,
      stoppedByTimeBudget: samples.stoppedByTimeBudget,
      users: users.length,
      kmsDecryptsInLoop: (after['KMS.Decrypt'] ?? 0) - (before['KMS.Decrypt'] ?? 0),
      invocationsInLoop: samples.gateway.length + options.warmupPairs,
    },
    coldStart: {
      timings,
      gatewayToFloor: round(sum('humanData') / sum('gatewayFloor')),
      finishToFloor: round(sum('finishSession') / sum('floor')),
    },
  };
}

/** The targets for the gateway, each with the run's figure. */
export function gatewayTargets(result: GatewayResult): TargetCheck[] {
  return [
    atMost('gateway-added-p50', 'gateway added p50 over a direct call ≤ 3 ms', result.warm.addedP50Ms, 3),
    atMost('gateway-added-p99', 'gateway added p99 over a direct call ≤ 10 ms', result.warm.addedP99Ms, 10),
    atMost(
      'gateway-kms-decrypts',
      `KMS decrypts in the warm loop ≤ 1 per user (${result.warm.users} users, one instance, < 5 min)`,
      result.warm.kmsDecryptsInLoop,
      result.warm.users,
    ),
    atMost(
      'gateway-cold-over-floor',
      `humanData load + first invoke over gatewayFloor ≤ finishSession over floor (${result.coldStart.finishToFloor}×)`,
      result.coldStart.gatewayToFloor,
      result.coldStart.finishToFloor,
    ),
    atMost(
      'gateway-identical-bodies',
      'pages answered as they came (0: every one identical)',
      result.warm.identicalBodies ? 0 : 1,
      0,
    ),
  ];
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The gateway's lines of the printed report. */
export function formatGatewayReport(result: GatewayResult, targets: readonly TargetCheck[]): string {
  const { warm, coldStart } = result;
  return [
    `\nData gateway, warm (handler process only; ${warm.gateway.count} pairs, ${warm.users} users)`,
    `  gateway  p50 ${ms(warm.gateway.p50)}  p99 ${ms(warm.gateway.p99)}  CPU ${ms(warm.cpuMs.gateway)}`,
    `  direct   p50 ${ms(warm.direct.p50)}  p99 ${ms(warm.direct.p99)}  CPU ${ms(warm.cpuMs.direct)}`,
    `  added    p50 ${ms(warm.addedP50Ms)}  p99 ${ms(warm.addedP99Ms)}; KMS decrypts ${warm.kmsDecryptsInLoop} in ${warm.invocationsInLoop} reads`,
    `Data gateway, cold (medians of load + first invoke)`,
    ...Object.entries(coldStart.timings).map(
      ([subject, timing]) => `  ${subject.padEnd(14)} ${ms(timing.medianLoadAndInvokeMs)} (${timing.runs} runs)`,
    ),
    `  humanData/gatewayFloor ${coldStart.gatewayToFloor}×, finishSession/floor ${coldStart.finishToFloor}×`,
    ...targets.map((target) => `  ${target.met ? 'met ' : 'GAP '} ${target.target}: ${target.measured}`),
  ].join('\n');
}
