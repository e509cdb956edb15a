/**
 * Warm overhead of `finishSession` and I/O per request, in one process.
 *
 * The full handler (middy, zod, Powertools Idempotency, logger, secret cache)
 * and the bare reference (`bare-finish.ts`: the same downstream requests,
 * nothing else) run against the same local mode (dynalite, Human API
 * sandbox), interleaved pair by pair in a seeded random order, so drift of
 * the machine hits both alike. Each invocation gets a session minted outside
 * the timed region. DynamoDB, Secrets Manager and Human API requests are
 * counted per invocation from the local mode's own counters (invocations run
 * one at a time, so a counter's change belongs to the invocation around it).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseClientSecret } from '../functions/adapters/client-secret.js';
import { createLambdaContext, type HttpApiHandler } from '../local/lambda-adapter.js';
import { jsonPostEvent } from '../test/support/api-gateway-event.js';
import { createBareFinish } from './bare-finish.js';
import { createRandom, type LatencySummary, round, summarize } from './stats.js';

/** The parts of a running local mode the benchmark reads (see `local/server.ts`). */
export interface BenchLocalMode {
  readonly dynamoDb: {
    readonly endpoint: string;
    readonly requestCounts: Readonly<Record<string, number>>;
    readItem(tableName: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined>;
  };
  readonly secretStore: { readonly reads: number; getSecretValue(secretId: string): string | undefined };
  readonly sandbox:
    | {
        readonly exchangeCalls: number;
        mintSession(clientUserId: string): { humanId: string; clientId: string; sessionToken: string; userId: string };
      }
    | undefined;
}

/** Settings of {@link measureWarmOverhead}. */
export interface WarmOverheadOptions {
  readonly localMode: BenchLocalMode;
  /** The `finishSession` handler module's `handler`. */
  readonly finishHandler: HttpApiHandler;
  /** The `recoverPublicToken` handler module's `handler`. */
  readonly recoverHandler: HttpApiHandler;
  /** The environment the handlers were configured from (`process.env` after local mode started). */
  readonly env: NodeJS.ProcessEnv;
  /** DynamoDB client for the reference, created like the handler's. */
  readonly createDynamoDbClient: () => import('@aws-sdk/client-dynamodb').DynamoDBClient;
  /** Measured pairs (one full and one reference invocation each). */
  readonly pairs: number;
  /** Pairs run first and not measured (JIT, connection pools). */
  readonly warmupPairs: number;
  /** The measured loop stops early once this much time has passed. */
  readonly timeBudgetMs: number;
  /** Seed of the interleaving order. */
  readonly seed: number;
  /** Recoveries per variant counted for I/O. */
  readonly recoveries: number;
  /** Lambda time budget the handlers see, in milliseconds. */
  readonly functionTimeoutMs: number;
}

/** Requests to one service, per operation, averaged per invocation. */
export interface RequestsPerInvocation {
  /** Mean requests per invocation, all operations. */
  readonly total: number;
  /** Mean requests per invocation, by operation (`PutItem`, `UpdateItem`, …). */
  readonly byOperation: Readonly<Record<string, number>>;
}

/** Downstream requests of one kind of invocation, averaged per invocation. */
export interface IoPerInvocation {
  /** Invocations counted. */
  readonly invocations: number;
  readonly dynamoDb: RequestsPerInvocation;
  /** `GetSecretValue` calls per invocation. */
  readonly secretsManager: number;
  /** Calls to Human API's tokens/publictokens endpoints per invocation. */
  readonly humanApi: number;
}

/** What {@link measureWarmOverhead} measured. */
export interface WarmOverheadResult {
  readonly full: LatencySummary;
  readonly reference: LatencySummary;
  /** `full.p50 / reference.p50`. */
  readonly p50Ratio: number;
  /** `full.p99 - reference.p99`, in milliseconds. */
  readonly addedP99Ms: number;
  /** `full.p50 - reference.p50`, in milliseconds. */
  readonly addedP50Ms: number;
  /**
   * Mean CPU time of this process per invocation (user + system), in
   * milliseconds. It includes the local servers' work, which is the same for
   * both, and is less sensitive than latency to other load on the machine.
   */
  readonly cpuMs: { readonly full: number; readonly reference: number; readonly added: number };
  readonly warmupPairs: number;
  readonly seed: number;
  /** `true` when the time budget ended the loop before `pairs`. */
  readonly stoppedByTimeBudget: boolean;
  /**
   * Whether the reference still writes what the handler writes: the
   * attribute names of a token record each stored for a new user. A
   * difference means `bare-finish.ts` lags behind the token store.
   */
  readonly referenceParity: {
    readonly sameTokenAttributes: boolean;
    readonly handlerAttributes: readonly string[];
    readonly referenceAttributes: readonly string[];
  };
  readonly io: {
    readonly secretsManager: {
      /** `GetSecretValue` calls during the first (up to) 1,000 full invocations, warm-up included. */
      readonly reads: number;
      /** Full invocations in that window (1,000 when the run is long enough). */
      readonly invocations: number;
      /** `reads` scaled to 1,000 invocations. */
      readonly readsPer1000Invocations: number;
      /** The secret cache lifetime the handlers ran with. */
      readonly ttlSeconds: number;
    };
    /** Every full `finishSession` invocation, warm-up included. */
    readonly perFinish: IoPerInvocation;
    /** The reference: the same requests when it is a fair floor. */
    readonly perReferenceFinish: IoPerInvocation;
    readonly perRecovery: {
      /** `{ clientUserId }`, record with a publicToken stored: the usual recovery. */
      readonly byClientUserId: IoPerInvocation;
      /** `{ humanId }`: through the `humanId-index` GSI. */
      readonly byHumanId: IoPerInvocation;
      /** `{ clientUserId, refresh: true }`: a fresh publicToken from Human API, stored. */
      readonly refresh: IoPerInvocation;
    };
    /** Latency of the usual recovery, for reference. */
    readonly recoveryLatency: LatencySummary;
  };
}

type Counters = Readonly<Record<string, number>>;

/** One timed invocation. */
interface Sample {
  /** Latency, in milliseconds. */
  readonly elapsed: number;
  /** CPU time of this process meanwhile, in milliseconds. */
  readonly cpuMs: number;
}

const DYNAMODB = 'DynamoDB.';
const SECRETS_MANAGER = 'SecretsManager';
const HUMAN_API = 'HumanApi';
/** Distinct users the loop signs in. */
const USER_POOL = 500;

/**
 * Attributes the change of cumulative counters to the work run inside
 * {@link IoCounter.count}. Invocations run one at a time, so no other
 * request can slip into the window.
 */
class IoCounter {
  readonly #totals: Record<string, number> = {};
  #invocations = 0;

