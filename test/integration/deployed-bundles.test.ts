/**
 * The bytes `cdk deploy` ships, tested: `cdk synth` builds the app (cdk.json's context) into a
 * temporary folder, and local mode (docs/local-mode.md, `LOCAL_HANDLER_BUNDLES_DIR`) runs each
 * synthesized function's asset behind the routes the template gives it, against dynalite and the
 * sandbox. The other integration tests run the TypeScript sources; these run the bundles.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost, signedRequest, signRequest } from '../support/sigv4.js';

const ROOT = resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);

/** Local mode's name of the function behind each route (docs/api.md), its folder under the bundles folder. */
const FUNCTION_OF_ROUTE: Readonly<Record<string, string>> = {
  'POST /sessions': 'finishSession',
  'POST /public-tokens': 'recoverPublicToken',
  'POST /connect-tokens': 'connectTokens',
  'GET /users/{clientUserId}/human/{path+}': 'humanData',
  'DELETE /users/{clientUserId}': 'deleteUser',
  'POST /notifications/{secret}': 'receiveNotification',
};
/** The function the outbox queue feeds (docs/design.md#outbox). */
const DRAIN_FUNCTION = 'drainOutbox';
/** The function a schedule invokes: the outbox redrive (docs/design.md#outbox). */
const REDRIVE_FUNCTION = 'redriveOutbox';
/** Variables only the stack sets: the functions name their service and namespace in code (docs/deploy.md#configuration). */
const DEPLOY_ONLY = new Set(['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE']);
const TOKENS_TABLE = 'humanapi-tokens';

const resourceSchema = z.object({
  Type: z.string(),
  Properties: z.optional(z.record(z.string(), z.unknown())),
  Metadata: z.optional(z.record(z.string(), z.unknown())),
});
const templateSchema = z.object({ Resources: z.record(z.string(), resourceSchema) });
const functionSchema = z.object({
  Handler: z.string(),
  Runtime: z.string(),
  Environment: z.optional(z.object({ Variables: z.record(z.string(), z.unknown()) })),
});
const routeSchema = z.object({
  RouteKey: z.string(),
  AuthorizationType: z.optional(z.string()),
  Target: z.object({
    'Fn::Join': z.tuple([z.literal(''), z.tuple([z.literal('integrations/'), z.object({ Ref: z.string() })])]),
  }),
});
const integrationSchema = z.object({
  IntegrationUri: z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }),
});
const eventSourceSchema = z.object({ FunctionName: z.object({ Ref: z.string() }) });
const ruleSchema = z.object({
  ScheduleExpression: z.optional(z.string()),
  Targets: z.array(z.object({ Arn: z.unknown() })),
});
const functionTargetSchema = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) });
/** What each wrapper records as its bundle loads: the handler process's Node.js and variable names (never values). */
const loadRecordSchema = z.object({ node: z.string(), envKeys: z.array(z.string()) });

/** A synthesized Lambda function. */
interface DeployedFunction {
  readonly name: string;
  readonly runtime: string;
  /** `index.mjs` in the function's asset folder in the cloud assembly. */
  readonly bundle: string;
  readonly exportName: string;
  readonly envKeys: readonly string[];
}
/** A synthesized HTTP API route. */
interface DeployedRoute {
  readonly routeKey: string;
  readonly path: string;
  readonly iam: boolean;
  readonly functionName: string;
}

let workDir: string;
let bundlesDir: string;
let functions: DeployedFunction[];
let routes: DeployedRoute[];
let unreachedFunctions: string[];
let local: LocalModeProcess;
let userCount = 0;
const newUser = (label: string) => `bundle-${label}-${++userCount}@example.com`;

