/**
 * Local mode's `/sandbox/*` routes that are not Human API's own
 * (docs/local-mode.md#sandbox): the offline connect.js, the development JWT
 * issuer, and the hooks tests drive: fault injection into DynamoDB, the
 * secret store and the Human API sandbox, request counters, a read-only view
 * of a stored record (never its accessToken), and secret rotation. Paths of
 * Human API itself (`/sandbox/humanapi/v1/...`) go to the sandbox.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { corsHeaders, preflightHeaders } from '../cors.js';
import type { LocalDynamoDb } from '../dynamodb.js';
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import type { DevIssuer } from '../jwt-authorizer.js';
import type { LocalKms } from '../kms.js';
import type { LocalSecretStore } from '../secret-store.js';
import type { LocalSqs } from '../sqs.js';
import type { HumanApiFault, HumanApiSandbox } from './human-api.js';

/** The offline connect.js, read once: it is served as is. */
const CONNECT_JS = await readFile(new URL('./connect.js', import.meta.url));

/** Where the Human API sandbox is mounted. */
export const HUMAN_API_SANDBOX_PATH = '/sandbox/humanapi';

/** What the hooks act on. */
export interface SandboxHooksOptions {
  readonly devIssuer: DevIssuer;
  readonly dynamoDb: LocalDynamoDb;
  readonly secretStore: LocalSecretStore;
  readonly kms: LocalKms;
  /** The SQS stand-in holding the outbox. */
  readonly sqs: LocalSqs;
  /** The Human API sandbox; `undefined` when a real Human API is configured. */
  readonly sandbox: HumanApiSandbox | undefined;
  /** Table of the stored records `GET /sandbox/dynamodb/record` shows. */
  readonly tokensTableName: string;
  /** Origins allowed cross-origin (the front end calls the development issuer). */
  readonly allowedOrigins: readonly string[];
}

/** Handles a request whose path starts with `/sandbox/`. */
export type SandboxRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void>;

type Hook = (request: IncomingMessage, cors: Record<string, string>, response: ServerResponse) => Promise<void> | void;

/** Reads a small JSON object body; `{}` when it is not one, so every field falls back to its default. */
async function readSmallJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBody(request, 16 * 1024)) ?? {};
}

