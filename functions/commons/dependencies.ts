/**
 * Wires the adapters from the validated config. Each Lambda entry calls this
 * once at module scope, so SDK clients and the secret cache live across
 * invocations.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, createDynamoDbClient, createSecretsManagerClient } from '../adapters/aws-clients.js';
import { type ClientSecretSource, createClientSecretSource } from '../adapters/client-secret.js';
import { createHumanApiClient, type HumanApiClient } from '../adapters/human-api.js';
import { createTokenStore, type TokenStore } from '../adapters/token-store.js';
import type { Config } from './config.js';

/** The adapters both domain functions use. */
export interface Dependencies {
  readonly clientId: string;
  readonly dynamoDb: DynamoDBClient;
  readonly humanApi: HumanApiClient;
  readonly secrets: ClientSecretSource;
  readonly tokenStore: TokenStore;
}

/** Creates the adapters for `config`. */
export function createDependencies(config: Config): Dependencies {
  const dynamoDb = createDynamoDbClient();
  return {
    clientId: config.clientId,
    dynamoDb,
    humanApi: createHumanApiClient({ baseUrl: config.humanApiBaseUrl, timeoutMs: config.humanApiTimeoutMs }),
    secrets: createClientSecretSource({
      provider: new SecretsProvider({ awsSdkV3Client: createSecretsManagerClient() }),
      secretId: config.secretId,
      ttlSeconds: config.secretTtlSeconds,
    }),
    tokenStore: createTokenStore(createDocumentClient(dynamoDb), config.tokensTableName),
  };
}