/** Runs `cdk synth` into `outDir` and reads the functions and routes from the template. */
async function synthesize(outDir: string): Promise<void> {
  await execFileAsync('npx', ['cdk', 'synth', '--app', 'npx tsx infra/app.ts', '-o', outDir, '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    timeout: 50_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const manifest = z
    .object({ artifacts: z.record(z.string(), z.object({ type: z.string() })) })
    .parse(JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')));
  const stacks = Object.entries(manifest.artifacts).filter(
    ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
  );
  expect(stacks).toHaveLength(1);
  const [stackName] = stacks[0] ?? [''];
  const { Resources } = templateSchema.parse(
    JSON.parse(readFileSync(join(outDir, `${stackName}.template.json`), 'utf8')),
  );
  const ofType = (type: string) => Object.entries(Resources).filter(([, resource]) => resource.Type === type);

  // Name each function by what reaches it: a route, the outbox's event source, or a schedule.
  const nameOf = new Map<string, string>();
  routes = ofType('AWS::ApiGatewayV2::Route').map(([, resource]) => {
    const route = routeSchema.parse(resource.Properties);
    const integrationId = route.Target['Fn::Join'][1][1].Ref;
    const integration = integrationSchema.parse(Resources[integrationId]?.Properties);
    const functionId = integration.IntegrationUri['Fn::GetAtt'][0];
    const functionName = FUNCTION_OF_ROUTE[route.RouteKey] ?? `unknown route ${route.RouteKey}`;
    nameOf.set(functionId, functionName);
    return {
      routeKey: route.RouteKey,
      path: route.RouteKey.split(' ')[1] ?? '',
      iam: route.AuthorizationType === 'AWS_IAM',
      functionName,
    };
  });
  for (const [, resource] of ofType('AWS::Lambda::EventSourceMapping')) {
    nameOf.set(eventSourceSchema.parse(resource.Properties).FunctionName.Ref, DRAIN_FUNCTION);
  }
  for (const [, resource] of ofType('AWS::Events::Rule')) {
    const rule = ruleSchema.parse(resource.Properties);
    if (rule.ScheduleExpression === undefined) continue;
    for (const target of rule.Targets) {
      const parsed = functionTargetSchema.safeParse(target.Arn);
      if (parsed.success) nameOf.set(parsed.data['Fn::GetAtt'][0], REDRIVE_FUNCTION);
    }
  }
  unreachedFunctions = [];
  functions = [];
  for (const [id, resource] of ofType('AWS::Lambda::Function')) {
    const props = functionSchema.parse(resource.Properties);
    const assetPath = z.string().parse(resource.Metadata?.['aws:asset:path']);
    const [file = '', exportName = ''] = props.Handler.split('.');
    const name = nameOf.get(id);
    if (name === undefined) {
      unreachedFunctions.push(id);
      continue;
    }
    functions.push({
      name,
      runtime: props.Runtime,
      bundle: join(outDir, assetPath, `${file}.mjs`),
      exportName,
      envKeys: Object.keys(props.Environment?.Variables ?? {}),
    });
  }
}

/**
 * Writes `<bundlesDir>/<name>/index.mjs`, which loads the synthesized bundle unchanged from the
 * cloud assembly and then records the process's Node.js version and variable names.
 */
function writeWrapper(fn: DeployedFunction): void {
  const folder = join(bundlesDir, fn.name);
  mkdirSync(folder, { recursive: true });
  const record = join(bundlesDir, `${fn.name}.loaded.json`);
  writeFileSync(
    join(folder, 'index.mjs'),
    [
      "import { writeFileSync } from 'node:fs';",
      `export { ${fn.exportName} as handler } from ${JSON.stringify(pathToFileURL(fn.bundle).href)};`,
      `writeFileSync(${JSON.stringify(record)}, JSON.stringify({ node: process.versions.node, envKeys: Object.keys(process.env) }));`,
    ].join('\n'),
  );
}

const loadRecord = (name: string) =>
  loadRecordSchema.parse(JSON.parse(readFileSync(join(bundlesDir, `${name}.loaded.json`), 'utf8')));
const finish = (body: unknown) => post(`${local.apiUrl}/sessions`, body);
const recover = (body: unknown) => signedPost(`${local.apiUrl}/public-tokens`, body);
/** A GET of the data gateway, signed (as the team's back end sends it) unless told. */
async function readData(path: string, { signed = true } = {}) {
  const url = `${local.apiUrl}${path}`;
  const response = await fetch(url, { headers: signed ? await signRequest(url, { method: 'GET' }) : {} });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}
const exchangeCalls = async () => {
  const stats = z.object({ exchangeCalls: z.number() });
  return stats.parse(await (await fetch(`${local.apiUrl}/sandbox/humanapi/stats`)).json()).exchangeCalls;
};
const expectProblem = (answer: Awaited<ReturnType<typeof post>>, status: number) => {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
};

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'deployed-bundles-'));
  bundlesDir = join(workDir, 'bundles');
  await synthesize(join(workDir, 'cdk.out'));
  for (const fn of functions) writeWrapper(fn);
  local = await startLocalModeProcess({ handlerBundlesDir: bundlesDir });
}, 120_000);

