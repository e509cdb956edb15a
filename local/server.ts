/**
 * Local mode (docs/local-mode.md): the same Lambda handler modules behind a small HTTP
 * adapter, with dynalite, a local secret store, the Human API sandbox, a
 * development JWT issuer and the example front end. No AWS account, no
 * internet.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { readConfig } from '../functions/commons/config.js';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import { type AppRoutes, createAppRoutes } from '../web/app-server/app-server.js';
import { corsHeaders, preflightHeaders } from './cors.js';
import { LOCAL_TABLE_NAMES, type LocalDynamoDb, startLocalDynamoDb } from './dynamodb.js';
import { close, listen, parseJsonObject, readBody, sendJson } from './http-util.js';
import { createIamAuthorizer, type IamCredentials, readLocalIamCredentials } from './iam-authorizer.js';
import { createDevIssuer, createJwtVerifier, type DevIssuer, type JwtVerifier } from './jwt-authorizer.js';
import { createLambdaContext, type HttpApiHandler, toHttpApiEvent, writeHandlerResult } from './lambda-adapter.js';
import { connectJs } from './sandbox/connect-js.js';
import { createHumanApiSandbox, type HumanApiSandbox } from './sandbox/human-api.js';
import { type LocalSecretStore, startLocalSecretStore } from './secret-store.js';
import { createWebServer } from './web-server.js';

/** Client ID of the app the sandbox knows (40 hex characters, like a real one). */
export const LOCAL_CLIENT_ID = '0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f';
/** Secret ID of the client secret in the local secret store. */
export const LOCAL_SECRET_ID = 'humanapi-connect/client-secret';
/** Audience of the development issuer's tokens unless `AUTH_AUDIENCE` says otherwise. */
export const LOCAL_AUTH_AUDIENCE = 'humanapi-connect-local';

/** Settings of {@link startLocalMode}; unset values come from the environment. */
export interface LocalModeOptions {
  /** Environment to read (and, for the handlers, to write): `process.env`. */
  readonly env: NodeJS.ProcessEnv;
  /** Keep DynamoDB, secrets and sandbox state in memory instead of `.data/`. */
  readonly inMemory: boolean;
  /** Folder for persisted state. @default '.data' */
  readonly dataDir?: string;
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
  readonly dynamoDb: LocalDynamoDb;
  readonly secretStore: LocalSecretStore;
  readonly sandbox: HumanApiSandbox | undefined;
  /** The principal whose SigV4 signature `/public-tokens` requires without JWT; `undefined` in JWT mode. */
  readonly iamCredentials: IamCredentials | undefined;
  close(): Promise<void>;
}

const ROUTES: Record<string, { routeKey: string; module: string; functionName: string }> = {
  '/sessions': { routeKey: 'POST /sessions', module: '../functions/finish-session.js', functionName: 'finishSession' },
  '/public-tokens': {
    routeKey: 'POST /public-tokens',
    module: '../functions/recover-public-token.js',
    functionName: 'recoverPublicToken',
  },
};

