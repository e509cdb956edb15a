/**
 * Lambda entry of `POST /public-tokens`: recovers a returning user's publicToken.
 * Wiring only; the work is in `domain/recover-public-token.ts`.
 */
import { readConfig } from './commons/config.js';
import { createClientSecrets, createHumanApi, createStorage } from './commons/dependencies.js';
import { recoverPublicToken } from './domain/recover-public-token.js';
import { createHttpHandler } from './http/http-handler.js';
import { publicTokenRequestSchema } from './http/schemas.js';

const config = readConfig();
const dependencies = {
  clientId: config.clientId,
  tokenStore: createStorage(config).tokenStore,
  humanApi: createHumanApi(config),
  secrets: createClientSecrets(config),
};

/** The `recoverPublicToken` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: publicTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => recoverPublicToken(body, caller, dependencies),
});
