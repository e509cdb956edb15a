/**
 * Every AWS call each function (and a granted reader) makes, taken from the code itself: the
 * Lambda handlers run their paths (a first finish, a lost condition, a failed write that goes to
 * the outbox, a replay, a failed exchange; recovery by clientUserId, by humanId, with a refresh
 * and a lost refresh; the data gateway's v1 read, mint and reconnect mark; …) against mocked AWS clients, and the commands they sent are recorded as
 * they were sent. The access suite then asks IAM about each one (`aws-requests.ts`).
 *
 * The handlers read their configuration at import: the unit project's environment (vitest.config.ts),
 * with Human API served on loopback.
 */
import { createHmac } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createLambdaContext } from '../../../local/lambda-adapter.js';
import { httpApiEvent } from '../../support/api-gateway-event.js';
import { serveFetchHandler } from '../../support/loopback-fetch-server.js';
import type { RecordedCall } from './aws-requests.js';

/** The names the workloads' code is configured with (the unit project's environment). */
export const WORKLOAD_NAMES = {
  tokensTable: process.env.TOKENS_TABLE_NAME ?? '',
  idempotencyTable: process.env.IDEMPOTENCY_TABLE_NAME ?? '',
  secretId: process.env.HUMANAPI_SECRET_ID ?? '',
  tokenKeyId: process.env.TOKEN_KEY_ID ?? '',
  outboxQueueUrl: process.env.OUTBOX_QUEUE_URL ?? '',
  rejectedGrantsQueueUrl: process.env.REJECTED_GRANTS_QUEUE_URL ?? '',
  deadLettersQueueUrl: process.env.DEAD_LETTERS_QUEUE_URL ?? '',
  deadLettersQueueArn: process.env.DEAD_LETTERS_QUEUE_ARN ?? '',
  clientId: process.env.HUMANAPI_CLIENT_ID ?? '',
  notificationsSecretId: process.env.NOTIFICATIONS_SECRET_ID ?? '',
  notificationsQueueUrl: process.env.NOTIFICATIONS_QUEUE_URL ?? '',
} as const;

/** The principals whose calls are recorded: the stack's functions and a granted reader. */
export type Workload =
  | 'FinishSession'
  | 'RecoverPublicToken'
  | 'ConnectTokens'
  | 'HumanData'
  | 'DeleteUser'
  | 'DrainOutbox'
  | 'RedriveOutbox'
  | 'ReceiveNotification'
  | 'Reader';

type Answer = (url: string, init: RequestInit) => Promise<Response>;
let humanApi: Answer = async () => new Response('{}', { status: 500 });
const humanApiUrl = await serveFetchHandler((url, init) => humanApi(url, init));
process.env.HUMANAPI_BASE_URL = humanApiUrl;
process.env.HUMANAPI_AUTH_BASE_URL = humanApiUrl;
process.env.HUMANAPI_DATA_BASE_URL = humanApiUrl;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

const stubs = {
  dynamodb: mockClient(DynamoDBClient),
  documents: mockClient(DynamoDBDocumentClient),
  kms: mockClient(KMSClient),
  sqs: mockClient(SQSClient),
  secretsmanager: mockClient(SecretsManagerClient),
};

/** lib-dynamodb's commands are DynamoDB's operations under other names. */
const DOCUMENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
};

