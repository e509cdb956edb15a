/**
 * Local mode (docs/local-mode.md): the same Lambda handler modules behind a small HTTP
 * adapter, with dynalite, a local secret store, the Human API sandbox, a
 * development JWT issuer and the example front end. No AWS account, no
 * internet.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import { matchRoutePath, ROUTES, type Route, routeKeyOf } from '../functions/contract/routes.js';
import { FUNCTION_ENTRIES } from '../infra/function-bundling.js';
import { type AppRoutes, createAppRoutes } from '../web/app-server/app-server.js';
import { type NotificationInbox, startNotificationInbox } from '../web/app-server/notification-inbox.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { type LocalDynamoDb, startLocalDynamoDb } from './dynamodb.js';
import { refuseForeignHost } from './host-check.js';
import { listen, readBody, sendJson } from './http-util.js';
import { createIamAuthorizer, type IamCredentials } from './iam-authorizer.js';
import { createDevIssuer, createJwtVerifier, type JwtVerifier } from './jwt-authorizer.js';
import { type LocalKms, startLocalKms } from './kms.js';
import { createLambdaContext, type HttpApiHandler, toHttpApiEvent, writeHandlerResult } from './lambda-adapter.js';
import { buildOpenApiDocument } from './openapi.js';
import {
  type ProblemSummary,
  problemOf,
  type RequestSummary,
  redactPathSecrets,
  type StopReport,
} from './request-log.js';
import { createSandboxRoutes, HUMAN_API_SANDBOX_PATH } from './sandbox/hooks.js';
import { createHumanApiSandbox, type HumanApiSandbox } from './sandbox/human-api.js';
import { createHumanApiAuthSandbox, HUMAN_API_AUTH_SANDBOX_PATH } from './sandbox/human-api-auth.js';
import { createHumanApiDataSandbox, HUMAN_API_DATA_SANDBOX_PATH } from './sandbox/human-data.js';
import { createSandboxNotifications, type SandboxNotifications } from './sandbox/notifications.js';
import { type LocalSecretStore, startLocalSecretStore } from './secret-store.js';
import { applyFunctionEnvironment, type LocalSettings, serviceEnvironment } from './settings.js';
import { type LocalSqs, startLocalSqs } from './sqs.js';
import { type SqsHandler, startOutboxDrain, startSchedule } from './sqs-pollers.js';
import { createWebServer } from './web-server.js';

/** Settings of {@link startLocalMode}. */
export interface LocalModeOptions {
  /** Environment the handlers read (written in place): `process.env`. */
  readonly env: NodeJS.ProcessEnv;
  /** Local mode's validated settings, from `readLocalSettings` (./settings.ts). */
  readonly settings: LocalSettings;
  /** Folder for persisted state. @default '.data' */
  readonly dataDir?: string;
  /** Told of every answered API request (not `/sandbox/`), for the terminal's request lines. */
  readonly onRequest?: (summary: RequestSummary) => void;
  /**
   * Whether the sandbox notifies the app after each connection (docs/local-mode.md#notifications).
   * The benchmark turns it off, so what it counts is the measured function's work alone.
   * @default true
   */
  readonly notifyOnConnection?: boolean;
}

