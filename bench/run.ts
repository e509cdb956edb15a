/**
 * `npm run bench`: warm overhead, cold start, I/O per request and cost of the
 * two functions, against their floors, in one run on loopback only.
 *
 * Starts local mode in this process (dynalite, secret store, Human API
 * sandbox, the handler modules), measures, prints a table, and writes the
 * figures to `bench/results.json`.
 *
 * `BENCH_SMOKE=1 npm run bench` (or `npm run bench -- --smoke`) runs a few
 * iterations of everything for CI, writes `bench/results.smoke.json` instead
 * (never the figures of record), and exits non-zero unless it completed and
 * the file it wrote holds valid, complete results.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDynamoDbClient } from '../functions/adapters/aws-clients.js';
import { DEFAULT_HUMANAPI_TIMEOUT_MS, DEFAULT_SECRET_TTL_SECONDS } from '../functions/commons/config.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/observability.js';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import type { HttpApiHandler } from '../local/lambda-adapter.js';
import { startLocalMode } from '../local/server.js';
import { IN_MEMORY_FLAG, readLocalSettings } from '../local/settings.js';
import { measureColdStart, nodeVersionOf } from './cold-start.js';
import { costPerMillion, finishRequestUnits, PRICES, recoveryRequestUnits } from './cost.js';
import { describeMachine, loadAverage } from './machine.js';
import { type BenchResults, checkTargets, formatReport, validateResults } from './report.js';
import { round } from './stats.js';
import { measureWarmOverhead } from './warm-overhead.js';

const ROOT = resolve(import.meta.dirname, '..');

/** How much of everything a run does. */
interface Settings {
  readonly warmPairs: number;
  readonly warmupPairs: number;
  readonly warmTimeBudgetMs: number;
  readonly recoveries: number;
  readonly coldRuns: number;
  readonly profiledRuns: number;
  readonly coldTimeBudgetMs: number;
  readonly output: string;
}

const FULL: Settings = {
  warmPairs: 2000,
  warmupPairs: 300,
  warmTimeBudgetMs: 150_000,
  recoveries: 200,
  coldRuns: 21,
  profiledRuns: 3,
  coldTimeBudgetMs: 100_000,
  output: join(ROOT, 'bench', 'results.json'),
};

const SMOKE: Settings = {
  warmPairs: 30,
  warmupPairs: 5,
  warmTimeBudgetMs: 20_000,
  recoveries: 3,
  coldRuns: 2,
  profiledRuns: 1,
  coldTimeBudgetMs: 30_000,
  output: join(ROOT, 'bench', 'results.smoke.json'),
};

/** Variables that would point the handlers away from the local sandbox, or change what is measured. */
const IGNORED_VARIABLES = [
  'HUMANAPI_BASE_URL',
  'HUMANAPI_CLIENT_ID',
  'HUMANAPI_CLIENT_SECRET',
  'HUMANAPI_SECRET_ID',
  'HUMANAPI_TIMEOUT_MS',
  'TOKENS_TABLE_NAME',
  'IDEMPOTENCY_TABLE_NAME',
  'JWT_USER_CLAIM',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
  'AUTH_CLAIM',
  'CORS_ALLOW_ORIGINS',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_DEV',
  'AWS_LAMBDA_LOG_LEVEL',
  'LOG_LEVEL',
  'NODE_OPTIONS',
];

/** A Node.js 24 binary for the cold-start processes: this one when it is 24, else the project's. */
function nodeBinary(): string {
  return process.versions.node.startsWith('24.') ? process.execPath : join(ROOT, 'node_modules', '.bin', 'node');
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`local mode did not set ${name}`);
  return value;
}

