/**
 * Lambda entry of `POST /public-tokens`: recovers a returning user's publicToken.
 * Wiring only; the work is in `domain/recover-public-token.ts`.
 */
import { DynamoDbRecoveryStore } from './adapters/token-table/recovery.js';
import { readConfig } from './commons/config.js';
import { publicTokenRequestSchema } from './contract/requests.js';
import { recoverPublicToken } from './domain/recover-public-token.js';
import { createHttpHandler } from './http/http-handler.js';
import { clientSecretOf, dynamoDbOf, humanApiConnectOf } from './wiring.js';

const config = readConfig();
const dependencies = {
  clientId: config.clientId,
  recovery: new DynamoDbRecoveryStore(dynamoDbOf().documents, config.tokensTableName),
  humanApi: humanApiConnectOf(config),
  secrets: clientSecretOf(config),
};

/** The `recoverPublicToken` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: publicTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => recoverPublicToken(body, caller, dependencies),
});