/** The calls a stub received, as commands (name and input). */
function commandsOf(stub: { calls(): { args: unknown[] }[] }): { name: string; input: Record<string, unknown> }[] {
  return stub.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
    return { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}

function recorded(): RecordedCall[] {
  const as = (
    service: RecordedCall['service'],
    stub: { calls(): { args: unknown[] }[] },
    rename = (name: string) => name,
  ) => commandsOf(stub).map(({ name, input }): RecordedCall => ({ service, operation: rename(name), input }));
  return [
    ...as('dynamodb', stubs.dynamodb),
    ...as('dynamodb', stubs.documents, (name) => DOCUMENT_OPERATIONS[name] ?? name),
    ...as('kms', stubs.kms),
    ...as('sqs', stubs.sqs),
    ...as('secretsmanager', stubs.secretsmanager),
  ];
}

/** Runs one scenario from fresh stubs (answers a secret and an encryption by default) and answers its calls. */
async function scenario(run: () => Promise<unknown>): Promise<RecordedCall[]> {
  for (const stub of Object.values(stubs)) stub.reset();
  stubs.secretsmanager.on(GetSecretValueCommand).resolves({ SecretString: '{"clientSecret":"the-secret"}' });
  stubs.kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]) });
  stubs.dynamodb.on(PutItemCommand).resolves({});
  stubs.dynamodb.on(UpdateItemCommand).resolves({});
  stubs.dynamodb.on(DeleteItemCommand).resolves({});
  await run();
  return recorded();
}

const lostCondition = () => new ConditionalCheckFailedException({ message: 'lost', $metadata: {} });
const unavailable = () =>
  Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $fault: 'server' });
const context = (name: string) => createLambdaContext(name, 10_000);

const session = { humanId: 'a1'.repeat(12), clientId: WORKLOAD_NAMES.clientId, sessionToken: 'f0'.repeat(16) };
const exchange = {
  humanId: session.humanId,
  accessToken: 'ac'.repeat(20),
  publicToken: 'pb'.repeat(16),
  clientId: WORKLOAD_NAMES.clientId,
  clientUserId: 'alice',
};
const storedRecord = {
  clientUserId: 'alice',
  humanId: session.humanId,
  clientId: WORKLOAD_NAMES.clientId,
  accessTokenCiphertext: 'AQID',
  accessTokenIssuedAt: '2026-01-01T00:00:00.000Z',
  publicToken: 'pb'.repeat(16),
  publicTokenIssuedAt: '2026-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};

async function finishSessionCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/finish-session.js');
  const finish = (token: string) =>
    handler(httpApiEvent({ body: JSON.stringify({ ...session, sessionToken: token }) }), context('finishSession'));
  humanApi = async () => json(201, exchange);
  return [
    // A first finish: idempotency record, exchange, encryption, upsert, record completed.
    ...(await scenario(async () => {
      stubs.documents.on(UpdateCommand).resolves({ Attributes: storedRecord });
      await finish('a0'.repeat(16));
    })),
    // The upsert's condition lost: the record is read, and the newer parts written on its version.
    ...(await scenario(async () => {
      stubs.documents.on(UpdateCommand).rejectsOnce(lostCondition()).resolves({ Attributes: storedRecord });
      stubs.documents.on(GetCommand).resolves({ Item: storedRecord });
      await finish('a1'.repeat(16));
    })),
    // The table is down: the grant goes to the outbox.
    ...(await scenario(async () => {
      stubs.documents.on(UpdateCommand).rejects(unavailable());
      stubs.sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
      await finish('a2'.repeat(16));
    })),
    // A replay: the stored answer, refreshed from the record.
    ...(await scenario(async () => {
      stubs.dynamodb.on(PutItemCommand).rejects(
        new ConditionalCheckFailedException({
          message: 'exists',
          $metadata: {},
          Item: {
            id: { S: 'key' },
            status: { S: 'COMPLETED' },
            expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
            data: { M: { humanId: { S: session.humanId }, clientUserId: { S: 'alice' }, publicToken: { S: 'p' } } },
          },
        }),
      );
      stubs.documents.on(GetCommand).resolves({ Item: storedRecord });
      await finish('a3'.repeat(16));
    })),
    // The exchange fails: the in-progress idempotency record is deleted.
    ...(await scenario(async () => {
      humanApi = async () => json(500, {});
      await finish('a4'.repeat(16));
      humanApi = async () => json(201, exchange);
    })),
    // An idempotency record that cannot be written at first is read back.
    ...(await scenario(async () => {
      stubs.dynamodb.on(PutItemCommand).rejects(lostCondition());
      stubs.dynamodb.on(GetItemCommand).resolves({});
      await finish('a5'.repeat(16));
    })),
  ];
}

