/**
 * Cold-start reference with the same requests: the clients of
 * `reference-clients.ts` plus, on the first invocation, the downstream
 * requests a first `finishSession` makes (`GetSecretValue`, then
 * `bare-finish.ts`). What is left between this and the full handler is the
 * cost of the handler's own libraries and code.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDynamoDbClient, createSecretsManagerClient } from '../functions/adapters/aws-clients.js';
import { parseClientSecret } from '../functions/adapters/client-secret.js';
import { readConfig } from '../functions/commons/config.js';
import { type BareSession, createBareFinish } from './bare-finish.js';

const config = readConfig();
const secretsManager = createSecretsManagerClient();
let clientSecret: Promise<string> | undefined;

const bareFinish = createBareFinish({
  dynamoDb: createDynamoDbClient(),
  humanApiBaseUrl: config.humanApiBaseUrl,
  clientSecret: () => {
    clientSecret ??= secretsManager
      .send(new GetSecretValueCommand({ SecretId: config.secretId }))
      .then((output) => parseClientSecret(output.SecretString ?? '') ?? '');
    return clientSecret;
  },
  tokensTableName: config.tokensTableName,
  idempotencyTableName: config.idempotencyTableName,
  keyPrefix: 'finishSession.reference',
  expiresAfterSeconds: 3600,
  remainingTimeMs: 10_000,
});

/** Finishes the session in the event's body with the bare requests. */
export const handler = async (
  event: APIGatewayProxyEventV2,
  _context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  const answer = await bareFinish(JSON.parse(event.body ?? '{}') as BareSession);
  return { statusCode: 200, body: JSON.stringify(answer) };
};
