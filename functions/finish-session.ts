/**
 * Lambda entry of `POST /sessions`: finishes a Human Connect session.
 * Wiring only; the work is in `domain/finish-session.ts`.
 */
import { createDynamoDbClients, createKmsClient, createSqsClient } from './adapters/aws-clients.js';
import { SecretsManagerClientSecret } from './adapters/client-secret.js';
import { HumanApiConnectClient } from './adapters/human-api/connect.js';
import { createIdempotency } from './adapters/idempotency.js';
import { SqsQueue } from './adapters/outbox.js';
import { KmsTokenCipher } from './adapters/token-cipher.js';
import { DynamoDbGrantStore } from './adapters/token-table/grants.js';
import { readConfig } from './commons/config.js';
import type { UserPublicToken } from './contract/answers.js';
import { sessionTokenObjectSchema } from './contract/requests.js';
import {
  assertOwnClientId,
  currentPublicToken,
  type FinishSessionKey,
  finishSession,
  finishSessionKey,
} from './domain/finish-session.js';
import { createUnsavedExchanges } from './domain/unsaved-exchanges.js';
import { createHttpHandler } from './http/http-handler.js';

const config = readConfig();
const dynamoDb = createDynamoDbClients();
const dependencies = {
  clientId: config.clientId,
  grants: new DynamoDbGrantStore(dynamoDb.documents, config.tokensTableName),
  humanApi: new HumanApiConnectClient({ baseUrl: config.humanApiBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  secrets: SecretsManagerClientSecret.fromConfig(config),
  tokenCipher: new KmsTokenCipher(createKmsClient(), config.tokenKeyId),
  outbox: new SqsQueue(createSqsClient(), config.outboxQueueUrl),
  unsavedExchanges: createUnsavedExchanges(),
};
const once = createIdempotency<FinishSessionKey, UserPublicToken>({
  tableName: config.idempotencyTableName,
  dynamoDb: dynamoDb.client,
  expiresAfterSeconds: 3600,
  // A replay answers the user's current publicToken: a later finish or refresh may have replaced it.
  onReplay: (stored) => currentPublicToken(stored, dependencies.grants),
});

/** The `finishSession` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: sessionTokenObjectSchema,
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ body, caller, context }) => {
    // Before anything is written, idempotency records included.
    assertOwnClientId(body, config.clientId);
    return once(finishSessionKey(body, caller), context, (record) => finishSession(body, caller, dependencies, record));
  },
});
