/**
 * Wires the adapters from the validated config, one factory per adapter, so each Lambda entry
 * creates (and bundles) only what its route uses: recoverPublicToken carries no KMS or SQS client,
 * the drain no Secrets Manager or Human API client (docs/performance.md). Entries call these once
 * at module scope, so SDK clients and the secret cache live across invocations.
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

/** DynamoDB: the client (Powertools Idempotency takes it too) and the token store over it. */
export interface Storage {
  readonly dynamoDb: DynamoDBClient;
  readonly tokenStore: TokenStore;
}

/** Creates the DynamoDB client and the token store. */
export function createStorage(config: Config): Storage {
  const dynamoDb = createDynamoDbClient();
  return { dynamoDb, tokenStore: createTokenStore(createDocumentClient(dynamoDb), config.tokensTableName) };
}

/** The cached client secret from Secrets Manager. */
export function createClientSecrets(config: Config): ClientSecretSource {
  return createClientSecretSource({
    provider: new SecretsProvider({ awsSdkV3Client: createSecretsManagerClient() }),
    secretId: config.secretId,
    ttlSeconds: config.secretTtlSeconds,
  });
}

/** Human API's v1 Connect endpoints. */
export function createHumanApi(config: Config): HumanApiClient {
  return createHumanApiClient({ baseUrl: config.humanApiBaseUrl, timeoutMs: config.humanApiTimeoutMs });
}

/** Per-record encryption of access tokens with KMS. */
export function createAccessTokenCipher(config: Config): TokenCipher {
  return createTokenCipher(createKmsClient(), config.tokenKeyId);
}

/** The outbox queue of grants whose token write failed. */
export function createGrantOutbox(config: Config): Outbox {
  return createOutbox(createSqsClient(), config.outboxQueueUrl);
}