async function recoverPublicTokenCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/recover-public-token.js');
  const recover = (body: unknown) =>
    handler(httpApiEvent({ path: '/public-tokens', body: JSON.stringify(body) }), context('recoverPublicToken'));
  const recovery = { clientUserId: 'alice', humanId: session.humanId, publicToken: 'pb'.repeat(16), version: 1 };
  humanApi = async () => json(200, { humanId: session.humanId, publicToken: 'pn'.repeat(16) });
  return [
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({ Item: recovery });
      await recover({ clientUserId: 'alice' });
    })),
    ...(await scenario(async () => {
      stubs.documents.on(QueryCommand).resolves({ Items: [recovery] });
      await recover({ humanId: session.humanId });
    })),
    // A refresh: Human API's new publicToken, written if newer.
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({ Item: recovery });
      stubs.documents.on(UpdateCommand).resolves({ Attributes: { publicToken: 'pn'.repeat(16), version: 2 } });
      await recover({ clientUserId: 'alice', refresh: true });
    })),
    // A refresh whose write lost: the record is read (projected) and written on its version.
    ...(await scenario(async () => {
      stubs.documents
        .on(GetCommand)
        .resolves({ Item: { ...recovery, publicTokenIssuedAt: '2026-01-01T00:00:00.000Z' } });
      stubs.documents
        .on(UpdateCommand)
        .rejectsOnce(lostCondition())
        .resolves({ Attributes: { publicToken: 'pn'.repeat(16), version: 3 } });
      await recover({ clientUserId: 'alice', refresh: true });
    })),
  ];
}

async function connectTokensCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/connect-tokens.js');
  const connect = (body: unknown) =>
    handler(httpApiEvent({ path: '/connect-tokens', body: JSON.stringify(body) }), context('connectTokens'));
  return [
    // A new user: a session token, and the humanId recorded.
    ...(await scenario(async () => {
      humanApi = async () => json(200, { session_token: 'st', expires_in: 3600, human_id: session.humanId });
      stubs.documents.on(GetCommand).resolves({});
      stubs.documents.on(UpdateCommand).resolves({});
      await connect({ clientUserId: 'alice', email: 'alice@example.com' });
    })),
    // A connected user: an id_token; a write that lost its condition is checked by a read.
    ...(await scenario(async () => {
      humanApi = async () => json(200, { id_token: 'it', expires_in: 3600, human_id: session.humanId });
      stubs.documents.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId: session.humanId } });
      stubs.documents.on(UpdateCommand).rejects(lostCondition());
      await connect({ clientUserId: 'alice', email: 'alice@example.com' });
    })),
  ];
}

async function humanDataCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/human-data.js');
  // Each scenario reads a user of its own: the gateway keeps a read token for minutes.
  const read = (clientUserId: string) =>
    handler(
      httpApiEvent({
        method: 'GET',
        path: `/users/${clientUserId}/human/activities/summaries`,
        routePath: '/users/{clientUserId}/human/{path+}',
        pathParameters: { clientUserId, path: 'activities/summaries' },
        body: undefined,
        contentType: null,
      }),
      context('humanData'),
    );
  /** Human API: mints access tokens, and answers the data API with `dataStatus`. */
  const humanApiAnswering = (dataStatus: number) => async (url: string) =>
    new URL(url).pathname === '/v1/connect/token'
      ? json(200, { access_token: 'mt'.repeat(20), expires_in: 86_400, token_type: 'Bearer' })
      : json(dataStatus, dataStatus === 200 ? [] : {});
  const v1Record = (clientUserId: string) => ({
    Item: { clientUserId, humanId: session.humanId, accessTokenCiphertext: 'AQID' },
  });
  return [
    // A v1 user: the stored ciphertext decrypted with the record's context, then the data API.
    ...(await scenario(async () => {
      humanApi = humanApiAnswering(200);
      stubs.documents.on(GetCommand).resolves(v1Record('hd-alice'));
      stubs.kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('token') });
      await read('hd-alice');
    })),
    // A current-generation user: minted, encrypted and stored (the write lost to another, whose id is read back).
    ...(await scenario(async () => {
      humanApi = humanApiAnswering(200);
      stubs.documents.on(GetCommand).resolves({ Item: { clientUserId: 'hd-bob', humanId: session.humanId } });
      stubs.documents.on(UpdateCommand).rejects(lostCondition());
      await read('hd-bob');
    })),
    // Human API refuses a v1 token: the record is marked, the user must connect again.
    ...(await scenario(async () => {
      humanApi = humanApiAnswering(401);
      stubs.documents.on(GetCommand).resolves(v1Record('hd-carl'));
      stubs.documents.on(UpdateCommand).resolves({});
      stubs.kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('token') });
      await read('hd-carl');
    })),
  ];
}

