/**
 * Lambda entry of `POST /connect-tokens`: mints the token a current-generation Connect opens with.
 * Wiring only; the work is in `domain/connect-tokens.ts`.
 */
import { createDynamoDbClients } from './adapters/aws-clients.js';
import { SecretsManagerClientSecret } from './adapters/client-secret.js';
import { HumanApiAuthClient } from './adapters/human-api/auth.js';
import { DynamoDbConnectUserStore } from './adapters/token-table/connect-users.js';
import { readConfig } from './commons/config.js';
import { connectTokenRequestSchema } from './contract/requests.js';
import { createConnectToken } from './domain/connect-tokens.js';
import { createHttpHandler } from './http/http-handler.js';

const config = readConfig();
const dependencies = {
  clientId: config.clientId,
  secrets: SecretsManagerClientSecret.fromConfig(config),
  humanApiAuth: new HumanApiAuthClient({ baseUrl: config.humanApiAuthBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  // The token table as this route sees it: it reads and writes no token.
  connectUsers: new DynamoDbConnectUserStore(createDynamoDbClients().documents, config.tokensTableName),
};

/** The `connectTokens` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: connectTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => createConnectToken(body, caller, dependencies),
});
