/**
 * Lambda entry of the outbox drain (docs/design.md#outbox): an SQS event source delivers queued
 * grants; each is applied with the newest-wins write, and the ones that fail are reported back
 * (partial batch response) so only they are received again, then dead-lettered.
 * Wiring only; the work is in `domain/drain-outbox.ts`.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createDynamoDbClients, createSqsClient } from './adapters/aws-clients.js';
import { SqsQueue } from './adapters/outbox.js';
import { DynamoDbGrantStore } from './adapters/token-table/grants.js';
import { ConfigError, readConfig } from './commons/config.js';
import { logger } from './commons/observability.js';
import { applyQueuedGrant } from './domain/drain-outbox.js';

const config = readConfig();
if (config.rejectedGrantsQueueUrl === undefined) {
  throw new ConfigError('REJECTED_GRANTS_QUEUE_URL', 'is required but not set');
}
const dependencies = {
  clientId: config.clientId,
  grants: new DynamoDbGrantStore(createDynamoDbClients().documents, config.tokensTableName),
  rejected: new SqsQueue(createSqsClient(), config.rejectedGrantsQueueUrl),
};
const processor = new BatchProcessor(EventType.SQS);

/** The `drainOutbox` Lambda handler (SQS event, `ReportBatchItemFailures`). */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  return processPartialResponse(event, (record: SQSRecord) => applyQueuedGrant(record.body, dependencies), processor, {
    context,
  });
}