  constructor(private readonly read: () => Counters) {}

  async count<T>(work: () => Promise<T>): Promise<T> {
    const before = this.read();
    const result = await work();
    for (const [name, value] of Object.entries(this.read())) {
      const delta = value - (before[name] ?? 0);
      if (delta !== 0) this.#totals[name] = (this.#totals[name] ?? 0) + delta;
    }
    this.#invocations += 1;
    return result;
  }

  summary(): IoPerInvocation {
    const per = (total: number) => round(total / Math.max(1, this.#invocations));
    const byOperation: Record<string, number> = {};
    let dynamoDbTotal = 0;
    for (const [name, total] of Object.entries(this.#totals).sort(([a], [b]) => a.localeCompare(b))) {
      if (!name.startsWith(DYNAMODB)) continue;
      byOperation[name.slice(DYNAMODB.length)] = per(total);
      dynamoDbTotal += total;
    }
    return {
      invocations: this.#invocations,
      dynamoDb: { total: per(dynamoDbTotal), byOperation },
      secretsManager: per(this.#totals[SECRETS_MANAGER] ?? 0),
      humanApi: per(this.#totals[HUMAN_API] ?? 0),
    };
  }
}

function assertOk(result: APIGatewayProxyStructuredResultV2, what: string): Record<string, unknown> {
  if (result.statusCode !== 200) {
    // Problem bodies carry no tokens or secrets (docs/api.md), so they may be shown.
    throw new Error(`${what} answered ${result.statusCode}: ${result.body ?? ''}`);
  }
  return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
}

function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`local mode did not set ${name}`);
  return value;
}

/** Measures the warm overhead of the full handler against the bare reference, and counts I/O. */
export async function measureWarmOverhead(options: WarmOverheadOptions): Promise<WarmOverheadResult> {
  const { localMode, env, finishHandler, recoverHandler } = options;
  const sandbox = localMode.sandbox;
  if (sandbox === undefined) throw new Error('the benchmark needs the Human API sandbox (HUMANAPI_BASE_URL unset)');

  const secretId = requireEnv(env, 'HUMANAPI_SECRET_ID');
  const clientSecret = parseClientSecret(localMode.secretStore.getSecretValue(secretId) ?? '');
  if (clientSecret === undefined) throw new Error('the local secret store holds no client secret');
  const referenceFinish = createBareFinish({
    dynamoDb: options.createDynamoDbClient(),
    humanApiBaseUrl: requireEnv(env, 'HUMANAPI_BASE_URL'),
    clientSecret: async () => clientSecret,
    tokensTableName: requireEnv(env, 'TOKENS_TABLE_NAME'),
    idempotencyTableName: requireEnv(env, 'IDEMPOTENCY_TABLE_NAME'),
    keyPrefix: 'finishSession.bench',
    expiresAfterSeconds: 3600,
    remainingTimeMs: options.functionTimeoutMs,
  });

  const readCounters = (): Counters => {
    const counters: Record<string, number> = {
      [SECRETS_MANAGER]: localMode.secretStore.reads,
      [HUMAN_API]: sandbox.exchangeCalls,
    };
    for (const [operation, value] of Object.entries(localMode.dynamoDb.requestCounts)) {
      counters[`${DYNAMODB}${operation}`] = value;
    }
    return counters;
  };
  const finishIo = new IoCounter(readCounters);
  const referenceIo = new IoCounter(readCounters);
  const secretReadsAtStart = localMode.secretStore.reads;
  let secretReadsInWindow = 0;
  let fullInvocations = 0;

  const runFull = async (clientUserId: string): Promise<Sample> => {
    const event = jsonPostEvent('POST /sessions', sandbox.mintSession(clientUserId));
    const context = createLambdaContext('finishSession', options.functionTimeoutMs);
    const { elapsed, cpu, answer } = await finishIo.count(async () => {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const result = await finishHandler(event, context);
      return { elapsed: performance.now() - started, cpu: process.cpuUsage(cpuBefore), answer: result };
    });
    assertOk(answer, 'finishSession');
    fullInvocations += 1;
    if (fullInvocations <= 1000) secretReadsInWindow = localMode.secretStore.reads - secretReadsAtStart;
    return { elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const runReference = async (clientUserId: string): Promise<Sample> => {
    const session = sandbox.mintSession(clientUserId);
    const { elapsed, cpu, answer } = await referenceIo.count(async () => {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const result = await referenceFinish(session);
      return { elapsed: performance.now() - started, cpu: process.cpuUsage(cpuBefore), answer: result };
    });
    if (answer.publicToken === '') throw new Error('the reference finish stored no publicToken');
    return { elapsed, cpuMs: (cpu.user + cpu.system) / 1000 };
  };

  const random = createRandom(options.seed);
  const fullSamples: Sample[] = [];
  const referenceSamples: Sample[] = [];
  let measuredStarted = 0;
  let stoppedByTimeBudget = false;
  for (let pair = 0; pair < options.warmupPairs + options.pairs; pair += 1) {
    const measuring = pair >= options.warmupPairs;
    if (pair === options.warmupPairs) measuredStarted = performance.now();
    if (measuring && performance.now() - measuredStarted > options.timeBudgetMs) {
      stoppedByTimeBudget = true;
      break;
    }
    // A pool of users: returning users overwrite their record, as in production.
    const clientUserId = `bench-user-${pair % USER_POOL}`;
    const fullFirst = random() < 0.5;
    const first = fullFirst ? await runFull(clientUserId) : await runReference(clientUserId);
    const second = fullFirst ? await runReference(clientUserId) : await runFull(clientUserId);
    if (measuring) {
      fullSamples.push(fullFirst ? first : second);
      referenceSamples.push(fullFirst ? second : first);
    }
  }

  // The reference must keep issuing the handler's writes: compare what each stores for a new user.
  const tokensTable = requireEnv(env, 'TOKENS_TABLE_NAME');
  const parityUser = `bench-parity-${Date.now()}`;
  await runFull(`${parityUser}-handler`);
  await runReference(`${parityUser}-reference`);
  const attributesOf = async (clientUserId: string) =>
    Object.keys((await localMode.dynamoDb.readItem(tokensTable, { clientUserId })) ?? {}).sort();
  const handlerAttributes = await attributesOf(`${parityUser}-handler`);
  const referenceAttributes = await attributesOf(`${parityUser}-reference`);

  // Recoveries of users the loop stored: the usual path, by humanId, and with a refresh.
  const recoveryIo = {
    byClientUserId: new IoCounter(readCounters),
    byHumanId: new IoCounter(readCounters),
    refresh: new IoCounter(readCounters),
  };
  const recoverySamples: number[] = [];
  const storedUsers = Math.min(USER_POOL, options.warmupPairs + fullSamples.length);
  for (let index = 0; index < options.recoveries; index += 1) {
    const clientUserId = `bench-user-${index % storedUsers}`;
    const recover = (body: object) =>
      recoverHandler(jsonPostEvent('POST /public-tokens', body), createLambdaContext('recoverPublicToken', 10_000));
    const { elapsed, answer } = await recoveryIo.byClientUserId.count(async () => {
      const started = performance.now();
      const result = await recover({ clientUserId });
      return { elapsed: performance.now() - started, answer: result };
    });
    recoverySamples.push(elapsed);
    const stored = assertOk(answer, 'recoverPublicToken');
    assertOk(
      await recoveryIo.byHumanId.count(() => recover({ humanId: stored.humanId })),
      'recoverPublicToken by humanId',
    );
    assertOk(
      await recoveryIo.refresh.count(() => recover({ clientUserId, refresh: true })),
      'recoverPublicToken with refresh',
    );
  }

  const full = summarize(fullSamples.map((sample) => sample.elapsed));
  const reference = summarize(referenceSamples.map((sample) => sample.elapsed));
  const meanCpu = (samples: readonly Sample[]) =>
    samples.reduce((sum, sample) => sum + sample.cpuMs, 0) / Math.max(1, samples.length);
  const window = Math.min(fullInvocations, 1000);
  return {
    full,
    reference,
    p50Ratio: round(full.p50 / reference.p50),
    addedP99Ms: round(full.p99 - reference.p99),
    addedP50Ms: round(full.p50 - reference.p50),
    cpuMs: {
      full: round(meanCpu(fullSamples)),
      reference: round(meanCpu(referenceSamples)),
      added: round(meanCpu(fullSamples) - meanCpu(referenceSamples)),
    },
    warmupPairs: options.warmupPairs,
    seed: options.seed,
    stoppedByTimeBudget,
    referenceParity: {
      sameTokenAttributes:
        handlerAttributes.length > 0 && handlerAttributes.join(',') === referenceAttributes.join(','),
      handlerAttributes,
      referenceAttributes,
    },
    io: {
      secretsManager: {
        reads: secretReadsInWindow,
        invocations: window,
        readsPer1000Invocations: round((secretReadsInWindow * 1000) / Math.max(1, window)),
        ttlSeconds: Number(env.SECRET_TTL_SECONDS ?? 300),
      },
      perFinish: finishIo.summary(),
      perReferenceFinish: referenceIo.summary(),
      perRecovery: {
        byClientUserId: recoveryIo.byClientUserId.summary(),
        byHumanId: recoveryIo.byHumanId.summary(),
        refresh: recoveryIo.refresh.summary(),
      },
      recoveryLatency: summarize(recoverySamples),
    },
  };
}
