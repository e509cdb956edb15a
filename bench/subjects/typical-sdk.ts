/**
 * `finishSession` as a careful team would write it with the usual tools: AWS SDK v3 clients,
 * Powertools Logger, middy with its JSON body parser, `fetch` to Human API, the secret cached
 * per instance. The same six requests (`bare-finish.ts`). Bundled with esbuild's defaults
 * plus minify and ESM, and run with `--enable-source-maps` (bench/cold-start.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type BareSession, clientSecretOf, createBareFinish } from '../bare-finish.js';
import { sdkDynamoDbCall } from './sdk-dynamodb.js';

const logger = new Logger({ serviceName: 'typical-sdk' });
const dynamoDbClient = new DynamoDBClient({});
const secretsManager = new SecretsManagerClient({});
const kmsClient = new KMSClient({});
let clientSecret: Promise<string> | undefined;
const env = (name: string) => process.env[name] ?? '';

const dynamoDb = sdkDynamoDbCall(dynamoDbClient);

const finish = createBareFinish({
  dynamoDb,
  postJson: async (url, body) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: response.status, text: await response.text() };
  },
  encrypt: async (clientUserId, plaintext) => {
    const output = await kmsClient.send(
      new EncryptCommand({
        KeyId: env('TOKEN_KEY_ID'),
        Plaintext: new TextEncoder().encode(plaintext),
        EncryptionContext: { clientUserId },
      }),
    );
    return Buffer.from(output.CiphertextBlob ?? new Uint8Array()).toString('base64');
  },
  clientSecret: () => {
    clientSecret ??= secretsManager
      .send(new GetSecretValueCommand({ SecretId: env('HUMANAPI_SECRET_ID') }))
      .then((output) => clientSecretOf(output.SecretString));
    return clientSecret;
  },
  humanApiBaseUrl: env('HUMANAPI_BASE_URL'),
  tokensTableName: env('TOKENS_TABLE_NAME'),
  idempotencyTableName: env('IDEMPOTENCY_TABLE_NAME'),
  keyPrefix: 'finishSession.typical',
  expiresAfterSeconds: 3600,
  remainingTimeMs: 10_000,
});

/** Finishes the session in the (parsed) body. */
export const handler = middy<APIGatewayProxyEventV2 & { body: BareSession }, APIGatewayProxyStructuredResultV2>()
  .use(httpJsonBodyParser())
  .handler(async (event) => {
    const answer = await finish(event.body);
    logger.info('session finished', { humanId: answer.humanId });
    return { statusCode: 200, body: JSON.stringify(answer) };
  });
