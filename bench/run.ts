/**
 * `npm run bench`: warm overhead, cold start, I/O per request and cost of the functions,
 * against their references, in one run on loopback only (docs/performance.md).
 * `npm run bench -- --only gateway` runs the data gateway's piece alone (`gateway.ts`) and writes
 * `bench/results.gateway.json`.
 *
 * Local mode runs in its own process (`local-mode-process.ts`); the warm loop in another
 * (`warm-process.ts`), on the deployed bundles; each cold start in a fresh one. Prints a table
 * and writes `bench/results.json`. `BENCH_SMOKE=1 npm run bench` (or `-- --smoke`) runs a few
 * iterations of everything for CI, writes `bench/results.smoke.json` instead, and exits
 * non-zero unless what it wrote reads back as complete results.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_HUMANAPI_TIMEOUT_MS, DEFAULT_SECRET_TTL_SECONDS } from '../functions/commons/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/telemetry.js';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import { FUNCTION_BASE_ENVIRONMENT, FUNCTION_DEFAULTS } from '../infra/function-defaults.js';
import { jsonPostEvent } from '../test/support/api-gateway-event.js';
import { bundlePath, bundleSubjects, measureColdStart, nodeVersionOf, type Subject } from './cold-start.js';
import { costPerMillion, finishRequestUnits, PRICES, recoveryRequestUnits } from './cost.js';
import { formatGatewayReport, type GatewayResult, gatewayTargets, measureGateway } from './gateway.js';
import { gatewayEvent } from './gateway-process.js';
import { type Channel, client, serve, startWithIpc } from './ipc.js';
import { describeMachine, loadAverage } from './machine.js';
import { BURST, measureNotificationsBurst } from './notifications-burst.js';
import { type BenchResults, checkTargets, formatReport, type IoPerInvocation, validateResults } from './report.js';
import { round, summarize } from './stats.js';
import type { WarmSamples } from './warm-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const SEED = 20_250_701;
/** Distinct users the warm loop signs in (returning users overwrite their record, as in production). */
const USER_POOL = 500;

const FULL = { pairs: 2000, warmupPairs: 300, warmBudgetMs: 150_000, ioRuns: 100, recoveries: 100, coldRuns: 21 };
const SMOKE = { pairs: 30, warmupPairs: 5, warmBudgetMs: 20_000, ioRuns: 5, recoveries: 3, coldRuns: 2 };

/** Variables that would point local mode away from its sandbox, or change what is measured. */
const IGNORED_VARIABLES =
  /^(HUMANAPI_|AUTH_|JWT_|CORS_|POWERTOOLS_|AWS_|LOG_LEVEL$|NODE_OPTIONS$|TOKENS_|IDEMPOTENCY_)/;

/** A Node.js 24 binary for the measured processes: this one when it is 24, else the project's. */
function nodeBinary(): string {
  return process.versions.node.startsWith('24.') ? process.execPath : join(ROOT, 'node_modules', '.bin', 'node');
}

