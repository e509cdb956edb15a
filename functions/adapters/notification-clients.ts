/**
 * The AWS SDK clients of the notifications receiver, created once per Lambda environment: Secrets
 * Manager for its two secrets, SQS for its queue. Apart from ./aws-clients.ts so its bundle
 * carries no DynamoDB client. Timeouts keep three attempts (then a 503 Human API retries) inside
 * the 3 s Human API waits for an answer.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../commons/observability.js';

const requestHandler = { connectionTimeout: 400, requestTimeout: 600 };

/** The receiver's clients (endpoints may be overridden with `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `_SQS`). */
export function createNotificationClients(): {
  readonly secretsManager: SecretsManagerClient;
  readonly sqs: SQSClient;
} {
  return {
    secretsManager: tracer.captureAWSv3Client(new SecretsManagerClient({ maxAttempts: 3, requestHandler })),
    sqs: new SQSClient({ maxAttempts: 3, requestHandler }),
  };
}
