/**
 * Warm reference of `finishSession`: the same requests (`bare-finish.ts`) through the
 * functions' own AWS SDK clients and `node:http` to Human API, without middleware, validation,
 * Powertools or a secret cache (the secret is read once, at init).
 */

import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  createDynamoDbClient,
  createKmsClient,
  createSecretsManagerClient,
} from '../../functions/adapters/aws-clients.js';
import { readConfig } from '../../functions/commons/config.js';
import { type BareSession, clientSecretOf, createBareFinish, type DynamoDbCall } from '../bare-finish.js';
import { post } from '../floor-http.js';

const config = readConfig();
const client = createDynamoDbClient();
const kmsClient = createKmsClient();
/** The client secret, read once at init (the warm process waits for it before its counters start). */
export const ready = createSecretsManagerClient()
  .send(new GetSecretValueCommand({ SecretId: config.secretId }))
  .then((output) => clientSecretOf(output.SecretString));
const dynamoDb: DynamoDbCall = (operation: 'PutItem' | 'UpdateItem', input: object) =>
  operation === 'PutItem'
    ? client.send(new PutItemCommand(input as PutItemCommand['input']))
    : client.send(new UpdateItemCommand(input as UpdateItemCommand['input']));

const finish = createBareFinish({
  dynamoDb,
  postJson: (url, body) => post(new URL(url), { 'content-type': 'application/json', accept: 'application/json' }, body),
  encrypt: async (clientUserId, plaintext) => {
    const output = await kmsClient.send(
      new EncryptCommand({
        KeyId: config.tokenKeyId,
        Plaintext: new TextEncoder().encode(plaintext),
        EncryptionContext: { clientUserId },
      }),
    );
    return Buffer.from(output.CiphertextBlob ?? new Uint8Array()).toString('base64');
  },
  clientSecret: () => ready,
  humanApiBaseUrl: config.humanApiBaseUrl,
  tokensTableName: config.tokensTableName,
  idempotencyTableName: config.idempotencyTableName,
  keyPrefix: 'finishSession.reference',
  expiresAfterSeconds: 3600,
  remainingTimeMs: 10_000,
});

/** Finishes the session in the event's body. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 200,
  body: JSON.stringify(await finish(JSON.parse(event.body ?? '{}') as BareSession)),
});