afterAll(async () => {
  await local?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('the synthesized stack’s bundles behind local mode', () => {
  it('gives every function a route local mode serves, the outbox or a schedule, and a Node.js 24 bundle', () => {
    expect(unreachedFunctions).toEqual([]);
    expect(routes.filter((route) => !(route.routeKey in FUNCTION_OF_ROUTE))).toEqual([]);
    expect(routes.map((route) => route.routeKey)).toEqual(
      expect.arrayContaining(['POST /sessions', 'POST /public-tokens']),
    );
    expect(functions.map((fn) => fn.name).sort()).toEqual(
      [...new Set([...routes.map((route) => route.functionName), DRAIN_FUNCTION, REDRIVE_FUNCTION])].sort(),
    );
    for (const fn of functions) {
      expect(fn.runtime).toBe('nodejs24.x');
      expect(existsSync(fn.bundle), fn.bundle).toBe(true);
    }
  });

  it('loads every function from its bundle on Node.js 24, with every variable the template names', () => {
    for (const fn of functions) {
      const loaded = loadRecord(fn.name);
      expect(loaded.node.split('.')[0]).toBe('24');
      const missing = fn.envKeys.filter((key) => !DEPLOY_ONLY.has(key) && !loaded.envKeys.includes(key));
      expect(missing, `${fn.name} lacks variables its template sets`).toEqual([]);
    }
  });

  it('finishes a sandbox-minted sessionTokenObject: 200 { humanId, clientUserId, publicToken }', async () => {
    const user = newUser('finish');
    const session = await mintSession(local.apiUrl, user);

    const answer = await finish(session);

    expect(answer.status, answer.text).toBe(200);
    expect(Object.keys(answer.json).sort()).toEqual(['clientUserId', 'humanId', 'publicToken']);
    expect(answer.json).toMatchObject({ humanId: session.humanId, clientUserId: user });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a replayed sessionTokenObject with the stored publicToken, without a second exchange', async () => {
    const session = await mintSession(local.apiUrl, newUser('replay'));
    const first = await finish(session);
    const exchangesBefore = await exchangeCalls();

    const replay = await finish(session);

    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(first.json);
    expect(await exchangeCalls()).toBe(exchangesBefore);
  });

  it('recovers the stored publicToken over a SigV4-signed POST /public-tokens, and refreshes it', async () => {
    const user = newUser('recover');
    const finished = await finish(await mintSession(local.apiUrl, user));

    const recovered = await recover({ clientUserId: user });
    const refreshed = await recover({ clientUserId: user, refresh: true });

    expect(recovered.status, recovered.text).toBe(200);
    expect(recovered.json).toEqual(finished.json);
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.json.publicToken).toEqual(expect.any(String));
    expect(refreshed.json.publicToken).not.toBe(finished.json.publicToken);
    expect((await recover({ humanId: finished.json.humanId })).json.publicToken).toBe(refreshed.json.publicToken);
  });

  it('answers 400 problem+json to a malformed request on every synthesized route, and 403 unsigned on the IAM ones', async () => {
    for (const route of routes) {
      // A body that is no object; for the data gateway, a path Human API does not document.
      if (route.routeKey.startsWith('GET ')) {
        const path = route.path.replace('{clientUserId}', 'alice').replace('{path+}', 'no-such-endpoint');
        expectProblem(await readData(path), 400);
        expect((await readData(path, { signed: false })).status).toBe(403);
        continue;
      }
      const method = route.routeKey.split(' ')[0] ?? 'POST';
      // A route taking no body (DELETE) refuses one: 400 too.
      const url = `${local.apiUrl}${route.path.replace(/\{[^}]+\}/g, 'alice')}`;
      const answer = route.iam ? await signedPost(url, [], { method }) : await post(url, []);
      expectProblem(answer, 400);
      if (route.iam) expect((await fetch(url, { method, body: '{}' })).status).toBe(403);
    }
  });

  it('reads a finished user\u2019s health data through the data gateway\u2019s bundle, with its paging headers', async () => {
    const user = newUser('data');
    expect((await finish(await mintSession(local.apiUrl, user))).status).toBe(200);

    const page = await readData(`/users/${encodeURIComponent(user)}/human/sleeps/summaries?limit=7`);

    expect(page.status, page.text).toBe(200);
    expect(JSON.parse(page.text)).toHaveLength(7);
    expect(page.headers.get('x-total-count')).toBe('90');
    expect(page.headers.get('link')).toBe(
      `</users/${encodeURIComponent(user)}/human/sleeps/summaries?limit=7&offset=7>; rel="next"`,
    );
  });

  it('deletes a user through the deleteUser bundle: the tokens gone, the idempotency record of the finish too', async () => {
    const user = newUser('delete');
    expect((await finish(await mintSession(local.apiUrl, user))).status).toBe(200);

    const answer = await signedRequest('DELETE', `${local.apiUrl}/users/${encodeURIComponent(user)}`);

    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ clientUserId: user, deleted: { tokenRecord: true, idempotencyRecords: 1 } });
    expect((await recover({ clientUserId: user })).status).toBe(404);
  });

  it('answers 403 to another app’s clientId', async () => {
    const user = newUser('foreign');
    const session = await mintSession(local.apiUrl, user, 'f'.repeat(40));

    expectProblem(await finish(session), 403);
    expect((await recover({ clientUserId: user })).status).toBe(404);
  });

  it('answers 200 when the token write fails, and the drain bundle stores the record from the outbox', async () => {
    const user = newUser('outbox');
    const session = await mintSession(local.apiUrl, user);
    // Past the SDK's 3 attempts: the grant goes to the outbox (docs/design.md#outbox).
    const fault = await post(`${local.apiUrl}/sandbox/dynamodb/faults`, {
      operation: 'UpdateItem',
      tableName: TOKENS_TABLE,
      count: 5,
    });
    expect(fault.status).toBe(201);

    const answer = await finish(session);

    expect(answer.status, answer.text).toBe(200);
    const deadline = Date.now() + 15_000;
    let recovered = await recover({ clientUserId: user });
    while (recovered.status !== 200 && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 200));
      recovered = await recover({ clientUserId: user });
    }
    expect(recovered.json.publicToken).toBe(answer.json.publicToken);
  });
});