async function deleteUserCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/delete-user.js');
  const remove = (clientUserId: string) =>
    handler(
      httpApiEvent({
        method: 'DELETE',
        path: `/users/${clientUserId}`,
        routePath: '/users/{clientUserId}',
        pathParameters: { clientUserId },
        body: undefined,
        contentType: null,
        iamPrincipal: 'arn:aws:iam::123456789012:role/app-backend',
      }),
      context('deleteUser'),
    );
  const listed = {
    ...storedRecord,
    lastWriteId: 'w1',
    idempotencyRecords: [
      { id: 'finishSession#completed', expiresAt: 1_900_000_000 },
      { id: 'finishSession#in-flight', expiresAt: 1_900_000_000 },
    ],
  };
  return [
    // A user with two listed idempotency records: the projected read, the tombstone, and the
    // removals (a finished record; one whose finish still runs, then absent on the rechecks).
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({ Item: listed });
      stubs.documents.on(UpdateCommand).resolves({});
      stubs.documents
        .on(DeleteCommand, { Key: { id: 'finishSession#completed' } })
        .resolves({})
        .on(DeleteCommand, { Key: { id: 'finishSession#in-flight' }, ConditionExpression: '#status = :completed' })
        .rejects(lostCondition())
        .on(DeleteCommand, { Key: { id: 'finishSession#in-flight' }, ConditionExpression: 'attribute_exists(id)' })
        .resolvesOnce({})
        .rejects(lostCondition());
      await remove('alice');
    })),
    // A tombstone write that lost to a writer in between: read again, written again.
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({ Item: { clientUserId: 'bob', deletedAt: '2026-12-01T00:00:00.000Z' } });
      stubs.documents.on(UpdateCommand).rejectsOnce(lostCondition()).resolves({});
      await remove('bob');
    })),
  ];
}

