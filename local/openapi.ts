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
  userDeletionSchema,
  userPublicTokenSchema,
} from '../functions/contract/answers.js';
import { clientUserIdSchema } from '../functions/contract/fields.js';
import {
  HUMAN_DATA_ENDPOINTS,
  type LIST_QUERY_RULES,
  MAX_LIMIT,
  MAX_OFFSET,
} from '../functions/contract/human-data.js';
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

/** The query parameters of a list (docs/api.md#get-usersclientuseridhumanpath), by name. */
const LIST_PARAMETER_SCHEMAS: Readonly<Record<keyof typeof LIST_QUERY_RULES, JsonObject>> = {
  limit: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_LIMIT,
    description: 'Records per page (Human API: 50 when absent).',
  },
  offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'Index of the first record.' },
  created_since: { type: 'string', description: 'Records created after this UTC time (YYYYMMDDTHHmmssZ or ISO 8601).' },
  created_before: { type: 'string', description: 'Records created before this UTC time.' },
  updated_since: { type: 'string', description: 'Records updated after this UTC time.' },
  updated_before: { type: 'string', description: 'Records updated before this UTC time.' },
  start_date: { type: 'string', format: 'date', description: 'The oldest day (YYYY-MM-DD), with end_date.' },
  end_date: { type: 'string', format: 'date', description: 'The most recent day (YYYY-MM-DD), with start_date.' },
  source: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'One source\u2019s records.' },
};

/** `GET /users/{clientUserId}/human/{path+}`: the data gateway, hand-written (it takes no body). */
function humanDataOperation(): JsonObject {
  const problems: Record<string, string> = {
    '400':
      'A path or query parameter breaks the rules (`invalid-parameter`, `errors` names `path.clientUserId`, `path.path` or `query.<name>`), the request has a body (`unexpected-body`), or in JWT mode the signed-in user\u2019s claim cannot be used as a clientUserId (`invalid-caller-id`). Nothing is read and Human API is not called.',
    '404':
      'No record exists for that user (`no-token-record`), or Human API has no such record (`humanapi-not-found`).',
    '409':
      'Human API refused the user\u2019s access token and no other can be had (`reconnect-required`): the user must connect again; the record now says so, and POST /connect-tokens answers create.',
    '502':
      'Human API failed after the retries (5xx, a broken connection, an unreadable answer), or its page is larger than a Lambda answer can carry (`data-page-too-large`: ask a smaller limit).',
    '503':
      'DynamoDB, KMS or Secrets Manager is unavailable (the title names which), or Human API answered 429 (with Retry-After).',
    '504': 'Human API did not answer within the timeout, after the retries.',
    '500': 'Anything unexpected.',
  };
  const functionForbidden = 'In JWT mode, the signed-in caller named another user (`caller-mismatch`).';
  return {
    operationId: 'humanData',
    summary: 'Read a user\u2019s health data from Human API through the vault (the data gateway)',
    description: `The path is \`{path+}\` in API Gateway: one of ${HUMAN_DATA_ENDPOINTS.map((endpoint) => `\`${endpoint.template}\``).join(', ')} ({id}: a record\u2019s id, or for summaries a YYYY-MM-DD day). Lists take the query parameters below; a record takes none. Every parameter at most once; any other is refused (400).`,
    parameters: [
      {
        name: 'clientUserId',
        in: 'path',
        required: true,
        description: 'The user; `me` for the signed-in user in JWT mode.',
        schema: { type: 'string', minLength: 1, maxLength: 256 },
      },
      {
        name: 'path',
        in: 'path',
        required: true,
        description:
          'The endpoint under /v1/human/, one to four segments of letters, digits, _ and -, not percent-encoded.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,3}$' },
      },
      ...Object.entries(LIST_PARAMETER_SCHEMAS).map(([name, schema]) => ({
        name,
        in: 'query',
        required: false,
        schema,
      })),
    ],
    responses: {
      '200': {
        description: 'Human API\u2019s JSON as it came: a record, or a page of a list.',
        headers: {
          'X-Total-Count': {
            description: 'Records in the whole list (Human API\u2019s).',
            schema: { type: 'integer' },
          },
          Link: {
            description:
              'RFC 8288 links to the next and previous pages (`rel="next"`, `"prev"`), on this API\u2019s own path.',
            schema: { type: 'string' },
          },
        },
        content: { 'application/json': { schema: {} } },
      },
      ...Object.fromEntries(Object.entries(problems).map(([status, text]) => [status, problemAnswer(text)])),
      '401': JWT_REFUSED,
      '403': {
        description: `One of two answers, told apart by content type. From the function, application/problem+json: ${functionForbidden} From API Gateway before any function runs, application/json {"message":"Forbidden"}: without JWT, the request is not signed (SigV4) by an allowed principal; local mode adds a \`reason\` saying what was wrong with the signature.`,
        content: { ...PROBLEM_CONTENT, ...GATEWAY_CONTENT },
      },
    },
    security: [{ sigv4: [] }, { jwt: [] }],
  };
}

