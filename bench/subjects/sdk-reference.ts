/**
 * Warm reference of `finishSession`: the same requests (`bare-finish.ts`) through the
 * functions' own AWS SDK clients and `node:http` to Human API, without middleware, validation,
 * Powertools or a secret cache (the secret is read once, at init).
 */

import { EncryptCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  createDynamoDbClient,
  createKmsClient,
  createSecretsManagerClient,
} from '../../functions/adapters/aws-clients.js';
import { readConfig } from '../../functions/commons/config.js';
import { bareFinishHandler, clientSecretOf, createBareFinish } from '../bare-finish.js';
import { post } from '../floor-http.js';
import { sdkDynamoDbCall } from './sdk-dynamodb.js';

const config = readConfig();
const client = createDynamoDbClient();
const kmsClient = createKmsClient();
/** The client secret, read once at init (the warm process waits for it before its counters start). */
export const ready = createSecretsManagerClient()
  .send(new GetSecretValueCommand({ SecretId: config.secretId }))
  .then((output) => clientSecretOf(output.SecretString));
const dynamoDb = sdkDynamoDbCall(client);

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
export const handler = bareFinishHandler(finish);
