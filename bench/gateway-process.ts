/**
 * The data gateway's warm process: loads the deployed `humanData` bundle and, pair by pair in a
 * seeded random order, reads a page through it and the same page straight from the data API
 * sandbox with the token in hand (the call a service holding the token would make, over a
 * keep-alive `node:http` agent), timing each and its CPU time in this process only. Local mode
 * runs in another process.
 */
import { pathToFileURL } from 'node:url';
import { createLambdaContext, type HttpApiHandler } from '../local/lambda-adapter.js';
import { httpApiEvent } from '../test/support/api-gateway-event.js';
import { get } from './floor-http.js';
import { serve } from './ipc.js';
import { createRandom } from './stats.js';
import type { Sample } from './warm-process.js';

/** What the parent hands over. */
export interface GatewayPlan {
  readonly bundle: string;
  /** The users read, each with the access token a direct call sends. */
  readonly users: readonly { readonly clientUserId: string; readonly accessToken: string }[];
  /** The data API sandbox (`HUMANAPI_DATA_BASE_URL`). */
  readonly dataBaseUrl: string;
  /** The endpoint and query read in every pair. */
  readonly path: string;
  readonly query: string;
  readonly warmupPairs: number;
  readonly pairs: number;
  readonly timeBudgetMs: number;
  readonly seed: number;
  readonly functionTimeoutMs: number;
}

/** What the gateway's warm process measured. */
export interface GatewaySamples {
  readonly gateway: readonly Sample[];
  readonly direct: readonly Sample[];
  /** Whether every page the gateway answered was the text the direct call got. */
  readonly identicalBodies: boolean;
  readonly stoppedByTimeBudget: boolean;
}

/** The event API Gateway hands the gateway for `user` (an IAM caller). */
export function gatewayEvent(clientUserId: string, path: string, query: string) {
  return httpApiEvent({
    method: 'GET',
    path: `/users/${encodeURIComponent(clientUserId)}/human/${path}`,
    routePath: '/users/{clientUserId}/human/{path+}',
    pathParameters: { clientUserId, path },
    rawQueryString: query,
    body: undefined,
    contentType: null,
    iamPrincipal: 'arn:aws:iam::000000000000:user/bench-app-backend',
  });
}

async function timed(invoke: () => Promise<{ status: number; text: string }>): Promise<Sample & { text: string }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { status, text } = await invoke();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // Health data is synthetic here; only the status is shown on a failure.
  if (status !== 200) throw new Error(`answered ${status}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, text };
}

async function run(plan: GatewayPlan): Promise<GatewaySamples> {
  const { handler } = (await import(pathToFileURL(plan.bundle).href)) as { handler: HttpApiHandler };
  const viaGateway = (clientUserId: string) =>
    timed(async () => {
      const result = await handler(
        gatewayEvent(clientUserId, plan.path, plan.query),
        createLambdaContext('humanData', plan.functionTimeoutMs),
      );
      return { status: result.statusCode ?? 0, text: result.body ?? '' };
    });
  const direct = (accessToken: string) =>
    timed(() =>
      get(new URL(`${plan.dataBaseUrl}/v1/human/${plan.path}?${plan.query}`), {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
      }),
    );

  const random = createRandom(plan.seed);
  const gateway: Sample[] = [];
  const directs: Sample[] = [];
  let identicalBodies = true;
  let started = performance.now();
  let stoppedByTimeBudget = false;
  for (let pair = 0; pair < plan.warmupPairs + plan.pairs; pair += 1) {
    if (pair === plan.warmupPairs) started = performance.now();
    if (pair > plan.warmupPairs && performance.now() - started > plan.timeBudgetMs) {
      stoppedByTimeBudget = true;
      break;
    }
    const user = plan.users[pair % plan.users.length];
    if (user === undefined) throw new Error('no user to read');
    const gatewayFirst = random() < 0.5;
    const first = await (gatewayFirst ? viaGateway(user.clientUserId) : direct(user.accessToken));
    const second = await (gatewayFirst ? direct(user.accessToken) : viaGateway(user.clientUserId));
    const [gatewaySample, directSample] = gatewayFirst ? [first, second] : [second, first];
    if (gatewaySample.text !== directSample.text) identicalBodies = false;
    if (pair >= plan.warmupPairs) {
      gateway.push({ ms: gatewaySample.ms, cpuMs: gatewaySample.cpuMs });
      directs.push({ ms: directSample.ms, cpuMs: directSample.cpuMs });
    }
  }
  return { gateway, direct: directs, identicalBodies, stoppedByTimeBudget };
}

serve(process, {
  start: (plan) => run(plan as GatewayPlan),
  exit: () => setImmediate(() => process.exit(0)),
});
process.send?.({ id: 0, type: 'ready', answer: true });
