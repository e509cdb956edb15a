/**
 * Lambda entry of `GET /users/{clientUserId}/human/{path+}`: the data gateway.
 * Wiring only; the work is in `domain/human-data.ts` and `http/human-data.ts`.
 */
import { createDynamoDbClients, createKmsClient } from './adapters/aws-clients.js';
import { SecretsManagerClientSecret } from './adapters/client-secret.js';
import { HumanApiAuthClient } from './adapters/human-api/auth.js';
import { HumanApiDataClient } from './adapters/human-api/data.js';
import { DynamoDbConnectUserStore } from './adapters/token-table/connect-users.js';
import { readConfig } from './commons/config.js';
import { DEFAULT_RETRY } from './domain/human-data.js';
import { AccessTokenCache } from './domain/token-cache.js';
import { createHttpHandler } from './http/http-handler.js';
import { createHumanDataRoute } from './http/human-data.js';
import { createAccessTokenReader } from './reader/read-access-token.js';

const config = readConfig();
const { documents } = createDynamoDbClients();
const route = createHumanDataRoute({
  // The one function of the backend that decrypts access tokens, through the reader (docs/security.md).
  tokens: createAccessTokenReader({
    tableName: config.tokensTableName,
    keyId: config.tokenKeyId,
    dynamoDb: documents,
    kms: createKmsClient(),
    clientId: config.clientId,
    secrets: SecretsManagerClientSecret.fromConfig(config),
    humanApiAuth: new HumanApiAuthClient({ baseUrl: config.humanApiAuthBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  }),
  cache: new AccessTokenCache(),
  humanData: new HumanApiDataClient({ baseUrl: config.humanApiDataBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
  // Only to remember that a user must connect again.
  reconnect: new DynamoDbConnectUserStore(documents, config.tokensTableName),
  retry: { ...DEFAULT_RETRY, attemptTimeoutMs: config.humanApiTimeoutMs },
});

/** The `humanData` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({ jwtUserClaim: config.jwtUserClaim, handle: route });