async function main(): Promise<number> {
  const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const settings = smoke ? SMOKE : FULL;
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = describeMachine();

  // Local mode only, on free loopback ports, in memory; handlers read this environment at import.
  for (const variable of IGNORED_VARIABLES) delete process.env[variable];
  Object.assign(process.env, { PORT: '0', WEB_PORT: '0', SECRET_TTL_SECONDS: String(DEFAULT_SECRET_TTL_SECONDS) });
  const localMode = await startLocalMode({
    env: process.env,
    settings: readLocalSettings(process.env, [IN_MEMORY_FLAG]),
  });
  const sandbox = localMode.sandbox;
  if (sandbox === undefined) throw new Error('local mode started without the Human API sandbox');
  const workDir = mkdtempSync(join(tmpdir(), 'humanapi-connect-bench-'));
  try {
    // The very modules local mode loaded: same instances, same clients and secret cache.
    const finish = (await import('../functions/finish-session.js')) as { handler: HttpApiHandler };
    const recover = (await import('../functions/recover-public-token.js')) as { handler: HttpApiHandler };
    const functionTimeoutMs = functionTimeoutSeconds(DEFAULT_HUMANAPI_TIMEOUT_MS) * 1000;

    process.stdout.write(`Warm overhead: ${settings.warmupPairs} + ${settings.warmPairs} interleaved pairs…\n`);
    const warm = await measureWarmOverhead({
      localMode,
      finishHandler: finish.handler,
      recoverHandler: recover.handler,
      env: process.env,
      createDynamoDbClient,
      pairs: settings.warmPairs,
      warmupPairs: settings.warmupPairs,
      timeBudgetMs: settings.warmTimeBudgetMs,
      seed: 20_250_701,
      recoveries: settings.recoveries,
      functionTimeoutMs,
    });

    // The stack's runtime settings (loaded only now: the CDK library is large).
    const { FUNCTION_BASE_ENVIRONMENT, FUNCTION_DEFAULTS } = await import('../infra/function-defaults.js');
    const memoryMb = FUNCTION_DEFAULTS.memorySize;
    const architecture = FUNCTION_DEFAULTS.architecture.name;

    process.stdout.write(`Cold start: bundling, then ${settings.coldRuns} fresh processes per subject…\n`);
    const coldStart = await measureColdStart({
      workDir,
      nodeBinary: nodeBinary(),
      runs: settings.coldRuns,
      profiledRuns: settings.profiledRuns,
      seed: 20_250_701,
      timeBudgetMs: settings.coldTimeBudgetMs,
      storedClientUserId: 'bench-user-0',
      mintSession: (clientUserId) => sandbox.mintSession(clientUserId),
      functionEnvironment: {
        PATH: process.env.PATH ?? '',
        LANG: 'en_US.UTF-8',
        TZ: ':UTC',
        // What Lambda sets (credentials are fake: the endpoints are local).
        AWS_REGION: requireEnv('AWS_REGION'),
        AWS_DEFAULT_REGION: requireEnv('AWS_REGION'),
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SESSION_TOKEN: 'local',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
        AWS_LAMBDA_LOG_LEVEL: 'INFO',
        // What the stack sets.
        ...FUNCTION_BASE_ENVIRONMENT,
        HUMANAPI_CLIENT_ID: requireEnv('HUMANAPI_CLIENT_ID'),
        HUMANAPI_SECRET_ID: requireEnv('HUMANAPI_SECRET_ID'),
        HUMANAPI_BASE_URL: requireEnv('HUMANAPI_BASE_URL'),
        HUMANAPI_TIMEOUT_MS: String(DEFAULT_HUMANAPI_TIMEOUT_MS),
        TOKENS_TABLE_NAME: requireEnv('TOKENS_TABLE_NAME'),
        IDEMPOTENCY_TABLE_NAME: requireEnv('IDEMPOTENCY_TABLE_NAME'),
        SECRET_TTL_SECONDS: String(DEFAULT_SECRET_TTL_SECONDS),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Where local mode serves DynamoDB and Secrets Manager.
        AWS_ENDPOINT_URL_DYNAMODB: requireEnv('AWS_ENDPOINT_URL_DYNAMODB'),
        AWS_ENDPOINT_URL_SECRETS_MANAGER: requireEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
      },
    });

    const signInUnits = finishRequestUnits(warm.io.perFinish.dynamoDb.byOperation);
    const recoveryUnits = recoveryRequestUnits(warm.io.perRecovery.byClientUserId.dynamoDb.byOperation);
    const { io, ...warmFigures } = warm;
    const partial: Omit<BenchResults, 'targets'> = {
      schemaVersion: 1,
      mode: smoke ? 'smoke' : 'full',
      date,
      durationSeconds: round((performance.now() - started) / 1000, 1),
      machine: { ...machine, loadAverageAtEnd: loadAverage() },
      node: { bench: process.version, coldStart: await nodeVersionOf(nodeBinary()) },
      warm: warmFigures,
      io,
      coldStart,
      cost: {
        prices: PRICES,
        architecture,
        memoryMb,
        perMillionSignIns: costPerMillion({
          memoryMb,
          durationMs: warm.full.mean,
          requestUnits: signInUnits,
          secretsManagerCallsPerInvocation: io.secretsManager.reads / Math.max(1, io.secretsManager.invocations),
        }),
        perMillionRecoveries: costPerMillion({
          memoryMb,
          durationMs: io.recoveryLatency.mean,
          requestUnits: recoveryUnits,
          secretsManagerCallsPerInvocation: io.perRecovery.byClientUserId.secretsManager,
        }),
      },
    };
    const results: BenchResults = { ...partial, targets: checkTargets(partial) };
    writeFileSync(settings.output, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n${formatReport(results)}\n\nWrote ${settings.output}\n`);

    if (smoke) {
      // CI's check: the run completed and what it wrote reads back as complete results.
      const problems = validateResults(JSON.parse(readFileSync(settings.output, 'utf8')));
      for (const problem of problems) process.stderr.write(`invalid results: ${problem}\n`);
      return problems.length === 0 ? 0 : 1;
    }
    return 0;
  } finally {
    await localMode.close();
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
