/**
 * Lambda entry of `POST /connect-tokens`: mints the token a current-generation Connect opens with.
 * Wiring only; the work is in `domain/connect-tokens.ts`.
 */

import { createDocumentClient, createDynamoDbClient } from './adapters/aws-clients.js';
import { createConnectUserStore } from './adapters/connect-user-store.js';
import { createHumanApiAuthClient } from './adapters/human-api-auth.js';
import { readConfig } from './commons/config.js';
import { createClientSecrets } from './commons/dependencies.js';
import { createConnectToken } from './domain/connect-tokens.js';
import { createHttpHandler } from './http/http-handler.js';
import { connectTokenRequestSchema } from './http/schemas.js';

const config = readConfig();
const dependencies = {
  clientId: config.clientId,
  secrets: createClientSecrets(config),
  humanApiAuth: createHumanApiAuthClient({ baseUrl: config.humanApiAuthBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  // The token table as this route sees it (no token store: it reads and writes no token).
  connectUsers: createConnectUserStore(createDocumentClient(createDynamoDbClient()), config.tokensTableName),
};

/** The `connectTokens` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: connectTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => createConnectToken(body, caller, dependencies),
});
