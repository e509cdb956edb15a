/**
 * The API's OpenAPI 3.1 description, generated from the zod schemas the functions validate
 * with (zod 4's `toJSONSchema`), so it cannot say other than what the code accepts. Committed as
 * `docs/openapi.json` (`npm run openapi` rewrites it; a test fails when it drifts) and served by
 * local mode at `/openapi.json`.
 */
import * as z from 'zod/mini';
import {
  connectSessionTokenSchema,
  gatewayMessageSchema,
  problemSchema,
  userPublicTokenSchema,
} from '../functions/contract/answers.js';
import {
  NOTIFICATION_MAX_BODY_BYTES,
  notificationPayloadInputSchema,
  notificationReceiptSchema,
} from '../functions/contract/notifications.js';
import {
  connectTokenRequestSchema,
  publicTokenRequestSchema,
  sessionTokenObjectSchema,
} from '../functions/contract/requests.js';
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../functions/domain/notification-signature.js';

type JsonObject = Record<string, unknown>;

/** A schema as an OpenAPI 3.1 component: JSON Schema 2020-12 without its `$schema`. */
function component(schema: z.ZodMiniType): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const PROBLEM_CONTENT = { 'application/problem+json': { schema: ref('Problem') } };
const GATEWAY_CONTENT = { 'application/json': { schema: ref('GatewayMessage') } };

function problemAnswer(description: string): JsonObject {
  return { description, content: PROBLEM_CONTENT };
}

/** The statuses every route shares (docs/api.md#errors). */
const COMMON_PROBLEMS: Readonly<Record<string, string>> = {
  '400':
    'The body is not parseable or fails validation (`errors` names the field), or, in JWT mode, the signed-in user\u2019s claim cannot be used as a clientUserId (`invalid-caller-id`, `errors` names the claim).',
  '413': 'The body is larger than 16 KiB.',
  '415': 'The content type is neither JSON nor form-urlencoded.',
  '502': 'Human API failed (5xx, an unreadable or inconsistent answer, credentials refused).',
  '503':
    'DynamoDB, KMS, Secrets Manager or the outbox is unavailable (the title names which), or Human API answered 429 (with Retry-After).',
  '504': 'Human API did not answer within the timeout.',
  '500': 'Anything unexpected.',
};

/** Every route sits behind the JWT authorizer in JWT mode, which answers this itself. */
const JWT_REFUSED = {
  description: 'JWT mode: the bearer token is missing or invalid, answered by API Gateway before any function runs.',
  content: GATEWAY_CONTENT,
};

/** The 200 answer of the v1 routes. */
const PUBLIC_TOKEN_ANSWER = { description: 'The user\u2019s current publicToken.', schema: 'UserPublicToken' };

/** One route's operation. */
interface OperationSpec {
  /** The name of the function that serves it (infra/connect-backend-stack.ts, local/server.ts). */
  readonly operationId: string;
  readonly summary: string;
  /** Component name of the request body. */
  readonly bodySchema: string;
  /** The route's own problems, and its wording of shared ones; `403` is the function's 403. */
  readonly problems: Readonly<Record<string, string>>;
  /**
   * Without JWT the route requires AWS IAM, so API Gateway itself answers 403 to a request not
   * signed by an allowed principal, beside the function's own 403.
   */
  readonly iam: boolean;
  readonly answer?: { readonly description: string; readonly schema: string };
}

function operation({
  operationId,
  summary,
  bodySchema,
  problems,
  iam,
  answer = PUBLIC_TOKEN_ANSWER,
}: OperationSpec): JsonObject {
  const schema = ref(bodySchema);
  const functionForbidden = problems['403'];
  return {
    operationId,
    summary,
    requestBody: {
      required: true,
      content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
    },
    responses: {
      '200': { description: answer.description, content: { 'application/json': { schema: ref(answer.schema) } } },
      ...Object.fromEntries(
        // A route's own wording of a shared status wins.
        Object.entries({ ...problems, ...COMMON_PROBLEMS }).map(([status, text]) => [
          status,
          problemAnswer(problems[status] ?? text),
        ]),
      ),
      '401': JWT_REFUSED,
      ...(iam && functionForbidden !== undefined
        ? {
            '403': {
              description: `One of two answers, told apart by content type. From the function, application/problem+json: ${functionForbidden} From API Gateway before any function runs, application/json {"message":"Forbidden"}: without JWT, the request is not signed (SigV4) by an allowed principal; local mode adds a \`reason\` saying what was wrong with the signature.`,
              content: { ...PROBLEM_CONTENT, ...GATEWAY_CONTENT },
            },
          }
        : {}),
    },
    security: iam ? [{ sigv4: [] }, { jwt: [] }] : [{}, { jwt: [] }],
  };
}

/**
 * `POST /notifications/{secret}`, Human API's call (docs/notifications.md): never behind an
 * authorizer (no `security`), its own body, limit and 401, no Human API call of its own.
 */
