/**
 * AWS SDK clients, created once per Lambda environment. Timeouts and retries
 * keep a sick dependency inside the function's time budget: a few attempts
 * with the SDK's jittered backoff, then a 503.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../commons/observability.js';

const requestHandler = { connectionTimeout: 1_000, requestTimeout: 2_000 };

/** Creates the DynamoDB client (the endpoint may be overridden with `AWS_ENDPOINT_URL_DYNAMODB`). */
export function createDynamoDbClient(): DynamoDBClient {
  return tracer.captureAWSv3Client(new DynamoDBClient({ maxAttempts: 3, requestHandler }));
}

/** Wraps a DynamoDB client for plain JavaScript values. */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Creates the Secrets Manager client (the endpoint may be overridden with `AWS_ENDPOINT_URL_SECRETS_MANAGER`). */
export function createSecretsManagerClient(): SecretsManagerClient {
  return tracer.captureAWSv3Client(new SecretsManagerClient({ maxAttempts: 3, requestHandler }));
}

/** Creates the KMS client (the endpoint may be overridden with `AWS_ENDPOINT_URL_KMS`). */
export function createKmsClient(): KMSClient {
  return new KMSClient({ maxAttempts: 3, requestHandler });
}

/** Creates the SQS client of the outbox (the endpoint may be overridden with `AWS_ENDPOINT_URL_SQS`). */
export function createSqsClient(): SQSClient {
  return new SQSClient({ maxAttempts: 3, requestHandler });
}

/** The DynamoDB client (Powertools Idempotency takes it) and a document client over it (the token table's). */
export function createDynamoDbClients(): {
  readonly client: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
} {
  const client = createDynamoDbClient();
  return { client, documents: createDocumentClient(client) };
}
