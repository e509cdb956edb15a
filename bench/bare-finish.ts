/**
 * The downstream requests a first `finishSession` makes on its happy path, issued directly,
 * with no middleware, validation, idempotency library, logger or secret cache around them:
 *
 * 1. `PutItem` of an in-progress record on the idempotency table (the item and condition
 *    Powertools Idempotency writes),
 * 2. `POST /v1/connect/tokens` to Human API,
 * 3. KMS `Encrypt` of the accessToken under the token key, the record's `clientUserId` as
 *    encryption context (`functions/adapters/token-cipher.ts`),
 * 4. `UpdateItem` upsert of the user's tokens, the ciphertext in place of the accessToken (the
 *    attributes of `functions/adapters/token-store.ts`: newest wins, one write ID per call),
 * 5. `UpdateItem` completing the idempotency record with the answer.
 *
 * (The SQS outbox is sent to only when the token write fails, never on this path.)
 *
 * Transport-agnostic: the floor sends them over signed `node:http` (`floor-http.ts`), the
 * references through the AWS SDK (`subjects/`).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { PutItemCommandInput, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Sends one DynamoDB request (wire-format input) and answers its output. */
export interface DynamoDbCall {
  (operation: 'PutItem', input: PutItemCommandInput): Promise<unknown>;
  (operation: 'UpdateItem', input: UpdateItemCommandInput): Promise<unknown>;
}
/** The sessionTokenObject fields a finish forwards. */
export interface BareSession {
  readonly humanId: string;
  readonly clientId: string;
  readonly sessionToken: string;
}

/** What a finish answers. */
export interface BareFinishAnswer {
  readonly humanId: string;
  readonly clientUserId: string;
  readonly publicToken: string;
}

/** Settings of {@link createBareFinish}. */
export interface BareFinishOptions {
  /** DynamoDB requests. */
  readonly dynamoDb: DynamoDbCall;
  /** POSTs JSON to Human API and answers the status and body. */
  readonly postJson: (url: string, body: string) => Promise<{ readonly status: number; readonly text: string }>;
  /** Human API origin, without a trailing slash. */
  readonly humanApiBaseUrl: string;
  /** KMS `Encrypt` of `plaintext` with the record's encryption context; answers the ciphertext, base64. */
  readonly encrypt: (clientUserId: string, plaintext: string) => Promise<string>;
  /** The app's client secret, already at hand (the full handler caches it). */
  readonly clientSecret: () => Promise<string>;
  readonly tokensTableName: string;
  readonly idempotencyTableName: string;
  /** Prefix of idempotency keys (Powertools uses the function name). */
  readonly keyPrefix: string;
  /** How long a finished record is kept, in seconds (the handler's `expiresAfterSeconds`). */
  readonly expiresAfterSeconds: number;
  /** Time left in the invocation, for the in-progress expiry. */
  readonly remainingTimeMs: number;
}

const IN_PROGRESS_CONDITION =
  'attribute_not_exists(#id) OR #expiry < :now OR ' +
  '(#status = :inprogress AND attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_in_millis)';

/** The token upsert of `functions/adapters/token-store.ts` (the benchmark checks both store the same attributes). */
const TOKEN_UPSERT =
  'SET humanId = :humanId, clientId = :clientId, accessTokenCiphertext = :ciphertext, ' +
  'accessTokenIssuedAt = :issuedAt, publicToken = :publicToken, publicTokenIssuedAt = :issuedAt, ' +
  'createdAt = if_not_exists(createdAt, :now), updatedAt = :now, lastWriteId = :writeId, ' +
  // The finish lists its idempotency record on the user's record, for a deletion to remove.
  'idempotencyRecords = list_append(if_not_exists(idempotencyRecords, :noRecords), :records) REMOVE accessToken ' +
  'ADD version :one';
const TOKEN_UPSERT_CONDITION =
  '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId) AND ' +
  '(attribute_not_exists(accessTokenIssuedAt) OR accessTokenIssuedAt <= :issuedAt)';

/** The answer of Human API's tokens endpoint, as far as this floor reads it. */
interface TokensAnswer {
  readonly humanId: string;
  readonly accessToken: string;
  readonly publicToken: string;
  readonly clientId: string;
  readonly clientUserId: string;
}

/**
 * The client secret in a `SecretString` stored as `{"clientSecret": …}`, as local mode stores it.
 * (Not the functions' `parseClientSecret`: its module brings Powertools Logger into a floor.)
 */
export function clientSecretOf(secretString: unknown): string {
  const parsed: unknown = JSON.parse(String(secretString ?? '{}'));
  return typeof parsed === 'object' && parsed !== null && 'clientSecret' in parsed ? String(parsed.clientSecret) : '';
}

