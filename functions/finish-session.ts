/**
 * Lambda entry of `POST /sessions`: finishes a Human Connect session.
 * Wiring only; the work is in `domain/finish-session.ts`.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { readConfig } from './commons/config.js';
import { createDependencies } from './commons/dependencies.js';
import { createHttpHandler } from './commons/http.js';
import type { Caller } from './commons/identity.js';
import { type SessionTokenObject, sessionTokenObjectSchema } from './commons/schemas.js';
import { assertOwnClientId, finishSession } from './domain/finish-session.js';
import { createUnsavedExchanges } from './domain/unsaved-exchanges.js';

const config = readConfig();
const dependencies = { ...createDependencies(config), unsavedExchanges: createUnsavedExchanges() };

const idempotencyConfig = new IdempotencyConfig({
  // One exchange per session token and caller: a replay answers the stored
  // result, a duplicate in flight gets 409 (DESIGN §3).
  eventKeyJmesPath: '[session.sessionToken, callerId]',
  expiresAfterSeconds: 3600,
});

const finishSessionOnce = makeIdempotent(
  async ({ session, caller }: { session: SessionTokenObject; caller: Caller; callerId: string | null }) =>
    finishSession(session, caller, dependencies),
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.idempotencyTableName,
      awsSdkV3Client: dependencies.dynamoDb,
    }),
    config: idempotencyConfig,
  },
);

/** The `finishSession` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: sessionTokenObjectSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: async ({ body, caller, context }) => {
    assertOwnClientId(body, config.clientId);
    idempotencyConfig.registerLambdaContext(context);
    return finishSessionOnce({ session: body, caller, callerId: caller.kind === 'user' ? caller.userId : null });
  },
});