async function main(): Promise<number> {
  const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const onlyGateway = process.argv.includes('gateway') && process.argv.includes('--only');
  const settings = smoke ? SMOKE : FULL;
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = describeMachine();
  const workDir = mkdtempSync(join(tmpdir(), 'humanapi-connect-bench-'));

  const localEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', WEB_PORT: '0' };
  for (const [name, value] of Object.entries(process.env)) if (!IGNORED_VARIABLES.test(name)) localEnv[name] ??= value;
  Object.assign(localEnv, { SECRET_TTL_SECONDS: String(DEFAULT_SECRET_TTL_SECONDS), POWERTOOLS_LOG_LEVEL: 'SILENT' });
  const localProcess = await startWithIpc(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/local-mode-process.ts')],
    localEnv,
  );
  const local = client(localProcess);
  let warmProcess: (ChildProcess & Channel) | undefined;
  try {
    const env = (await local('env')) as Record<string, string | undefined>;
    const need = (name: string) => {
      const value = env[name];
      if (value === undefined || value === '') throw new Error(`local mode did not set ${name}`);
      return value;
    };
    const mint = async (clientUserIds: string[]) => (await local('mint', clientUserIds)) as object[];
    const counters = async () => (await local('counters')) as Record<string, number>;

    process.stdout.write('Bundling the subjects…\n');
    const sizes = await bundleSubjects(workDir);
    const functionEnvironment: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      // What Lambda sets (credentials are fake: the endpoints are local).
      AWS_REGION: need('AWS_REGION'),
      AWS_DEFAULT_REGION: need('AWS_REGION'),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(FUNCTION_DEFAULTS.memorySize),
      AWS_LAMBDA_LOG_FORMAT: 'JSON',
      AWS_LAMBDA_LOG_LEVEL: 'INFO',
      // What the stack sets.
      ...FUNCTION_BASE_ENVIRONMENT,
      HUMANAPI_CLIENT_ID: need('HUMANAPI_CLIENT_ID'),
      HUMANAPI_SECRET_ID: need('HUMANAPI_SECRET_ID'),
      HUMANAPI_BASE_URL: need('HUMANAPI_BASE_URL'),
      // The data gateway's: it mints with the auth service and reads the data API.
      HUMANAPI_AUTH_BASE_URL: need('HUMANAPI_AUTH_BASE_URL'),
      HUMANAPI_DATA_BASE_URL: need('HUMANAPI_DATA_BASE_URL'),
      HUMANAPI_TIMEOUT_MS: String(DEFAULT_HUMANAPI_TIMEOUT_MS),
      TOKENS_TABLE_NAME: need('TOKENS_TABLE_NAME'),
      IDEMPOTENCY_TABLE_NAME: need('IDEMPOTENCY_TABLE_NAME'),
      SECRET_TTL_SECONDS: String(DEFAULT_SECRET_TTL_SECONDS),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      AWS_ENDPOINT_URL_DYNAMODB: need('AWS_ENDPOINT_URL_DYNAMODB'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: need('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
      AWS_ENDPOINT_URL_KMS: need('AWS_ENDPOINT_URL_KMS'),
      AWS_ENDPOINT_URL_SQS: need('AWS_ENDPOINT_URL_SQS'),
      TOKEN_KEY_ID: need('TOKEN_KEY_ID'),
      OUTBOX_QUEUE_URL: need('OUTBOX_QUEUE_URL'),
      // Active tracing as Lambda runs it: the X-Ray SDK's Lambda mode (LAMBDA_TASK_ROOT), a sampled
      // trace, its subsegments sent over UDP to a daemon address (loopback, nothing listening).
      LAMBDA_TASK_ROOT: workDir,
      _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
    };

    let sequence = 0;
    const eventFor = async (subject: Subject): Promise<APIGatewayProxyEventV2> => {
      if (subject === 'recoverPublicToken' || subject === 'recoverFloor') {
        return jsonPostEvent('POST /public-tokens', { clientUserId: 'bench-user-0' });
      }
      sequence += 1;
      const [session] = await mint([`cold-user-${sequence}`]);
      return jsonPostEvent('POST /sessions', session);
    };
    const coldOptions = {
      workDir,
      nodeBinary: nodeBinary(),
      runs: settings.coldRuns,
      seed: SEED,
      timeBudgetMs: 120_000,
      functionEnvironment,
    };
    const functionTimeoutMs = functionTimeoutSeconds(DEFAULT_HUMANAPI_TIMEOUT_MS) * 1000;
    const gatewayPiece = async (): Promise<GatewayResult> => {
      process.stdout.write(`Data gateway: ${settings.warmupPairs} + ${settings.pairs} pairs, then cold starts…\n`);
      return measureGateway(
        {
          pairs: settings.pairs,
          warmupPairs: settings.warmupPairs,
          timeBudgetMs: settings.warmBudgetMs,
          functionTimeoutMs,
          local,
          // Its audit line and metrics are written for every read, as in Lambda, and not shown.
          startProcess: (script, processEnv) => startWithIpc(nodeBinary(), [script], processEnv, { quiet: true }),
          functionEnvironment,
          cold: { ...coldOptions, eventFor },
        },
        gatewayEvent,
      );
    };
    if (onlyGateway) {
      const gateway = await gatewayPiece();
      const targets = gatewayTargets(gateway);
      const output = join(ROOT, 'bench', smoke ? 'results.gateway.smoke.json' : 'results.gateway.json');
      const results = {
        schemaVersion: 1,
        mode: smoke ? 'smoke' : 'full',
        date,
        durationSeconds: round((performance.now() - started) / 1000, 1),
        machine: { ...machine, loadAverageAtEnd: loadAverage() },
        node: await nodeVersionOf(nodeBinary()),
        bundleBytes: sizes.humanData.minifiedBytes,
        gateway,
        targets,
      };
      writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
      process.stdout.write(`${formatGatewayReport(gateway, targets)}\n\nWrote ${output}\n`);
      return gateway.warm.gateway.count > 0 ? 0 : 1;
    }

    // Warm: the handler process gets pre-minted sessions; marks snapshot local mode's counters.
    const total = settings.warmupPairs + settings.pairs;
    const pool = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => `${prefix}-${index % USER_POOL}`);
    const sessions = {
      full: await mint(pool('bench-user', total)),
      reference: await mint(pool('bench-reference', total)),
      io: await mint(pool('bench-io', settings.ioRuns)),
    };
    process.stdout.write(`Warm: ${settings.warmupPairs} + ${settings.pairs} interleaved pairs in a handler process…\n`);
    warmProcess = await startWithIpc(nodeBinary(), [bundlePath(workDir, 'warm-process')], {
      ...functionEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: 'finishSession',
    });
    const marks = new Map<string, Record<string, number>>();
    serve(warmProcess, { mark: async (label) => void marks.set(String(label), await counters()) });
    const samples = (await client(warmProcess)('start', {
      bundles: {
        finish: bundlePath(workDir, 'finishSession'),
        recover: bundlePath(workDir, 'recoverPublicToken'),
        reference: bundlePath(workDir, 'sdkReference'),
      },
      sessions,
      warmupPairs: settings.warmupPairs,
      timeBudgetMs: settings.warmBudgetMs,
      seed: SEED,
      recoveries: settings.recoveries,
      functionTimeoutMs,
    })) as WarmSamples;
    const perInvocation = (label: string, invocations: number): IoPerInvocation => {
      const before = marks.get(label) ?? {};
      const after = marks.get(`${label}-end`) ?? {};
      const requests: Record<string, number> = {};
      for (const [name, value] of Object.entries(after)) {
        const delta = value - (before[name] ?? 0);
        if (delta !== 0) requests[name] = round(delta / Math.max(1, invocations));
      }
      return { invocations, requests };
    };
    const recoveries = samples.recoveryMs.length;
    const loopPairs = samples.full.length + settings.warmupPairs;
    const io: BenchResults['io'] = {
      secretReadsInLoop: (marks.get('loop-end')?.SecretsManager ?? 0) - (marks.get('loop')?.SecretsManager ?? 0),
      finishInvocationsInLoop: loopPairs,
      secretTtlSeconds: DEFAULT_SECRET_TTL_SECONDS,
      perFinish: perInvocation('finish', settings.ioRuns),
      perRecovery: {
        byClientUserId: perInvocation('byClientUserId', recoveries),
        byHumanId: perInvocation('byHumanId', recoveries),
        refresh: perInvocation('refresh', recoveries),
      },
      recoveryLatency: summarize(samples.recoveryMs),
    };
    const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const full = summarize(samples.full.map((sample) => sample.ms));
    const reference = summarize(samples.reference.map((sample) => sample.ms));
    const cpuFull = mean(samples.full.map((sample) => sample.cpuMs));
    const cpuReference = mean(samples.reference.map((sample) => sample.cpuMs));
    const [handlerAttributes, referenceAttributes] = (await Promise.all([
      // A user only the handler's I/O phase stored (the loop's users are recovered with a refresh).
      local('attributes', 'bench-io-0'),
      local('attributes', 'bench-reference-0'),
    ])) as [string[], string[]];

    process.stdout.write(`Cold start: ${settings.coldRuns} fresh processes per subject, interleaved…\n`);
    const coldStart = await measureColdStart(
      {
        ...coldOptions,
        eventFor: (subject) => {
          if (subject === 'humanData' || subject === 'gatewayFloor') throw new Error(`${subject} is the gateway's`);
          return eventFor(subject);
        },
      },
      sizes,
    );
    const gateway = await gatewayPiece();

    // Last, on its own local mode: nothing else runs meanwhile.
    const burst = smoke ? BURST.smoke : BURST.full;
    process.stdout.write(
      `Notifications: ${burst.posts} from ${burst.senders} concurrent senders against local mode…\n`,
    );
    const notifications = await measureNotificationsBurst(burst);

    const operations = (perInvocationIo: IoPerInvocation) =>
      Object.fromEntries(
        Object.entries(perInvocationIo.requests)
          .filter(([name]) => name.startsWith('DynamoDB.'))
          .map(([name, value]) => [name.slice('DynamoDB.'.length), value]),
      );
    const memoryMb = FUNCTION_DEFAULTS.memorySize;
    const partial: Omit<BenchResults, 'targets'> = {
      schemaVersion: 2,
      mode: smoke ? 'smoke' : 'full',
      date,
      durationSeconds: round((performance.now() - started) / 1000, 1),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      node: await nodeVersionOf(nodeBinary()),
      warm: {
        full,
        reference,
        p50Ratio: round(full.p50 / reference.p50),
        addedP99Ms: round(full.p99 - reference.p99),
        cpuMs: { full: round(cpuFull), reference: round(cpuReference), ratio: round(cpuFull / cpuReference) },
        stoppedByTimeBudget: samples.stoppedByTimeBudget,
        referenceParity: { handlerAttributes, referenceAttributes },
      },
      io,
      coldStart,
      gateway,
      notifications,
      cost: {
        prices: PRICES,
        architecture: FUNCTION_DEFAULTS.architecture.name,
        memoryMb,
        perMillionSignIns: costPerMillion({
          memoryMb,
          durationMs: full.mean,
          requestUnits: finishRequestUnits(operations(io.perFinish)),
          secretsManagerCallsPerInvocation: io.secretReadsInLoop / Math.max(1, loopPairs),
        }),
        perMillionRecoveries: costPerMillion({
          memoryMb,
          durationMs: io.recoveryLatency.mean,
          requestUnits: recoveryRequestUnits(operations(io.perRecovery.byClientUserId)),
          secretsManagerCallsPerInvocation: io.perRecovery.byClientUserId.requests.SecretsManager ?? 0,
        }),
      },
    };
    const results: BenchResults = { ...partial, targets: [...checkTargets(partial), ...gatewayTargets(gateway)] };
    const output = join(ROOT, 'bench', smoke ? 'results.smoke.json' : 'results.json');
    writeFileSync(output, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n${formatReport(results)}\n\nWrote ${output}\n`);
    // CI's check: the run completed and what it wrote reads back as complete results.
    const problems = validateResults(JSON.parse(readFileSync(output, 'utf8')));
    for (const problem of problems) process.stderr.write(`invalid results: ${problem}\n`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    warmProcess?.kill();
    localProcess.kill();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