/** A running local mode. */
export interface LocalMode {
  readonly apiUrl: string;
  readonly webUrl: string;
  readonly allowedOrigins: readonly string[];
  /** `true` when `AUTH_ISSUER`, `AUTH_AUDIENCE` and `AUTH_JWKS_URL` turned on JWT mode. */
  readonly jwtMode: boolean;
  /** `true` when the Human API sandbox serves the API (no `HUMANAPI_BASE_URL`). */
  readonly sandboxMode: boolean;
  /** `true` when the current-generation sandbox serves it (no `HUMANAPI_AUTH_BASE_URL`, v1 sandbox on). */
  readonly authSandboxMode: boolean;
  /**
   * Base URL of the data API sandbox (`${apiUrl}/sandbox/humanapi-data`, docs/local-mode.md#data-api-sandbox)
   * while the sandbox serves, for a data gateway's `HUMANAPI_DATA_BASE_URL`; `undefined` with a real Human API.
   */
  readonly humanApiDataBaseUrl: string | undefined;
  readonly dynamoDb: LocalDynamoDb;
  readonly secretStore: LocalSecretStore;
  readonly kms: LocalKms;
  readonly sqs: LocalSqs;
  readonly sandbox: HumanApiSandbox | undefined;
  /** The sandbox's notification sender, while the sandbox serves (docs/local-mode.md#notifications). */
  readonly notifications: SandboxNotifications | undefined;
  /** The app back end's consumer of the notifications queue (web/app-server/notification-inbox.ts). */
  readonly inbox: NotificationInbox;
  /** The principal whose SigV4 signature `/public-tokens` requires without JWT; `undefined` in JWT mode. */
  readonly iamCredentials: IamCredentials | undefined;
  /**
   * What a team's own service needs to run against this local mode: the functions' AWS
   * endpoints, credentials and settings, the API's URL and its IAM principal
   * (docs/local-mode.md#running-your-own-service-against-local-mode).
   */
  readonly serviceEnvironment: Readonly<Record<string, string>>;
  /** Requests being answered now: the API's routes and the front end's (not the functions' `/sandbox/` calls). */
  readonly requestsInFlight: number;
  /** How long {@link LocalMode.close} lets requests in flight finish: the functions' Lambda timeout. */
  readonly stopGraceMs: number;
  /**
   * Stops: the front end takes no new connection, the requests in flight are answered (for up to
   * {@link stopGraceMs}, the API serving their calls meanwhile) and the rest dropped, the outbox
   * drain stops after its batch in hand, and the stand-ins close.
   *
   * @returns what it finished and what it left (docs/local-mode.md#stopping-and-resetting)
   */
  close(): Promise<StopReport>;
}

/**
 * The requests a person or client sent (the API's routes, the front end and its app back end; not
 * the `/sandbox/` calls the functions make), so a stop can let them finish and count them.
 */
class UserRequests {
  private readonly open = new Set<ServerResponse>();
  /** While stopping: every request seen since the stop began, answered or not. */
  private seen: Set<ServerResponse> | undefined;
  private drained: (() => void) | undefined;

  /** Counts the requests of `server` whose path `counts`. */
  track(server: Server, counts: (path: string) => boolean): void {
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!counts(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)) return;
      this.open.add(response);
      this.seen?.add(response);
      response.once('close', () => {
        this.open.delete(response);
        if (this.open.size === 0) this.drained?.();
      });
    });
  }

  /** Requests being answered now. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Waits until no request is open, or `graceMs` passed: requests arriving meanwhile (a page's
   * app back end calling the API for a request in flight) are waited for and counted too.
   *
   * @returns how many requests were in flight or arrived, and how many of them were answered
   */
  async settle(graceMs: number): Promise<{ inFlight: number; finished: number }> {
    const seen = new Set(this.open);
    this.seen = seen;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((done) => {
      this.drained = done;
      timer = setTimeout(done, graceMs);
      if (this.open.size === 0) done();
    });
    clearTimeout(timer);
    return { inFlight: seen.size, finished: [...seen].filter((response) => response.writableFinished).length };
  }
}

