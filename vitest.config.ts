import { defineConfig } from 'vitest/config';

/** Environment the handler modules need at import in unit tests (their config is read once, at load). */
const unitEnv = {
  HUMANAPI_CLIENT_ID: 'test-client-id-0000000000000000000000000000',
  HUMANAPI_SECRET_ID: 'test/humanapi-client-secret',
  HUMANAPI_BASE_URL: 'https://humanapi.test',
  HUMANAPI_TIMEOUT_MS: '1000',
  TOKENS_TABLE_NAME: 'test-tokens',
  IDEMPOTENCY_TABLE_NAME: 'test-idempotency',
  SECRET_TTL_SECONDS: '300',
  TOKEN_KEY_ID: 'alias/test-token-key',
  OUTBOX_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-outbox',
  REJECTED_GRANTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-outbox-rejected',
  DEAD_LETTERS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-outbox-dead-letters',
  DEAD_LETTERS_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:test-outbox-dead-letters',
  NOTIFICATIONS_SECRET_ID: 'test/notifications-path-secret',
  NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/test-notifications.fifo',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'finishSession',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/functions/**/*.test.ts',
            'test/local/**/*.test.ts',
            'test/infra/**/*.test.ts',
            'test/bench/**/*.test.ts',
            'test/architecture/**/*.test.ts',
          ],
          env: unitEnv,
          setupFiles: ['test/setup-unit.ts'],
          globalSetup: ['test/support/bundles.global-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/bundles.global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          globalSetup: ['test/reliability/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
