/**
 * Local mode's `/sandbox/*` routes that are not Human API's own
 * (docs/local-mode.md#sandbox): the offline connect.js, the development JWT
 * issuer, and the hooks tests drive: fault injection into DynamoDB, the secret store and the
 * Human API sandbox, request counters, a read-only view of a stored record (never its
 * accessToken), secret rotation, access-token revocation, a user's deletion at Human API, and
 * Human API's notifications (send one, count them, read the app back end's inbox). Paths of
 * Human API itself (`/sandbox/humanapi/v1/...`) go to the sandbox. All of it exists only while
 * the sandbox serves: with a real Human API, every `/sandbox/` path is 404.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as z from 'zod/mini';
import type { NotificationInbox } from '../../web/app-server/notification-inbox.js';
import { corsHeaders, preflightHeaders } from '../cors.js';
import type { LocalDynamoDb } from '../dynamodb.js';
import { parseJsonObject, readBody, sendJson } from '../http-util.js';
import type { DevIssuer } from '../jwt-authorizer.js';
import type { LocalKms } from '../kms.js';
import type { LocalSecretStore } from '../secret-store.js';
import type { LocalSqs } from '../sqs.js';
import {
  checkHookBody,
  deleteHumanApiUserBody,
  devTokenBody,
  dynamoDbFaultBody,
  humanApiFaultBody,
  kmsFaultBody,
  revokeAccessTokensBody,
  secretStoreFaultBody,
  sendNotificationBody,
  sqsFaultBody,
} from './hook-bodies.js';
import type { HumanApiFault, HumanApiSandbox } from './human-api.js';
import type { HumanApiAuthSandbox } from './human-api-auth.js';
import type { SandboxNotifications } from './notifications.js';

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
  /** The current-generation sandbox, whose minted access tokens the revoke hook invalidates too. */
  readonly authSandbox: HumanApiAuthSandbox | undefined;
  /**
   * Whether the current generation's sandbox serves too. The fault, stats, record and rotation
   * hooks and the development issuer exist only while both sandboxes serve (docs/local-mode.md):
   * with any real Human API, nothing a browser reaches can inject faults or read records.
   */
  readonly bothSandboxesServe: boolean;
  /** Table of the stored records `GET /sandbox/dynamodb/record` shows. */
  readonly tokensTableName: string;
  /** Origins allowed cross-origin (the front end calls the development issuer). */
  readonly allowedOrigins: readonly string[];
  /** The sandbox's notification sender (docs/local-mode.md#notifications). */
  readonly notifications?: SandboxNotifications | undefined;
  /** The app back end's consumer of the notifications queue. */
  readonly inbox?: NotificationInbox | undefined;
}

/** Handles a request whose path starts with `/sandbox/`. */
export type SandboxRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void>;

type Hook = (request: IncomingMessage, cors: Record<string, string>, response: ServerResponse) => Promise<void> | void;

/** Reads a small hook body and checks it: the value, or the 400 answer naming the field at fault. */
async function readHookBody<T>(request: IncomingMessage, schema: z.ZodMiniType<T>, limitBytes = 16 * 1024) {
  return checkHookBody(schema, parseJsonObject(await readBody(request, limitBytes)));
}

