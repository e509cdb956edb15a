/**
 * Lambda entry of `POST /sessions`: finishes a Human Connect session.
 * Wiring only; the work is in `domain/finish-session.ts`.
 */
import { readConfig } from './commons/config.js';
import {
  createAccessTokenCipher,
  createClientSecrets,
  createGrantOutbox,
  createHumanApi,
  createStorage,
} from './commons/dependencies.js';
import { createIdempotency } from './commons/idempotency.js';
import {
  assertOwnClientId,
  currentPublicToken,
  type FinishSessionKey,
  finishSession,
  finishSessionKey,
  type UserPublicToken,
} from './domain/finish-session.js';
import { createUnsavedExchanges } from './domain/unsaved-exchanges.js';
import { createHttpHandler } from './http/http-handler.js';
import { sessionTokenObjectSchema } from './http/schemas.js';

const config = readConfig();
const storage = createStorage(config);
const dependencies = {
  clientId: config.clientId,
  tokenStore: storage.tokenStore,
  humanApi: createHumanApi(config),
  secrets: createClientSecrets(config),
  tokenCipher: createAccessTokenCipher(config),
  outbox: createGrantOutbox(config),
  unsavedExchanges: createUnsavedExchanges(),
};
const once = createIdempotency<FinishSessionKey, UserPublicToken>({
  tableName: config.idempotencyTableName,
  dynamoDb: storage.dynamoDb,
  expiresAfterSeconds: 3600,
  // A replay answers the user's current publicToken: a later finish or refresh may have replaced it.
  onReplay: (stored) => currentPublicToken(stored, dependencies.tokenStore),
});

/** The `finishSession` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: sessionTokenObjectSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller, context }) => {
    // Before anything is written, idempotency records included.
    assertOwnClientId(body, config.clientId);
    return once(finishSessionKey(body, caller), context, () => finishSession(body, caller, dependencies));
  },
});