/** A string attribute of an `UpdateItem` output's `Attributes` (`''` when absent). */
function stringAttribute(output: unknown, name: string): string {
  if (typeof output !== 'object' || output === null || !('Attributes' in output)) return '';
  const attributes: unknown = output.Attributes;
  if (typeof attributes !== 'object' || attributes === null || !(name in attributes)) return '';
  const value: unknown = (attributes as Record<string, unknown>)[name];
  return typeof value === 'object' && value !== null && 'S' in value && typeof value.S === 'string' ? value.S : '';
}

/** Creates the bare finish: one call makes the five requests in order and answers the public fields. */
export function createBareFinish(options: BareFinishOptions): (session: BareSession) => Promise<BareFinishAnswer> {
  const { dynamoDb, postJson, humanApiBaseUrl, tokensTableName, idempotencyTableName } = options;
  return async (session) => {
    const hash = createHash('md5')
      .update(JSON.stringify([session.sessionToken, null]))
      .digest('base64');
    const id = { S: `${options.keyPrefix}#${hash}` };
    const nowMs = Date.now();
    const expiration = { N: String(Math.floor(nowMs / 1000) + options.expiresAfterSeconds) };

    await dynamoDb('PutItem', {
      TableName: idempotencyTableName,
      Item: {
        id,
        expiration,
        status: { S: 'INPROGRESS' },
        in_progress_expiration: { N: String(nowMs + options.remainingTimeMs) },
      },
      ExpressionAttributeNames: {
        '#id': 'id',
        '#expiry': 'expiration',
        '#in_progress_expiry': 'in_progress_expiration',
        '#status': 'status',
      },
      ExpressionAttributeValues: {
        ':now': { N: String(nowMs / 1000) },
        ':now_in_millis': { N: String(nowMs) },
        ':inprogress': { S: 'INPROGRESS' },
      },
      ConditionExpression: IN_PROGRESS_CONDITION,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });

    const response = await postJson(
      `${humanApiBaseUrl}/v1/connect/tokens`,
      JSON.stringify({
        humanId: session.humanId,
        clientId: session.clientId,
        sessionToken: session.sessionToken,
        clientSecret: await options.clientSecret(),
      }),
    );
    if (response.status !== 200 && response.status !== 201) throw new Error(`Human API answered ${response.status}`);
    const grant = JSON.parse(response.text) as TokensAnswer;

    const ciphertext = await options.encrypt(grant.clientUserId, grant.accessToken);
    const timestamp = new Date().toISOString();
    const updated = await dynamoDb('UpdateItem', {
      TableName: tokensTableName,
      Key: { clientUserId: { S: grant.clientUserId } },
      UpdateExpression: TOKEN_UPSERT,
      ConditionExpression: TOKEN_UPSERT_CONDITION,
      ExpressionAttributeValues: {
        ':humanId': { S: grant.humanId },
        ':ciphertext': { S: ciphertext },
        ':publicToken': { S: grant.publicToken },
        ':clientId': { S: grant.clientId },
        ':now': { S: timestamp },
        ':issuedAt': { S: timestamp },
        ':writeId': { S: randomUUID() },
        ':one': { N: '1' },
        ':noRecords': { L: [] },
        ':records': { L: [{ M: { id: id, expiresAt: expiration } }] },
      },
      ReturnValues: 'ALL_NEW',
    });
    const answer: BareFinishAnswer = {
      humanId: stringAttribute(updated, 'humanId'),
      clientUserId: stringAttribute(updated, 'clientUserId'),
      publicToken: stringAttribute(updated, 'publicToken'),
    };

    await dynamoDb('UpdateItem', {
      TableName: idempotencyTableName,
      Key: { id },
      UpdateExpression: 'SET #expiry = :expiry, #status = :status, #response_data = :response_data',
      ExpressionAttributeNames: { '#expiry': 'expiration', '#status': 'status', '#response_data': 'data' },
      ExpressionAttributeValues: {
        ':expiry': expiration,
        ':status': { S: 'COMPLETED' },
        ':response_data': {
          M: {
            humanId: { S: answer.humanId },
            clientUserId: { S: answer.clientUserId },
            publicToken: { S: answer.publicToken },
          },
        },
      },
    });
    return answer;
  };
}

/** A subject's Lambda handler: finishes the session in the event's body, answers the tokens as JSON. */
export function bareFinishHandler(finish: (session: BareSession) => Promise<BareFinishAnswer>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => ({
    statusCode: 200,
    body: JSON.stringify(await finish(JSON.parse(event.body ?? '{}') as BareSession)),
  });
}
