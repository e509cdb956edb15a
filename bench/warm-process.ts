/**
 * The warm handler process: loads the deployed bundles of `finishSession` and
 * `recoverPublicToken` and the bundled SDK reference (`subjects/sdk-reference.ts`), then runs
 * them interleaved pair by pair in a seeded random order, timing each invocation and its CPU
 * time in this process only (local mode runs in another). Sessions are minted beforehand, outside
 * the timed region. Asks the parent to `mark` the local mode's counters around each I/O phase.
 */
import { pathToFileURL } from 'node:url';
import { createLambdaContext, type HttpApiHandler } from '../local/lambda-adapter.js';
import { jsonPostEvent } from '../test/support/api-gateway-event.js';
import { client, serve } from './ipc.js';
import { createRandom } from './stats.js';

/** What the parent hands over. */
export interface WarmPlan {
  readonly bundles: { readonly finish: string; readonly recover: string; readonly reference: string };
  /** One session per pair and side, warm-up pairs first. */
  readonly sessions: {
    readonly full: readonly object[];
    readonly reference: readonly object[];
    /** Finishes run alone afterwards, to count the handler's own requests. */
    readonly io: readonly object[];
  };
  readonly warmupPairs: number;
  readonly timeBudgetMs: number;
  readonly seed: number;
  /** Recoveries of each kind counted for I/O. */
  readonly recoveries: number;
  readonly functionTimeoutMs: number;
}

/** One timed invocation: latency and this process's CPU time, in milliseconds. */
export interface Sample {
  readonly ms: number;
  readonly cpuMs: number;
}

/** What the warm process measured. */
export interface WarmSamples {
  readonly full: readonly Sample[];
  readonly reference: readonly Sample[];
  readonly recoveryMs: readonly number[];
  readonly stoppedByTimeBudget: boolean;
}

const ask = client(process);

async function load(path: string): Promise<HttpApiHandler> {
  const module = (await import(pathToFileURL(path).href)) as { handler: HttpApiHandler; ready?: Promise<unknown> };
  // The reference reads its secret at init: done before the loop's counters are marked.
  await module.ready;
  return module.handler;
}

async function timed(
  invoke: () => Promise<{ statusCode?: number; body?: string }>,
): Promise<Sample & { body: string }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await invoke();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // Problem bodies carry no tokens or secrets (docs/api.md), so they may be shown.
  if (result.statusCode !== 200) throw new Error(`answered ${result.statusCode}: ${result.body ?? ''}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, body: result.body ?? '{}' };
}

async function run(plan: WarmPlan): Promise<WarmSamples> {
  const [finish, recover, reference] = await Promise.all([
    load(plan.bundles.finish),
    load(plan.bundles.recover),
    load(plan.bundles.reference),
  ]);
  const context = (name: string) => createLambdaContext(name, plan.functionTimeoutMs);
  const runFull = (session: object) =>
    timed(() => finish(jsonPostEvent('POST /sessions', session), context('finishSession')));
  const runReference = (session: object) =>
    timed(() => reference(jsonPostEvent('POST /sessions', session), context('reference')));

  const random = createRandom(plan.seed);
  const full: Sample[] = [];
  const references: Sample[] = [];
  const humanIds = new Map<string, string>();
  let started = performance.now();
  let stoppedByTimeBudget = false;
  await ask('mark', 'loop');
  for (let pair = 0; pair < plan.sessions.full.length; pair += 1) {
    if (pair === plan.warmupPairs) started = performance.now();
    if (pair > plan.warmupPairs && performance.now() - started > plan.timeBudgetMs) {
      stoppedByTimeBudget = true;
      break;
    }
    const fullFirst = random() < 0.5;
    const one = await (fullFirst ? runFull : runReference)(
      (fullFirst ? plan.sessions.full : plan.sessions.reference)[pair] ?? {},
    );
    const other = await (fullFirst ? runReference : runFull)(
      (fullFirst ? plan.sessions.reference : plan.sessions.full)[pair] ?? {},
    );
    const [fullSample, referenceSample] = fullFirst ? [one, other] : [other, one];
    const answer = JSON.parse(fullSample.body) as { clientUserId: string; humanId: string };
    humanIds.set(answer.clientUserId, answer.humanId);
    if (pair >= plan.warmupPairs) {
      full.push(fullSample);
      references.push(referenceSample);
    }
  }
  await ask('mark', 'loop-end');
  await ask('mark', 'finish');
  for (const session of plan.sessions.io) await runFull(session);
  await ask('mark', 'finish-end');

  const users = [...humanIds.entries()].slice(0, plan.recoveries);
  const recoveryMs: number[] = [];
  const recoverWith = async (kind: string, body: (user: [string, string]) => object) => {
    await ask('mark', kind);
    for (const user of users) {
      const sample = await timed(() =>
        recover(jsonPostEvent('POST /public-tokens', body(user)), context('recoverPublicToken')),
      );
      if (kind === 'byClientUserId') recoveryMs.push(sample.ms);
    }
    await ask('mark', `${kind}-end`);
  };
  await recoverWith('byClientUserId', ([clientUserId]) => ({ clientUserId }));
  await recoverWith('byHumanId', ([, humanId]) => ({ humanId }));
  await recoverWith('refresh', ([clientUserId]) => ({ clientUserId, refresh: true }));
  return { full, reference: references, recoveryMs, stoppedByTimeBudget };
}

serve(process, {
  start: (plan) => run(plan as WarmPlan),
  exit: () => setImmediate(() => process.exit(0)),
});
process.send?.({ id: 0, type: 'ready', answer: true });