/** Closes a server, dropping every connection it still has (idle keep-alive ones, or unanswered). */
function closeNow(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

/**
 * How often local mode runs the outbox redrive: the stack's schedule is five minutes, but here a
 * developer watching a dead-lettered grant come back should not wait that long.
 */
export const LOCAL_REDRIVE_INTERVAL_MS = 5_000;

/** A route of the API and the handler module local mode imports for it. */
interface LocalRoute {
  readonly route: Route;
  readonly routeKey: string;
  /** The entry module, relative to this file (the TypeScript source under tsx). */
  readonly module: string;
}

const LOCAL_ROUTES: readonly LocalRoute[] = ROUTES.map((route) => ({
  route,
  routeKey: routeKeyOf(route),
  module: `../${FUNCTION_ENTRIES[route.functionName].replace(/\.ts$/, '.js')}`,
}));

/** The route a request reaches, with its path parameters: API Gateway's matching, for local mode. */
function findRoute(
  method: string,
  path: string,
): { readonly local: LocalRoute; readonly pathParameters: Record<string, string> } | undefined {
  for (const local of LOCAL_ROUTES) {
    if (local.route.method !== method) continue;
    const pathParameters = matchRoutePath(local.route.path, path);
    if (pathParameters !== undefined) return { local, pathParameters };
  }
  return undefined;
}

/** Starts local mode. */
export async function startLocalMode({
  env,
  settings,
  dataDir = '.data',
  onRequest,
  notifyOnConnection = true,
}: LocalModeOptions): Promise<LocalMode> {
  const dataPath = (name: string) => (settings.inMemory ? undefined : resolve(dataDir, name));
  const dynamoDb = await startLocalDynamoDb({ path: dataPath('dynamodb') });
  const secretStore = await startLocalSecretStore({ path: dataPath('secrets.json') });
  const kms = await startLocalKms({ keyPath: dataPath('kms-key') });
  const sqs = await startLocalSqs({ path: dataPath('outbox.json') });
  // The notification URL's path secret, generated once per data folder as a deployment generates
  // its own; rotated with put-secret-value like any secret (docs/local-mode.md#notifications).
  if (secretStore.getSecretValue(settings.notificationsSecretId) === undefined) {
    secretStore.putSecretValue(settings.notificationsSecretId, randomBytes(24).toString('hex'));
  }

  // Bind both ports first: the sandbox URL and the default CORS origins depend on them.
  const apiServer: Server = createServer();
  // Without JWT the page's server is the example app back end (web/app-server/): it signs for IAM.
  let appRoutes: AppRoutes | undefined;
  const webServer = createWebServer({
    root: resolve(import.meta.dirname, '../web/dist'),
    pageConfig: () => pageConfig,
    routes: () => appRoutes,
  });
  // Counted from the first request, so a stop knows what it finishes and what it drops.
  const userRequests = new UserRequests();
  userRequests.track(apiServer, (path) => !path.startsWith('/sandbox/'));
  userRequests.track(webServer, () => true);
  const apiPort = await listen(apiServer, settings.apiPort);
  const webPort = await listen(webServer, settings.webPort);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const allowedOrigins = settings.corsAllowOrigins ?? [webUrl, `http://localhost:${webPort}`];

  const { clientId, secretId, jwt } = settings;
  const sandboxMode = settings.humanApiBaseUrl === undefined;
  const putClientSecret = (clientSecret: string) =>
    secretStore.putSecretValue(secretId, JSON.stringify({ clientSecret }));
  // Bound once the sandbox exists: Human API notifies the app after each connection.
  let notifications: SandboxNotifications | undefined;
  const onConnected = notifyOnConnection
    ? (user: { humanId: string; clientUserId: string }) => notifications?.notifyConnected(user)
    : undefined;
  const sandbox = sandboxMode
    ? createHumanApiSandbox({
        clientId,
        statePath: dataPath('sandbox.json'),
        onSecretRotated: putClientSecret,
        ...(onConnected === undefined ? {} : { onConnected }),
      })
    : undefined;
  if (!sandboxMode && settings.clientSecret !== undefined) putClientSecret(settings.clientSecret);
  // The current generation's sandbox shares the v1 sandbox's users, secret and faults, so it
  // serves only beside it; with a real v1 Human API, the functions' default (the real one) applies.
  const authSandbox =
    sandbox !== undefined && settings.humanApiAuthBaseUrl === undefined
      ? createHumanApiAuthSandbox({
          clientId,
          v1: sandbox,
          statePath: dataPath('sandbox-auth.json'),
          ...(onConnected === undefined ? {} : { onConnected }),
        })
      : undefined;
  const bothSandboxesServe = sandbox !== undefined && authSandbox !== undefined;
  // The data API serves beside the v1 sandbox (its tokens are the v1 sandbox's, and the current
  // generation's while that sandbox serves), on the current generation's clock when it serves.
  const dataSandbox =
    sandbox === undefined
      ? undefined
      : createHumanApiDataSandbox({ v1: sandbox, auth: authSandbox, statsHook: bothSandboxesServe });
  const humanApiDataBaseUrl = dataSandbox === undefined ? undefined : `${apiUrl}${HUMAN_API_DATA_SANDBOX_PATH}`;
  notifications =
    sandbox === undefined
      ? undefined
      : createSandboxNotifications({
          receiverUrl: () => {
            const pathSecret = secretStore.getSecretValue(settings.notificationsSecretId);
            return pathSecret === undefined ? undefined : `${apiUrl}/notifications/${pathSecret}`;
          },
          clientSecret: () => sandbox.clientSecret,
          clientId,
          dataBaseUrl: `${apiUrl}${HUMAN_API_DATA_SANDBOX_PATH}`,
        });
  // The app back end's consumer of the notifications queue, as a team's own would run.
  const inbox = startNotificationInbox({ endpoint: sqs.endpoint, queueUrl: sqs.notificationsQueueUrl });

  // JWT mode, as an HTTP API JWT authorizer would enforce it.
  const devIssuerUrl = `${apiUrl}/sandbox/auth`;
  const devIssuer = await createDevIssuer({ issuer: jwt?.issuer ?? devIssuerUrl, audience: settings.devAudience });
  const verifyJwt: JwtVerifier | undefined = jwt === undefined ? undefined : createJwtVerifier(jwt);
  // Without JWT, API Gateway requires AWS IAM on these routes (docs/local-mode.md): so does local mode.
  const iamCredentials = jwt === undefined ? settings.iamCredentials : undefined;
  const authorizeIam =
    iamCredentials === undefined
      ? undefined
      : createIamAuthorizer({ credentials: iamCredentials, region: settings.awsRegion });
  appRoutes =
    iamCredentials === undefined
      ? undefined
      : createAppRoutes({ apiUrl, credentials: iamCredentials, region: settings.awsRegion, inbox });

  // The handlers read their configuration at import: set it first (docs/deploy.md#configuration).
  const config = applyFunctionEnvironment(env, settings, {
    humanApiBaseUrl: settings.humanApiBaseUrl ?? `${apiUrl}${HUMAN_API_SANDBOX_PATH}`,
    humanApiAuthBaseUrl: authSandbox === undefined ? undefined : `${apiUrl}${HUMAN_API_AUTH_SANDBOX_PATH}`,
    humanApiDataBaseUrl,
    dynamoDbEndpoint: dynamoDb.endpoint,
    secretsManagerEndpoint: secretStore.endpoint,
    kmsEndpoint: kms.endpoint,
    sqsEndpoint: sqs.endpoint,
    outboxQueueUrl: sqs.outboxQueueUrl,
    rejectedGrantsQueueUrl: sqs.rejectedGrantsQueueUrl,
    deadLetters: sqs.deadLetters,
    notificationsQueueUrl: sqs.notificationsQueueUrl,
  });
  const timeoutMs = functionTimeoutSeconds(config.humanApiTimeoutMs) * 1000;

  // Each handler from its TypeScript source, or from a built bundle (LOCAL_HANDLER_BUNDLES_DIR).
  const loadHandler = async (functionName: string, source: string): Promise<unknown> => {
    const bundle =
      settings.handlerBundlesDir === undefined
        ? undefined
        : resolve(settings.handlerBundlesDir, functionName, 'index.mjs');
    const specifier = bundle !== undefined && existsSync(bundle) ? pathToFileURL(bundle).href : source;
    const module: unknown = await import(specifier);
    const handler = typeof module === 'object' && module !== null && 'handler' in module ? module.handler : undefined;
    if (typeof handler !== 'function') throw new Error(`${specifier} exports no handler function`);
    return handler;
  };
  const handlers = new Map<string, HttpApiHandler>();
  for (const { route, module } of LOCAL_ROUTES) {
    handlers.set(route.functionName, (await loadHandler(route.functionName, module)) as HttpApiHandler);
  }

  // The outbox drain: the same handler module Lambda runs, fed as its SQS event source would.
  const drainHandler = (await loadHandler('drainOutbox', '../functions/drain-outbox.js')) as SqsHandler;
  const drain = startOutboxDrain({
    endpoint: sqs.endpoint,
    queueUrl: sqs.outboxQueueUrl,
    handler: drainHandler,
    context: () => createLambdaContext('drainOutbox', 30_000),
  });
  // The redrive, on a schedule as EventBridge runs it: every few seconds here, not five minutes.
  const redriveHandler = await loadHandler('redriveOutbox', '../functions/redrive-outbox.js');
  const redrive = startSchedule({
    handler: redriveHandler as (event: unknown, context: Context) => Promise<unknown>,
    context: () => createLambdaContext('redriveOutbox', 30_000),
    intervalMs: LOCAL_REDRIVE_INTERVAL_MS,
  });

  const pageConfig = {
    apiUrl,
    clientId,
    connectJsUrl: sandboxMode ? `${apiUrl}/sandbox/connect.js` : 'https://connect.humanapi.co/connect.js',
    jwtMode: jwt !== undefined,
    // The development issuer is a sandbox route: it exists only while the sandbox serves.
    devIssuerUrl: jwt === undefined || !sandboxMode ? undefined : devIssuerUrl,
    appBackend: appRoutes !== undefined,
    connectGeneration: settings.connectGeneration,
    // The offline stand-in of humanapi-connect-client, while the current-generation sandbox serves.
    connectClientUrl: authSandbox === undefined ? undefined : `${apiUrl}/sandbox/connect-client.js`,
    // Where the page polls for "new data" (docs/local-mode.md#notifications): its app back end, or
    // in JWT mode the local-only inbox route while the sandboxes serve.
    newDataUrl:
      appRoutes !== undefined
        ? `${webUrl}/app/notifications`
        : bothSandboxesServe
          ? `${apiUrl}/sandbox/notifications/inbox`
          : undefined,
  };
  const routeSandbox = createSandboxRoutes({
    devIssuer,
    standIns: { dynamoDb, secretStore, kms, sqs },
    sandbox,
    authSandbox,
    tokensTableName: config.tokensTableName,
    allowedOrigins,
    bothSandboxesServe,
    notifications,
    inbox,
  });

  async function routeApi(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const origin = request.headers.origin;
    const method = request.method ?? 'GET';
    const preflightOf = LOCAL_ROUTES.some(({ route }) => matchRoutePath(route.path, path) !== undefined);
    if (method === 'OPTIONS' && preflightOf) {
      response.writeHead(204, preflightHeaders(origin, allowedOrigins));
      response.end();
      return;
    }
    const cors = corsHeaders(origin, allowedOrigins);
    if (path === '/openapi.json' && request.method === 'GET') {
      return sendJson(response, 200, { ...buildOpenApiDocument(), servers: [{ url: apiUrl }] }, cors);
    }
    const found = findRoute(method, path);
    const handler = found === undefined ? undefined : handlers.get(found.local.route.functionName);
    if (found === undefined || handler === undefined) {
      return sendJson(response, 404, { message: 'Not Found' }, cors);
    }
    const { route, routeKey } = found.local;
    let jwtClaims: Record<string, unknown> | undefined;
    if (verifyJwt !== undefined && route.caller !== 'none') {
      jwtClaims = await verifyJwt(request.headers.authorization);
      if (jwtClaims === undefined) {
        return sendJson(response, 401, { message: 'Unauthorized' }, { ...cors, 'WWW-Authenticate': 'Bearer' });
      }
    }
    const body = await readBody(request, 10 * 1024 * 1024);
    if (body === undefined) return sendJson(response, 413, { message: 'Request Entity Too Large' }, cors);
    let iamPrincipal: string | undefined;
    if (authorizeIam !== undefined && route.caller === 'iam') {
      const verdict = await authorizeIam({
        method,
        url: request.url ?? path,
        headers: request.headers,
        body,
      });
      if (!verdict.allowed) {
        // API Gateway's own refusal, `{"message":"Forbidden"}`, so a client sees what a deployment
        // answers; `reason` is local mode's extra, saying what was wrong with the signature
        // (docs/local-mode.md#identity).
        return sendJson(response, 403, { message: 'Forbidden', reason: verdict.reason }, cors);
      }
      iamPrincipal = verdict.principalArn;
    }
    const event = toHttpApiEvent(request, body, {
      routeKey,
      pathParameters: found.pathParameters,
      jwtClaims,
      iamPrincipal,
    });
    const result = await handler(event, createLambdaContext(route.functionName, timeoutMs));
    const problem = problemOf(String(result.headers?.['Content-Type'] ?? ''), result.body);
    if (problem !== undefined) problems.set(response, problem);
    writeHandlerResult(response, result, cors);
  }

  const problems = new WeakMap<ServerResponse, ProblemSummary>();
  apiServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (refuseForeignHost(request, response)) return;
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (onRequest !== undefined && !path.startsWith('/sandbox/')) {
      const started = performance.now();
      response.once('finish', () =>
        onRequest({
          method: request.method ?? 'GET',
          // The notification URL's secret never reaches the terminal.
          path: redactPathSecrets(path),
          status: response.statusCode,
          durationMs: performance.now() - started,
          at: new Date(),
          problem: problems.get(response),
        }),
      );
    }
    // Each sandbox's own mount first; any other /sandbox/ path is a hook (or 404).
    const route =
      authSandbox?.owns(path) === true
        ? authSandbox.handle
        : dataSandbox?.owns(path) === true
          ? dataSandbox.handle
          : path.startsWith('/sandbox/')
            ? routeSandbox
            : routeApi;
    route(request, response, path).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });

  return {
    apiUrl,
    webUrl,
    allowedOrigins,
    jwtMode: jwt !== undefined,
    sandboxMode,
    authSandboxMode: authSandbox !== undefined,
    humanApiDataBaseUrl,
    dynamoDb,
    secretStore,
    kms,
    sqs,
    sandbox,
    notifications,
    inbox,
    iamCredentials,
    serviceEnvironment: serviceEnvironment(env, config, { apiUrl, iamCredentials, humanApiDataBaseUrl }),
    get requestsInFlight() {
      return userRequests.size;
    },
    stopGraceMs: timeoutMs,
    async close() {
      // No new page or connection to the front end; the API keeps serving while the requests in
      // flight finish, since they call its sandboxes (and the app back end calls its routes). A
      // request cannot outlive its Lambda timeout: that long, the answers in hand are given.
      // Human API's notifications are not requests a person waits for: the sandbox sends no more.
      notifications?.stop();
      const webClosed = new Promise<void>((done) => webServer.close(() => done()));
      webServer.closeIdleConnections();
      const requests = await userRequests.settle(timeoutMs);
      webServer.closeAllConnections();
      await webClosed;
      await closeNow(apiServer);
      await redrive.stop();
      await drain.stop();
      await inbox.stop();
      const { outbox, deadLetters } = sqs.depths();
      await sqs.close();
      await kms.close();
      await dynamoDb.close();
      await secretStore.close();
      return {
        requestsInFlight: requests.inFlight,
        requestsFinished: requests.finished,
        outbox,
        deadLetters,
        persisted: !settings.inMemory,
      };
    },
  };
}