function parsePort(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${variable} must be a port number, got "${raw}"`);
  return port;
}

/** Starts local mode. */
export async function startLocalMode({ env, inMemory, dataDir = '.data' }: LocalModeOptions): Promise<LocalMode> {
  const dataPath = (name: string) => (inMemory ? undefined : resolve(dataDir, name));
  const dynamoDb = await startLocalDynamoDb({ path: dataPath('dynamodb') });
  const secretStore = await startLocalSecretStore({ path: dataPath('secrets.json') });

  // Bind both ports first: the sandbox URL and the default CORS origins depend on them.
  const apiServer: Server = createServer();
  // Without JWT the page's server is the example app back end (web/app-server/): it signs for IAM.
  let appRoutes: AppRoutes | undefined;
  const webServer = createWebServer({
    root: resolve(import.meta.dirname, '../web/dist'),
    pageConfig: () => pageConfig,
    routes: () => appRoutes,
  });
  const apiPort = await listen(apiServer, parsePort(env, 'PORT', 3000));
  const webPort = await listen(webServer, parsePort(env, 'WEB_PORT', 3001));
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webUrl = `http://127.0.0.1:${webPort}`;
  const allowedOrigins = (env.CORS_ALLOW_ORIGINS ?? `${webUrl},http://localhost:${webPort}`)
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');

  const clientId = env.HUMANAPI_CLIENT_ID ?? LOCAL_CLIENT_ID;
  const secretId = env.HUMANAPI_SECRET_ID ?? LOCAL_SECRET_ID;
  const sandboxMode = env.HUMANAPI_BASE_URL === undefined || env.HUMANAPI_BASE_URL === '';
  const putClientSecret = (clientSecret: string) =>
    secretStore.putSecretValue(secretId, JSON.stringify({ clientSecret }));
  const sandbox = sandboxMode
    ? createHumanApiSandbox({ clientId, statePath: dataPath('sandbox.json'), onSecretRotated: putClientSecret })
    : undefined;
  if (!sandboxMode && env.HUMANAPI_CLIENT_SECRET !== undefined) putClientSecret(env.HUMANAPI_CLIENT_SECRET);

  // JWT mode, as an HTTP API JWT authorizer would enforce it.
  const devIssuerUrl = `${apiUrl}/sandbox/auth`;
  const authAudience = env.AUTH_AUDIENCE ?? LOCAL_AUTH_AUDIENCE;
  const devIssuer: DevIssuer = await createDevIssuer({
    issuer: env.AUTH_ISSUER ?? devIssuerUrl,
    audience: authAudience,
  });
  const jwtMode = Boolean(env.AUTH_ISSUER && env.AUTH_AUDIENCE && env.AUTH_JWKS_URL);
  const verifyJwt: JwtVerifier | undefined = jwtMode
    ? createJwtVerifier({ issuer: env.AUTH_ISSUER ?? '', audience: authAudience, jwksUrl: env.AUTH_JWKS_URL ?? '' })
    : undefined;
  // Without JWT, API Gateway requires AWS IAM on these routes (docs/local-mode.md): so does local mode.
  const iamCredentials = jwtMode ? undefined : readLocalIamCredentials(env);
  const iamRoutes = new Set(['/public-tokens', '/connect-tokens']);
  const authorizeIam =
    iamCredentials === undefined
      ? undefined
      : createIamAuthorizer({ credentials: iamCredentials, region: env.AWS_REGION || 'us-east-1' });
  appRoutes =
    iamCredentials === undefined
      ? undefined
      : createAppRoutes({ apiUrl, credentials: iamCredentials, region: env.AWS_REGION || 'us-east-1' });

  // The handlers read their configuration at import: set it first (docs/deploy.md#configuration).
  Object.assign(env, {
    HUMANAPI_CLIENT_ID: clientId,
    HUMANAPI_SECRET_ID: secretId,
    HUMANAPI_BASE_URL: sandboxMode ? `${apiUrl}/sandbox/humanapi` : env.HUMANAPI_BASE_URL,
    TOKENS_TABLE_NAME: env.TOKENS_TABLE_NAME ?? LOCAL_TABLE_NAMES.tokens,
    IDEMPOTENCY_TABLE_NAME: env.IDEMPOTENCY_TABLE_NAME ?? LOCAL_TABLE_NAMES.idempotency,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretStore.endpoint,
    AWS_REGION: env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: 'finishSession',
    POWERTOOLS_METRICS_DISABLED: env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    ...(jwtMode ? { JWT_USER_CLAIM: env.AUTH_CLAIM ?? 'sub' } : {}),
  });
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  // The same validation the handlers run at load: a bad variable stops local mode naming it.
  const timeoutMs = functionTimeoutSeconds(readConfig(env).humanApiTimeoutMs) * 1000;

  const handlers = new Map<string, HttpApiHandler>();
  for (const [path, route] of Object.entries(ROUTES)) {
    const module = (await import(route.module)) as { handler: HttpApiHandler };
    handlers.set(path, module.handler);
  }

  const pageConfig = {
    apiUrl,
    clientId,
    connectJsUrl: sandboxMode ? `${apiUrl}/sandbox/connect.js` : 'https://connect.humanapi.co/connect.js',
    jwtMode,
    devIssuerUrl: jwtMode ? devIssuerUrl : undefined,
    appBackend: appRoutes !== undefined,
  };

  async function routeApi(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const origin = request.headers.origin;
    const route = ROUTES[path];
    const handler = handlers.get(path);
    if (request.method === 'OPTIONS' && route !== undefined) {
      response.writeHead(204, preflightHeaders(origin, allowedOrigins));
      response.end();
      return;
    }
    const cors = corsHeaders(origin, allowedOrigins);
    if (route === undefined || handler === undefined || request.method !== 'POST') {
      return sendJson(response, 404, { message: 'Not Found' }, cors);
    }
    let jwtClaims: Record<string, unknown> | undefined;
    if (verifyJwt !== undefined) {
      jwtClaims = await verifyJwt(request.headers.authorization);
      if (jwtClaims === undefined) {
        return sendJson(response, 401, { message: 'Unauthorized' }, { ...cors, 'WWW-Authenticate': 'Bearer' });
      }
    }
    const body = await readBody(request, 10 * 1024 * 1024);
    if (body === undefined) return sendJson(response, 413, { message: 'Request Entity Too Large' }, cors);
    if (authorizeIam !== undefined && iamRoutes.has(path)) {
      const verdict = await authorizeIam({
        method: request.method,
        url: request.url ?? path,
        headers: request.headers,
        body,
      });
      if (!verdict.allowed) {
        const problem = {
          type: 'urn:humanconnect:problem:iam-required',
          title: 'Forbidden',
          status: 403,
          detail: verdict.reason,
          requestId: randomUUID(),
        };
        return sendJson(response, 403, problem, { ...cors, 'Content-Type': 'application/problem+json' });
      }
    }
    const event = toHttpApiEvent(request, body, { routeKey: route.routeKey, jwtClaims });
    const result = await handler(event, createLambdaContext(route.functionName, timeoutMs));
    writeHandlerResult(response, result, cors);
  }

  async function routeSandbox(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const cors = corsHeaders(request.headers.origin, allowedOrigins);
    if (request.method === 'OPTIONS') {
      response.writeHead(204, preflightHeaders(request.headers.origin, allowedOrigins));
      response.end();
      return;
    }
    if (path === '/sandbox/connect.js') {
      response.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-store',
        ...cors,
      });
      response.end(connectJs);
      return;
    }
    if (path === '/sandbox/auth/jwks.json') return sendJson(response, 200, devIssuer.jwks, cors);
    if (path === '/sandbox/auth/token' && request.method === 'POST') {
      const body = parseJsonObject(await readBody(request, 16 * 1024));
      if (typeof body?.sub !== 'string' || body.sub === '')
        return sendJson(response, 400, { error: 'sub is required' }, cors);
      const token = await devIssuer.issue({
        sub: body.sub,
        ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
        ...(typeof body.expiresInSeconds === 'number' ? { expiresInSeconds: body.expiresInSeconds } : {}),
        ...(typeof body.notBeforeSeconds === 'number' ? { notBeforeSeconds: body.notBeforeSeconds } : {}),
      });
      return sendJson(response, 201, { token }, cors);
    }
    if (path === '/sandbox/secretsmanager/faults' && request.method === 'POST') {
      const body = parseJsonObject(await readBody(request, 16 * 1024));
      secretStore.injectFaults(typeof body?.count === 'number' ? body.count : 1);
      return sendJson(response, 201, { ok: true }, cors);
    }
    if (path === '/sandbox/dynamodb/faults' && request.method === 'POST') {
      const body = parseJsonObject(await readBody(request, 16 * 1024)) ?? {};
      dynamoDb.injectFault({
        ...(typeof body.operation === 'string' ? { operation: body.operation } : {}),
        ...(typeof body.tableName === 'string' ? { tableName: body.tableName } : {}),
        ...(typeof body.count === 'number' ? { count: body.count } : {}),
        ...(body.kind === 'throttle' || body.kind === 'reset' || body.kind === 'error' ? { kind: body.kind } : {}),
      });
      return sendJson(response, 201, { ok: true }, cors);
    }
    if (path === '/sandbox/dynamodb/stats' && request.method === 'GET') {
      return sendJson(response, 200, { requestCounts: dynamoDb.requestCounts }, cors);
    }
    if (path === '/sandbox/dynamodb/record' && request.method === 'GET') {
      // Read-only view of a stored token record for tests; the accessToken never leaves.
      const clientUserId = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('clientUserId') ?? '';
      const item = await dynamoDb.readItem(env.TOKENS_TABLE_NAME ?? LOCAL_TABLE_NAMES.tokens, { clientUserId });
      if (item === undefined) return sendJson(response, 404, { message: 'Not Found' }, cors);
      const { humanId, publicToken, version, createdAt, updatedAt } = item;
      return sendJson(response, 200, { clientUserId, humanId, publicToken, version, createdAt, updatedAt }, cors);
    }
    if (path === '/sandbox/faults/reset' && request.method === 'POST') {
      dynamoDb.resetFaults();
      secretStore.resetFaults();
      return sendJson(response, 200, { ok: true }, cors);
    }
    if (path.startsWith('/sandbox/humanapi/') && sandbox !== undefined) {
      return sandbox.handle(request, response, path.slice('/sandbox/humanapi'.length));
    }
    return sendJson(response, 404, { message: 'Not Found' }, cors);
  }

  apiServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const route = path.startsWith('/sandbox/') ? routeSandbox : routeApi;
    route(request, response, path).catch(() => {
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });

  return {
    apiUrl,
    webUrl,
    allowedOrigins,
    jwtMode,
    sandboxMode,
    dynamoDb,
    secretStore,
    sandbox,
    iamCredentials,
    async close() {
      await close(apiServer);
      await close(webServer);
      await dynamoDb.close();
      await secretStore.close();
    },
  };
}
