/**
 * Lambda entry of the outbox redrive (docs/design.md#outbox): on a schedule, moves dead-lettered
 * grants back to the outbox once the token table answers again.
 * Wiring only; the work is in `domain/redrive-outbox.ts`.
 */
import type { Context } from 'aws-lambda';
import { createDynamoDbClients, createSqsClient } from './adapters/aws-clients.js';
import { SqsDeadLetterQueue } from './adapters/dead-letters.js';
import { DynamoDbTableProbe } from './adapters/token-table/probe.js';
import { ConfigError, readConfig } from './commons/config.js';
import { logger } from './commons/observability.js';
import { type RedriveOutcome, redriveDeadLetters } from './domain/redrive-outbox.js';

const config = readConfig();
const deadLetters = config.deadLetterQueue;
if (deadLetters === undefined)
  throw new ConfigError('DEAD_LETTERS_QUEUE_URL', 'and DEAD_LETTERS_QUEUE_ARN are required');
const dependencies = {
  deadLetters: new SqsDeadLetterQueue(createSqsClient(), deadLetters),
  table: new DynamoDbTableProbe(createDynamoDbClients().documents, config.tokensTableName),
};

/** The `redriveOutbox` Lambda handler (an EventBridge schedule). */
export async function handler(_event: unknown, context: Context): Promise<{ readonly outcome: RedriveOutcome }> {
  logger.addContext(context);
  return { outcome: await redriveDeadLetters(dependencies) };
}
