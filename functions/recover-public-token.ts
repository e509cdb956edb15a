/**
 * Lambda entry of `POST /public-tokens`: recovers a returning user's publicToken.
 * Wiring only; the work is in `domain/recover-public-token.ts`.
 */
import { createDynamoDbClients } from './adapters/aws-clients.js';
import { SecretsManagerClientSecret } from './adapters/client-secret.js';
import { HumanApiConnectClient } from './adapters/human-api/connect.js';
import { DynamoDbRecoveryStore } from './adapters/token-table/recovery.js';
import { readConfig } from './commons/config.js';
import { publicTokenRequestSchema } from './contract/requests.js';
import { recoverPublicToken } from './domain/recover-public-token.js';
import { createHttpHandler } from './http/http-handler.js';

const config = readConfig();
const dependencies = {
  clientId: config.clientId,
  recovery: new DynamoDbRecoveryStore(createDynamoDbClients().documents, config.tokensTableName),
  humanApi: new HumanApiConnectClient({ baseUrl: config.humanApiBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  secrets: SecretsManagerClientSecret.fromConfig(config),
};

/** The `recoverPublicToken` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: publicTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => recoverPublicToken(body, caller, dependencies),
});
