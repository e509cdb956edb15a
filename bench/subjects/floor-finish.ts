/**
 * Cold-start floor of `finishSession`: the same six requests (GetSecretValue, then
 * `bare-finish.ts`) over signed `node:http`, nothing else.
 */
import { readConfig } from '../../functions/commons/config.js';
import { bareFinishHandler, clientSecretOf, createBareFinish } from '../bare-finish.js';
import { createAwsJsonCaller, post } from '../floor-http.js';

const config = readConfig();
const dynamoDb = createAwsJsonCaller('dynamodb', 'AWS_ENDPOINT_URL_DYNAMODB', '1.0');
const secretsManager = createAwsJsonCaller('secretsmanager', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', '1.1');
const kms = createAwsJsonCaller('kms', 'AWS_ENDPOINT_URL_KMS', '1.1');
let clientSecret: Promise<string> | undefined;

const finish = createBareFinish({
  dynamoDb: (operation: string, input: object) => dynamoDb(`DynamoDB_20120810.${operation}`, input),
  postJson: (url, body) => post(new URL(url), { 'content-type': 'application/json', accept: 'application/json' }, body),
  clientSecret: () => {
    clientSecret ??= secretsManager('secretsmanager.GetSecretValue', { SecretId: config.secretId }).then((output) =>
      clientSecretOf(output.SecretString),
    );
    return clientSecret;
  },
  encrypt: async (clientUserId, plaintext) =>
    String(
      (
        await kms('TrentService.Encrypt', {
          KeyId: config.tokenKeyId,
          Plaintext: Buffer.from(plaintext).toString('base64'),
          EncryptionContext: { clientUserId },
        })
      ).CiphertextBlob,
    ),
  humanApiBaseUrl: config.humanApiBaseUrl,
  tokensTableName: config.tokensTableName,
  idempotencyTableName: config.idempotencyTableName,
  keyPrefix: 'finishSession.floor',
  expiresAfterSeconds: 3600,
  remainingTimeMs: 10_000,
});

/** Finishes the session in the event's body. */
export const handler = bareFinishHandler(finish);