/**
 * `DELETE /users/{clientUserId}` (docs/api.md#delete-usersclientuserid): no body, one path
 * parameter, no Human API call, so none of the statuses of bodies or of Human API.
 */
function deleteUserOperation(): JsonObject {
  return {
    operationId: 'deleteUser',
    summary: 'Delete a user\u2019s tokens from the vault, leaving a tombstone no late grant passes',
    description:
      'Removes the user\u2019s record (every token and the humanId) and the idempotency records holding their publicToken, leaving a tombstone: no token Human API issued before `deletedAt` is stored again. Idempotent. Deletes nothing at Human API (`deleted.atHumanApi` is always false). Takes no body and no query parameter.',
    parameters: [
      {
        name: 'clientUserId',
        in: 'path',
        required: true,
        description:
          'The user, percent-encoded; in JWT mode only the signed-in user, or `me` for them (an IAM caller cannot use `me`).',
        schema: component(clientUserIdSchema),
      },
    ],
    responses: {
      '200': {
        description: 'What this call removed, and the tombstone\u2019s time.',
        content: { 'application/json': { schema: ref('UserDeletion') } },
      },
      '400': problemAnswer(
        'The path\u2019s clientUserId breaks the rules, or is `me` from an IAM caller, or a query parameter was sent (`invalid-parameter`, `errors` names `path.clientUserId` or `query.<name>`); a body was sent (`unexpected-body`); in JWT mode, the signed-in user\u2019s claim cannot be used as a clientUserId (`invalid-caller-id`).',
      ),
      '401': JWT_REFUSED,
      '403': {
        description:
          'One of two answers, told apart by content type. From the function, application/problem+json: in JWT mode, the signed-in caller named another user (`caller-mismatch`). From API Gateway before any function runs, application/json {"message":"Forbidden"}: without JWT, the request is not signed (SigV4) by an allowed principal; local mode adds a `reason` saying what was wrong with the signature.',
        content: { ...PROBLEM_CONTENT, ...GATEWAY_CONTENT },
      },
      '503': problemAnswer(
        'DynamoDB is unavailable; what was written stays written, and a retry completes the deletion.',
      ),
      '500': problemAnswer('Anything unexpected.'),
    },
    security: [{ sigv4: [] }, { jwt: [] }],
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
        'The server side of Human API\u2019s Human Connect (docs/api.md). Without a JWT authorizer, POST /sessions is open, POST /notifications/{secret} proves its caller itself, and the other routes require AWS IAM (SigV4, service execute-api); with one, every route requires a bearer JWT but POST /notifications/{secret}, which Human API calls. Every answer carries Cache-Control: no-store. API Gateway\u2019s own refusals (401, the IAM 403, and 404 {"message":"Not Found"} for a route not listed here) are application/json { message }, not problem details.',
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
      '/users/{clientUserId}/human/{path}': { get: humanDataOperation() },
      '/users/{clientUserId}': { delete: deleteUserOperation() },
      '/notifications/{secret}': { post: notificationOperation() },
    },
    components: {
      schemas: {
        SessionTokenObject: component(sessionTokenObjectSchema),
        PublicTokenRequest: component(publicTokenRequestSchema),
        UserPublicToken: component(userPublicTokenSchema),
        ConnectTokenRequest: component(connectTokenRequestSchema),
        ConnectSessionToken: component(connectSessionTokenSchema),
        UserDeletion: component(userDeletionSchema),
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
