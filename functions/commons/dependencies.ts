/**
 * Wires the adapters from the validated config. Each Lambda entry calls this
 * once at module scope, so SDK clients and the secret cache live across
 * invocations.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createDocumentClient,
  createDynamoDbClient,
  createKmsClient,
  createSecretsManagerClient,
  createSqsClient,
} from '../adapters/aws-clients.js';
import { type ClientSecretSource, createClientSecretSource } from '../adapters/client-secret.js';
import { createHumanApiClient, type HumanApiClient } from '../adapters/human-api.js';
import { createOutbox, type Outbox } from '../adapters/outbox.js';
import { createTokenCipher, type TokenCipher } from '../adapters/token-cipher.js';
import { createTokenStore, type TokenStore } from '../adapters/token-store.js';
import type { Config } from './config.js';

/** The adapters the domain functions use. */
export interface Dependencies {
  readonly clientId: string;
  readonly dynamoDb: DynamoDBClient;
  readonly humanApi: HumanApiClient;
  readonly secrets: ClientSecretSource;
  readonly tokenStore: TokenStore;
  readonly tokenCipher: TokenCipher;
  readonly outbox: Outbox;
}

/** Creates the adapters for `config`. SDK clients connect on first use: a function that never encrypts never calls KMS. */
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
    tokenCipher: createTokenCipher(createKmsClient(), config.tokenKeyId),
    outbox: createOutbox(createSqsClient(), config.outboxQueueUrl),
  };
}
