/**
 * Lambda entry of `POST /notifications/{secret}`: verifies Human API's notifications and hands
 * them to the notifications queue (docs/notifications.md).
 * Wiring only; the work is in `domain/receive-notification.ts`.
 */
import { parseClientSecret } from './adapters/client-secret-value.js';
import { createNotificationClients } from './adapters/notification-clients.js';
import { SqsNotificationQueue } from './adapters/notification-queue.js';
import { SecretsManagerRotatingSecret } from './adapters/rotating-secret.js';
import { readNotificationsConfig } from './commons/config.js';
import { logger } from './commons/observability.js';
import { NOTIFICATION_MAX_BODY_BYTES, notificationPayloadSchema } from './contract/notifications.js';
import { receiveNotification } from './domain/receive-notification.js';
import { createHttpHandler } from './http/http-handler.js';

const config = readNotificationsConfig();
const { secretsManager, sqs } = createNotificationClients();
const dependencies = {
  pathSecret: new SecretsManagerRotatingSecret({
    client: secretsManager,
    secretId: config.pathSecretId,
    ttlSeconds: config.secretTtlSeconds,
  }),
  clientSecret: new SecretsManagerRotatingSecret({
    client: secretsManager,
    secretId: config.clientSecretId,
    ttlSeconds: config.secretTtlSeconds,
    parse: parseClientSecret,
  }),
  queue: new SqsNotificationQueue(sqs, config.queueUrl),
  log: (fields: Record<string, unknown>) => logger.info('Notifications queued', fields),
};

/** The `receiveNotification` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  bodySchema: notificationPayloadSchema,
  maxBodyBytes: NOTIFICATION_MAX_BODY_BYTES,
  // Never behind an authorizer, in either identity mode: the URL's secret and the signature prove the caller.
  jwtUserClaim: undefined,
  handle: ({ body, rawBody, headers, pathParameters }) =>
    receiveNotification({ pathSecret: pathParameters.secret ?? '', rawBody, headers, entries: body }, dependencies),
});