function notificationOperation(): JsonObject {
  const header = (name: string, description: string) => ({
    name,
    in: 'header',
    required: false,
    schema: { type: 'string' },
    description,
  });
  return {
    operationId: 'receiveNotification',
    summary: 'Receive Human API\u2019s notifications and hand them to the notifications queue',
    description:
      'Called by Human API (the URL registered with it), never by a front end: no JWT or SigV4 in either identity mode. Answers 200 only once every notification is on the notifications queue (SQS FIFO, deduplicated), which the team\u2019s consumers read; a notification is a hint to re-fetch through GET /users/{clientUserId}/human/{path+}.',
    parameters: [
      {
        name: 'secret',
        in: 'path',
        required: true,
        schema: { type: 'string' },
        description:
          'The deployment\u2019s path secret (Secrets Manager, NotificationsSecretArn), compared in constant time; the previous one is accepted for 7 days after a rotation.',
      },
      header(
        SIGNATURE_HEADER,
        'Optional. HMAC-SHA1 of the body + timestamp + nonce keyed with the app\u2019s client secret, hex or base64.',
      ),
      header(
        TIMESTAMP_HEADER,
        'With a signature: seconds since the epoch, within 300 s of the receiver\u2019s clock (assumed).',
      ),
      header(NONCE_HEADER, 'With a signature: the nonce it covers (assumed).'),
    ],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: ref('NotificationPayload') } },
    },
    responses: {
      '200': {
        description: 'Every notification is on the queue (a repeated one counted once).',
        content: { 'application/json': { schema: ref('NotificationReceipt') } },
      },
      '400': problemAnswer(
        'The body is not parseable or a notification fails validation (`errors` names the field, e.g. `0.humanId`); nothing is queued.',
      ),
      '401': problemAnswer(
        '`notification-refused`: the path secret is not this deployment\u2019s, or the signature does not verify (its headers, its timestamp\u2019s window, or the client secret); nothing is queued.',
      ),
      '413': problemAnswer(`The body is larger than ${NOTIFICATION_MAX_BODY_BYTES / 1024} KiB.`),
      '415': problemAnswer('The content type is neither JSON nor form-urlencoded.'),
      '503': problemAnswer(
        'Secrets Manager or the notifications queue is unavailable (the title names which): nothing is queued, and Human API delivers again.',
      ),
      '500': problemAnswer('Anything unexpected.'),
    },
    security: [],
  };
}

/** Builds the OpenAPI document (deterministic: same schemas, same bytes). */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Human Connect token backend',
      version: '1',
      description:
        'The server side of Human API\u2019s Human Connect (docs/api.md). Without a JWT authorizer, POST /sessions is open and POST /public-tokens and POST /connect-tokens require AWS IAM (SigV4, service execute-api); with one, every route requires a bearer JWT, but POST /notifications/{secret}, which Human API calls and which proves its caller itself. Every answer carries Cache-Control: no-store. API Gateway\u2019s own refusals (401, the IAM 403, and 404 {"message":"Not Found"} for a route not listed here) are application/json { message }, not problem details.',
    },
    paths: {
      '/sessions': {
        post: operation({
          operationId: 'finishSession',
          summary: 'Finish a v1 Human Connect session',
          bodySchema: 'SessionTokenObject',
          problems: {
            '403': 'The clientId is not this app\u2019s, or the signed-in caller is not the user concerned.',
            '409': 'The same sessionToken is being exchanged right now.',
            '422': 'Human API rejected the session token or humanId.',
          },
          iam: false,
        }),
      },
      '/public-tokens': {
        post: operation({
          operationId: 'recoverPublicToken',
          summary: 'Recover (or refresh) a returning user\u2019s publicToken',
          bodySchema: 'PublicTokenRequest',
          problems: {
            '403': 'In JWT mode, the signed-in caller is not the user concerned.',
            '404': 'No record exists for that user.',
            '422': 'Human API rejected the humanId.',
          },
          iam: true,
        }),
      },
      '/connect-tokens': {
        post: operation({
          operationId: 'connectTokens',
          summary: 'Start a current-generation Connect session: a session token (create) or an id_token (edit)',
          bodySchema: 'ConnectTokenRequest',
          problems: {
            '400':
              'The body is not parseable or fails validation; an IAM caller named no clientUserId; a user not known to have connected sent no email (`errors` names the field); in JWT mode, the signed-in user\u2019s claim cannot be used as a clientUserId (`invalid-caller-id`, `errors` names the claim).',
            '403': 'In JWT mode, the signed-in caller named another user.',
            '422': 'Human API refused a token for this user.',
          },
          iam: true,
          answer: {
            description:
              'The token to open Connect with (`HumanConnect.open({ token })`), its mode and lifetime, and the user\u2019s humanId.',
            schema: 'ConnectSessionToken',
          },
        }),
      },
      '/notifications/{secret}': { post: notificationOperation() },
    },
    components: {
      schemas: {
        SessionTokenObject: component(sessionTokenObjectSchema),
        PublicTokenRequest: component(publicTokenRequestSchema),
        UserPublicToken: component(userPublicTokenSchema),
        ConnectTokenRequest: component(connectTokenRequestSchema),
        ConnectSessionToken: component(connectSessionTokenSchema),
        NotificationPayload: component(notificationPayloadInputSchema),
        NotificationReceipt: component(notificationReceiptSchema),
        // Every problem the functions answer carries its request id (problemResponse sets it), so the
        // published answer requires it; the contract's schema leaves it optional for toProblem's own use.
        Problem: component(z.extend(problemSchema, { requestId: z.string() })),
        GatewayMessage: component(gatewayMessageSchema),
      },
      securitySchemes: {
        // As AWS documents API Gateway's IAM authorization in OpenAPI (x-amazon-apigateway-authtype).
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          'x-amazon-apigateway-authtype': 'awsSigv4',
          description:
            'AWS Signature Version 4 for service execute-api, in the region the stack is deployed to (local mode: AWS_REGION, default us-east-1), by a principal allowed execute-api:Invoke on the route.',
        },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}

/** The document as committed in docs/openapi.json. */
export function openApiText(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
