/**
 * Lambda entry of `POST /sessions`: finishes a Human Connect session.
 * Wiring only; the work is in `domain/finish-session.ts`.
 */
import {
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { readConfig } from './commons/config.js';
import { createDependencies } from './commons/dependencies.js';
import { logger } from './commons/observability.js';
import type { Caller } from './domain/caller.js';
import { assertOwnClientId, finishSession, type UserPublicToken } from './domain/finish-session.js';
import { createUnsavedExchanges } from './domain/unsaved-exchanges.js';
import { createHttpHandler } from './http/http-handler.js';
import { type SessionTokenObject, sessionTokenObjectSchema } from './http/schemas.js';

const config = readConfig();
const dependencies = { ...createDependencies(config), unsavedExchanges: createUnsavedExchanges() };

const idempotencyConfig = new IdempotencyConfig({
  // One exchange per session token and caller: a replay answers the stored
  // result, a duplicate in flight gets 409 (docs/api.md).
  eventKeyJmesPath: '[session.sessionToken, callerId]',
  expiresAfterSeconds: 3600,
});

/** Set once the tokens are stored, whatever happens to the idempotency record afterwards. */
interface Finished {
  result?: UserPublicToken;
}

const finishSessionOnce = makeIdempotent(
  async ({
    session,
    caller,
    finished,
  }: {
    session: SessionTokenObject;
    caller: Caller;
    callerId: string | null;
    finished: Finished;
  }) => {
    finished.result = await finishSession(session, caller, dependencies);
    return finished.result;
  },
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
    const finished: Finished = {};
    try {
      return await finishSessionOnce({
        session: body,
        caller,
        callerId: caller.kind === 'user' ? caller.userId : null,
        finished,
      });
    } catch (error) {
      // The tokens are stored and only completing the idempotency record failed:
      // answering 503 would report a failure for a request that changed the record.
      if (!(error instanceof IdempotencyPersistenceLayerError) || finished.result === undefined) throw error;
      logger.warn('Tokens stored, but the idempotency record could not be completed', {
        errorName: error.name,
        causeName: error.cause instanceof Error ? error.cause.name : undefined,
      });
      return finished.result;
    }
  },
});