/** Creates the `/sandbox/*` routes. */
export function createSandboxRoutes({
  devIssuer,
  dynamoDb,
  secretStore,
  kms,
  sqs,
  sandbox,
  tokensTableName,
  allowedOrigins,
}: SandboxHooksOptions): SandboxRoutes {
  const hooks: Record<string, Hook> = {
    'GET /sandbox/connect.js': (_request, cors, response) => {
      response.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-store',
        ...cors,
      });
      response.end(CONNECT_JS);
    },
    'GET /sandbox/auth/jwks.json': (_request, cors, response) => sendJson(response, 200, devIssuer.jwks, cors),
    'POST /sandbox/auth/token': async (request, cors, response) => {
      const body = await readSmallJson(request);
      if (typeof body.sub !== 'string' || body.sub === '') {
        return sendJson(response, 400, { error: 'sub is required' }, cors);
      }
      const token = await devIssuer.issue({
        sub: body.sub,
        ...(typeof body.audience === 'string' ? { audience: body.audience } : {}),
        ...(typeof body.expiresInSeconds === 'number' ? { expiresInSeconds: body.expiresInSeconds } : {}),
        ...(typeof body.notBeforeSeconds === 'number' ? { notBeforeSeconds: body.notBeforeSeconds } : {}),
      });
      return sendJson(response, 201, { token }, cors);
    },
    'POST /sandbox/secretsmanager/faults': async (request, cors, response) => {
      const { count } = await readSmallJson(request);
      secretStore.injectFaults(typeof count === 'number' ? count : 1);
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/dynamodb/faults': async (request, cors, response) => {
      const body = await readSmallJson(request);
      dynamoDb.injectFault({
        ...(typeof body.operation === 'string' ? { operation: body.operation } : {}),
        ...(typeof body.tableName === 'string' ? { tableName: body.tableName } : {}),
        ...(typeof body.count === 'number' ? { count: body.count } : {}),
        ...(body.kind === 'throttle' || body.kind === 'reset' || body.kind === 'error' ? { kind: body.kind } : {}),
      });
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/kms/faults': async (request, cors, response) => {
      const { count } = await readSmallJson(request);
      kms.injectFaults(typeof count === 'number' ? count : 1);
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/sqs/faults': async (request, cors, response) => {
      const { count, operation } = await readSmallJson(request);
      sqs.injectFaults(typeof count === 'number' ? count : 1, typeof operation === 'string' ? operation : undefined);
      sendJson(response, 201, { ok: true }, cors);
    },
    'GET /sandbox/sqs/stats': (_request, cors, response) => sendJson(response, 200, sqs.depths(), cors),
    'GET /sandbox/dynamodb/stats': (_request, cors, response) =>
      sendJson(response, 200, { requestCounts: dynamoDb.requestCounts }, cors),
    'GET /sandbox/dynamodb/record': async (request, cors, response) => {
      // Read-only view of a stored token record for tests; the accessToken never leaves.
      const clientUserId = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('clientUserId');
      const item = clientUserId === null ? undefined : await dynamoDb.readItem(tokensTableName, { clientUserId });
      if (clientUserId === null || item === undefined) return sendJson(response, 404, { message: 'Not Found' }, cors);
      const { humanId, publicToken, version, createdAt, updatedAt, accessTokenIssuedAt, publicTokenIssuedAt } = item;
      // Whether the stored ciphertext decrypts for this record (its context), never the token itself.
      const ciphertext = item.accessTokenCiphertext;
      const accessTokenSealed =
        typeof ciphertext === 'string' && kms.decrypt(ciphertext, { clientUserId }) !== undefined;
      return sendJson(
        response,
        200,
        {
          clientUserId,
          humanId,
          publicToken,
          version,
          createdAt,
          updatedAt,
          accessTokenIssuedAt,
          publicTokenIssuedAt,
          accessTokenSealed,
          plaintextAccessToken: 'accessToken' in item,
        },
        cors,
      );
    },
    'POST /sandbox/faults/reset': (_request, cors, response) => {
      dynamoDb.resetFaults();
      secretStore.resetFaults();
      kms.resetFaults();
      sqs.resetFaults();
      sendJson(response, 200, { ok: true }, cors);
    },
  };

  if (sandbox !== undefined) {
    Object.assign(hooks, {
      // Read-only counter for tests that prove a request never reached Human API.
      [`GET ${HUMAN_API_SANDBOX_PATH}/stats`]: (_request, _cors, response) =>
        sendJson(response, 200, { exchangeCalls: sandbox.exchangeCalls }),
      [`POST ${HUMAN_API_SANDBOX_PATH}/faults`]: async (request, _cors, response) => {
        // A fault may carry a raw body of its own: allow more than the other hooks.
        const body = parseJsonObject(await readBody(request, 64 * 1024));
        if (body === undefined) {
          return sendJson(response, 400, { error: 'Bad Request', message: 'Body must be a JSON object' });
        }
        const fault: HumanApiFault = {
          ...(typeof body.status === 'number' ? { status: body.status } : {}),
          ...(typeof body.delayMs === 'number' ? { delayMs: body.delayMs } : {}),
          ...(typeof body.count === 'number' ? { count: body.count } : {}),
          ...(typeof body.body === 'string' ? { body: body.body } : {}),
          ...(body.reset === true ? { reset: true } : {}),
        };
        sendJson(response, 201, { queued: sandbox.queueFault(fault) });
      },
      [`POST ${HUMAN_API_SANDBOX_PATH}/faults/reset`]: (_request, _cors, response) => {
        sandbox.clearFaults();
        sendJson(response, 200, { queued: 0 });
      },
      [`POST ${HUMAN_API_SANDBOX_PATH}/rotate-secret`]: (_request, _cors, response) => {
        sandbox.rotateSecret();
        sendJson(response, 200, { rotated: true });
      },
    } satisfies Record<string, Hook>);
  }

  return async (request, response, path) => {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, preflightHeaders(origin, allowedOrigins));
      response.end();
      return;
    }
    const cors = corsHeaders(origin, allowedOrigins);
    const hook = hooks[`${request.method} ${path}`];
    if (hook !== undefined) return hook(request, cors, response);
    if (sandbox !== undefined && path.startsWith(`${HUMAN_API_SANDBOX_PATH}/`)) {
      return sandbox.handle(request, response, path.slice(HUMAN_API_SANDBOX_PATH.length));
    }
    return sendJson(response, 404, { message: 'Not Found' }, cors);
  };
}
