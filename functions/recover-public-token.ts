/**
 * Lambda entry of `POST /public-tokens`: recovers a returning user's publicToken.
 * Wiring only; the work is in `domain/recover-public-token.ts`.
 */
import { readConfig } from './commons/config.js';
import { createDependencies } from './commons/dependencies.js';
import { recoverPublicToken } from './domain/recover-public-token.js';
import { createHttpHandler } from './http/http-handler.js';
import { publicTokenRequestSchema } from './http/schemas.js';

const config = readConfig();
const dependencies = createDependencies(config);

/** The `recoverPublicToken` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: publicTokenRequestSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller }) => recoverPublicToken(body, caller, dependencies),
});