async function drainOutboxCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/drain-outbox.js');
  const grant = {
    clientUserId: 'alice',
    humanId: session.humanId,
    clientId: WORKLOAD_NAMES.clientId,
    accessTokenCiphertext: 'AQID',
    accessTokenIssuedAt: new Date().toISOString(),
    publicToken: 'pb'.repeat(16),
    publicTokenIssuedAt: new Date().toISOString(),
  };
  const event = (...bodies: string[]): SQSEvent => ({
    Records: bodies.map((body, index) => ({
      messageId: `m-${index}`,
      receiptHandle: `r-${index}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'sender',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:outbox',
      awsRegion: 'us-east-1',
    })),
  });
  return [
    // A grant whose write lost its condition, and a message that is no grant: set aside.
    ...(await scenario(async () => {
      stubs.documents.on(UpdateCommand).rejectsOnce(lostCondition()).resolves({ Attributes: storedRecord });
      stubs.documents.on(GetCommand).resolves({ Item: storedRecord });
      stubs.sqs.on(SendMessageCommand).resolves({ MessageId: 'rejected' });
      await handler(event(JSON.stringify(grant), 'not a grant'), context('drainOutbox'));
    })),
  ];
}

async function redriveOutboxCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/redrive-outbox.js');
  return [
    // Grants wait and the table answers: they move back to the outbox.
    ...(await scenario(async () => {
      stubs.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
      stubs.sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task' });
      stubs.documents.on(GetCommand).resolves({});
      await handler({}, context('redriveOutbox'));
    })),
  ];
}

async function receiveNotificationCalls(): Promise<RecordedCall[]> {
  const { handler } = await import('../../../functions/receive-notification.js');
  const pathSecret = 'Pa7hS3cretOfThisDeployment0123456789abcdefABCDEF';
  const receive = () =>
    handler(
      httpApiEvent({
        path: `/notifications/${pathSecret}`,
        routePath: '/notifications/{secret}',
        pathParameters: { secret: pathSecret },
        // Signed (with the client secret the scenario's Secrets Manager answers), at the time it ran.
        headers: signedHeaders(`[{"humanId":"${session.humanId}"}]`, 'the-secret'),
        body: `[{"humanId":"${session.humanId}"}]`,
      }),
      context('receiveNotification'),
    );
  return [
    // A signed notification: both secrets read (each stage), then handed to the queue.
    ...(await scenario(async () => {
      stubs.secretsmanager
        .on(GetSecretValueCommand, { SecretId: WORKLOAD_NAMES.notificationsSecretId })
        .resolves({ SecretString: pathSecret, CreatedDate: new Date() });
      stubs.sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
      await receive();
    })),
  ];
}

/** `X-HumanAPI-Signature` and its headers for `body`, as Human API signs (docs/notifications.md#the-signature). */
function signedHeaders(body: string, clientSecret: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = 'workload-nonce';
  return {
    'x-humanapi-signature': createHmac('sha1', clientSecret).update(`${body}${timestamp}${nonce}`).digest('hex'),
    'x-humanapi-timestamp': timestamp,
    'x-humanapi-nonce': nonce,
  };
}

async function readerCalls(): Promise<RecordedCall[]> {
  const { createAccessTokenReader } = await import('../../../functions/reader/read-access-token.js');
  const reader = () =>
    createAccessTokenReader({ tableName: WORKLOAD_NAMES.tokensTable, keyId: WORKLOAD_NAMES.tokenKeyId });
  humanApi = async () => json(200, { access_token: 'mt'.repeat(20), expires_in: 86_400, token_type: 'Bearer' });
  return [
    // A v1 user: the stored ciphertext, decrypted with the record's context.
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({
        Item: { clientUserId: 'alice', humanId: session.humanId, accessTokenCiphertext: 'AQID' },
      });
      stubs.kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('token') });
      await reader().readAccessToken({ clientUserId: 'alice' });
    })),
    // A current-generation user without a fresh minted token: minted, encrypted and stored; the
    // write lost to another one, whose id is read back.
    ...(await scenario(async () => {
      stubs.documents.on(GetCommand).resolves({ Item: { clientUserId: 'bob', humanId: session.humanId } });
      stubs.documents.on(UpdateCommand).rejects(lostCondition());
      await reader().readAccessToken({ clientUserId: 'bob' });
    })),
  ];
}

/** Runs every workload, one after another (they share the stubs), and answers each one's calls. */
export async function recordWorkloads(): Promise<Record<Workload, RecordedCall[]>> {
  return {
    FinishSession: await finishSessionCalls(),
    RecoverPublicToken: await recoverPublicTokenCalls(),
    ConnectTokens: await connectTokensCalls(),
    HumanData: await humanDataCalls(),
    DeleteUser: await deleteUserCalls(),
    DrainOutbox: await drainOutboxCalls(),
    RedriveOutbox: await redriveOutboxCalls(),
    ReceiveNotification: await receiveNotificationCalls(),
    Reader: await readerCalls(),
  };
}
