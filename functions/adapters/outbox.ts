/**
 * The outbox queue (docs/design.md#outbox): where a finish's grant goes when the token write
 * fails after Human API answered, so no exchange is lost. The drain function
 * (`functions/drain-outbox.ts`) applies queued grants with the same newest-wins upsert.
 * Messages hold the access token only as KMS ciphertext.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { DependencyUnavailableError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';
import type { TokenGrant } from './token-store.js';

/** Sends grants to the outbox queue. */
export interface Outbox {
  /**
   * Queues a grant whose write failed.
   *
   * @throws {DependencyUnavailableError} when SQS fails (after the SDK's retries)
   */
  send(grant: TokenGrant): Promise<void>;
}

const isoTime = z.iso.datetime();

/** An outbox message: a {@link TokenGrant} as JSON. Parsed, not cast, by the drain. */
export const outboxMessageSchema = z.object({
  clientUserId: z.string().check(z.minLength(1)),
  humanId: z.string().check(z.minLength(1)),
  clientId: z.string().check(z.minLength(1)),
  accessTokenCiphertext: z.string().check(z.minLength(1)),
  accessTokenIssuedAt: isoTime,
  publicToken: z.string().check(z.minLength(1)),
  publicTokenIssuedAt: isoTime,
});

/** Creates the outbox over an SQS client and the queue URL (`OUTBOX_QUEUE_URL`). */
export function createOutbox(client: SQSClient, queueUrl: string): Outbox {
  return {
    async send(grant) {
      const message: TokenGrant = {
        clientUserId: grant.clientUserId,
        humanId: grant.humanId,
        clientId: grant.clientId,
        accessTokenCiphertext: grant.accessTokenCiphertext,
        accessTokenIssuedAt: grant.accessTokenIssuedAt,
        publicToken: grant.publicToken,
        publicTokenIssuedAt: grant.publicTokenIssuedAt,
      };
      try {
        await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
      } catch (error) {
        logger.error('SQS request failed', { operation: 'SendMessage', ...errorFields(error) });
        throw new DependencyUnavailableError('the outbox', { cause: error });
      }
    },
  };
}
