/**
 * Builds the adapters the Lambda entries wire, from the validated config: one factory per
 * adapter, so each entry creates (and bundles) only what its route uses (docs/performance.md).
 * Entries call these once at module scope, so SDK clients and the secret cache live across
 * invocations.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  createDocumentClient,
  createDynamoDbClient,
  createKmsClient,
  createSecretsManagerClient,
  createSqsClient,
} from './adapters/aws-clients.js';
import { SecretsManagerClientSecret } from './adapters/client-secret.js';
import { HumanApiAuthClient } from './adapters/human-api/auth.js';
import { HumanApiConnectClient } from './adapters/human-api/connect.js';
import { SqsQueue } from './adapters/outbox.js';
import { KmsTokenCipher } from './adapters/token-cipher.js';
import type { Config } from './commons/config.js';

/** The DynamoDB client (Powertools Idempotency takes it) and a document client over it (the token table's). */
export function dynamoDbOf(): { readonly client: DynamoDBClient; readonly documents: DynamoDBDocumentClient } {
  const client = createDynamoDbClient();
  return { client, documents: createDocumentClient(client) };
}

/** The cached client secret from Secrets Manager. */
export function clientSecretOf(config: Config): SecretsManagerClientSecret {
  return new SecretsManagerClientSecret({
    provider: new SecretsProvider({ awsSdkV3Client: createSecretsManagerClient() }),
    secretId: config.secretId,
    ttlSeconds: config.secretTtlSeconds,
  });
}

/** Human API's v1 Connect endpoints. */
export function humanApiConnectOf(config: Config): HumanApiConnectClient {
  return new HumanApiConnectClient({ baseUrl: config.humanApiBaseUrl, timeoutMs: config.humanApiTimeoutMs });
}

/** Human API's current-generation token endpoint. */
export function humanApiAuthOf(config: Config): HumanApiAuthClient {
  return new HumanApiAuthClient({ baseUrl: config.humanApiAuthBaseUrl, timeoutMs: config.humanApiTimeoutMs });
}

/** Per-record encryption of access tokens with the token key. */
export function tokenCipherOf(config: Config): KmsTokenCipher {
  return new KmsTokenCipher(createKmsClient(), config.tokenKeyId);
}

/** An SQS queue of the outbox (the outbox itself, or the rejected grants). */
export function queueOf(queueUrl: string): SqsQueue {
  return new SqsQueue(createSqsClient(), queueUrl);
}