/** Creates the `/sandbox/*` routes. */
export function createSandboxRoutes({
  devIssuer,
  dynamoDb,
  secretStore,
  kms,
  sqs,
  sandbox,
  authSandbox,
  tokensTableName,
  allowedOrigins,
  bothSandboxesServe,
  notifications,
  inbox,
}: SandboxHooksOptions): SandboxRoutes {
  if (sandbox === undefined) {
    // With a real Human API nothing under /sandbox/ exists: no faults, counters or records to
    // reach from a browser, and no issuer minting tokens the API would accept.
    return async (_request, response) => sendJson(response, 404, { message: 'Not Found' });
  }
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
      const body = await readHookBody(request, devTokenBody);
      if (!body.ok) return sendJson(response, 400, body.problem, cors);
      const { sub, audience, expiresInSeconds, notBeforeSeconds } = body.value;
      const token = await devIssuer.issue({
        sub,
        ...(audience === undefined ? {} : { audience }),
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
        ...(notBeforeSeconds === undefined ? {} : { notBeforeSeconds }),
      });
      return sendJson(response, 201, { token }, cors);
    },
    'POST /sandbox/secretsmanager/faults': async (request, cors, response) => {
      const body = await readHookBody(request, secretStoreFaultBody);
      if (!body.ok) return sendJson(response, 400, body.problem, cors);
      secretStore.injectFaults(body.value.count ?? 1);
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/dynamodb/faults': async (request, cors, response) => {
      const body = await readHookBody(request, dynamoDbFaultBody);
      if (!body.ok) return sendJson(response, 400, body.problem, cors);
      const { operation, tableName, count, kind } = body.value;
      dynamoDb.injectFault({
        ...(operation === undefined ? {} : { operation }),
        ...(tableName === undefined ? {} : { tableName }),
        ...(count === undefined ? {} : { count }),
        ...(kind === undefined ? {} : { kind }),
      });
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/kms/faults': async (request, cors, response) => {
      const body = await readHookBody(request, kmsFaultBody);
      if (!body.ok) return sendJson(response, 400, body.problem, cors);
      kms.injectFaults(body.value.count ?? 1);
      sendJson(response, 201, { ok: true }, cors);
    },
    'POST /sandbox/sqs/faults': async (request, cors, response) => {
      const body = await readHookBody(request, sqsFaultBody);
      if (!body.ok) return sendJson(response, 400, body.problem, cors);
      sqs.injectFaults(body.value.count ?? 1, body.value.operation);
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
      // A deleted user's tombstone (when, and when DynamoDB's TTL may remove it); a user Human API refused.
      const { deletedAt, purgeAt } = item;
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
          // Set when Human API refused the user's token (the data gateway) or an id token.
          reconnectRequired: item.reconnectRequired === true,
          // When Human API refused the stored v1 token: readers skip it from then on.
          accessTokenRefusedAt: item.accessTokenRefusedAt,
          deletedAt,
          purgeAt,
        },
        cors,
      );
    },
    'GET /sandbox/notifications/stats': (_request, cors, response) =>
      sendJson(
        response,
        200,
        { sandbox: notifications?.counts, queue: sqs.notificationStats(), inbox: inbox?.stats },
        cors,
      ),
    // JWT mode has no app back end: the page polls this local-only route for its user's notices
    // (docs/local-mode.md#notifications); a deployment has nothing like it.
    'GET /sandbox/notifications/inbox': (request, cors, response) => {
      const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams;
      const clientUserId = query.get('clientUserId');
      const after = query.get('after') ?? '0';
      if (inbox === undefined) return sendJson(response, 404, { message: 'Not Found' }, cors);
      if (clientUserId === null || clientUserId === '' || !/^\d{1,15}$/.test(after)) {
        return sendJson(
          response,
          400,
          { error: 'Bad Request', message: 'clientUserId and a whole-number after' },
          cors,
        );
      }
      return sendJson(response, 200, { clientUserId, ...inbox.newData(clientUserId, Number(after)) }, cors);
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
        const body = await readHookBody(request, humanApiFaultBody, 64 * 1024);
        if (!body.ok) return sendJson(response, 400, body.problem);
        const { status, delayMs, count, body: answerBody, bodyBytes, reset, retryAfter } = body.value;
        const fault: HumanApiFault = {
          ...(status === undefined ? {} : { status }),
          ...(delayMs === undefined ? {} : { delayMs }),
          ...(count === undefined ? {} : { count }),
          ...(answerBody === undefined ? {} : { body: answerBody }),
          ...(bodyBytes === undefined ? {} : { bodyBytes }),
          ...(reset === true ? { reset: true } : {}),
          ...(retryAfter === undefined ? {} : { retryAfter }),
        };
        sendJson(response, 201, { queued: sandbox.queueFault(fault) });
      },
      [`POST ${HUMAN_API_SANDBOX_PATH}/faults/reset`]: (_request, _cors, response) => {
        sandbox.clearFaults();
        sendJson(response, 200, { queued: 0 });
      },
      // What Human API does when a user has new data: a notification to the app's URL (docs/local-mode.md#notifications).
      [`POST ${HUMAN_API_SANDBOX_PATH}/notifications/send`]: async (request, _cors, response) => {
        const body = await readHookBody(request, sendNotificationBody);
        if (!body.ok) return sendJson(response, 400, body.problem);
        const { clientUserId, type, redeliveries, signed } = body.value;
        const user = sandbox.findUser(clientUserId);
        if (user === undefined || notifications === undefined) {
          return sendJson(response, 404, { error: 'Not Found', message: 'Unknown clientUserId' });
        }
        const sent = await notifications.send(
          { humanId: user.humanId, clientUserId },
          {
            ...(type === undefined ? {} : { type }),
            ...(redeliveries === undefined ? {} : { redeliveries }),
            ...(signed === undefined ? {} : { signed }),
          },
        );
        sendJson(response, 200, sent);
      },
      [`POST ${HUMAN_API_SANDBOX_PATH}/rotate-secret`]: (_request, _cors, response) => {
        sandbox.rotateSecret();
        sendJson(response, 200, { rotated: true });
      },
      // A user who revoked access (or disconnected): every access token of theirs, of either
      // generation, is refused by the data API from now on (docs/local-mode.md#sandbox).
      [`POST ${HUMAN_API_SANDBOX_PATH}/revoke`]: async (request, _cors, response) => {
        const body = await readHookBody(request, revokeAccessTokensBody);
        if (!body.ok) return sendJson(response, 400, body.problem);
        const { clientUserId } = body.value;
        const revoked = sandbox.revokeAccessTokens(clientUserId) + (authSandbox?.revokeAccessTokens(clientUserId) ?? 0);
        sendJson(response, 200, { revoked });
      },
      // Human API deletes the user (its portal, or support on the team's request): both generations
      // refuse their tokens from now on, and the clientUserId comes back as a new human
      // (docs/local-mode.md#sandbox). Nothing in the back end's table changes.
      [`POST ${HUMAN_API_SANDBOX_PATH}/users/delete`]: async (request, _cors, response) => {
        const body = await readHookBody(request, deleteHumanApiUserBody);
        if (!body.ok) return sendJson(response, 400, body.problem);
        const { clientUserId } = body.value;
        const v1 = sandbox.deleteUser(clientUserId);
        const current = authSandbox?.deleteUser(clientUserId) ?? false;
        sendJson(response, 200, { deleted: v1 || current });
      },
    } satisfies Record<string, Hook>);
  }

  // The v1 sandbox alone keeps only what the functions and the page need: its API and connect.js.
  const served: Record<string, Hook> = bothSandboxesServe
    ? hooks
    : { 'GET /sandbox/connect.js': hooks['GET /sandbox/connect.js'] as Hook };

  return async (request, response, path) => {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS') {
      response.writeHead(204, preflightHeaders(origin, allowedOrigins));
      response.end();
      return;
    }
    const cors = corsHeaders(origin, allowedOrigins);
    const hook = served[`${request.method} ${path}`];
    if (hook !== undefined) return hook(request, cors, response);
    if (sandbox !== undefined && path.startsWith(`${HUMAN_API_SANDBOX_PATH}/`)) {
      return sandbox.handle(request, response, path.slice(HUMAN_API_SANDBOX_PATH.length));
    }
    return sendJson(response, 404, { message: 'Not Found' }, cors);
  };
}
