/**
 * The token table as a deletion writes it (docs/design.md#deleting-a-user): the user's record
 * becomes a tombstone in one conditional `UpdateItem` that removes every token and identity
 * attribute and sets `deletedAt`, the floor under which newest-wins (newest-wins.ts) stores no
 * token again, and `purgeAt`, the table's TTL. The write is conditioned on the record read just
 * before it (its `lastWriteId`), so the idempotency records it lists are exactly those of the
 * tokens it removes. It names only {@link DELETION_READ_ATTRIBUTES} and
 * {@link DELETION_WRITE_ATTRIBUTES} and returns nothing: a deletion never reads a token.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { logger } from '../../commons/observability.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { Tombstones, TombstoneWrite } from '../../domain/ports.js';
import { DELETION_READ_ATTRIBUTES, TOMBSTONE_REMOVED_ATTRIBUTES } from './attributes.js';
import { MAX_WRITE_ATTEMPTS, readRecord, sendConditional, tokenItemSchema, unchangedSince } from './item.js';
import { listedRecordsSchema } from './listed-records.js';

const deletionSchema = z.pick(z.extend(tokenItemSchema, { idempotencyRecords: listedRecordsSchema }), {
  clientUserId: true,
  humanId: true,
  accessTokenIssuedAt: true,
  publicTokenIssuedAt: true,
  mintedAccessTokenIssuedAt: true,
  exchangedAt: true,
  deletedAt: true,
  lastWriteId: true,
  version: true,
  idempotencyRecords: true,
});
type DeletionView = z.infer<typeof deletionSchema>;

/**
 * The tombstone's time: now, or later when the record holds something later. An earlier tombstone's
 * time stands (the floor never moves back: clocks differ), and so does the issue time of every token
 * removed: a token issued after `now` by a clock ahead, or by a finish that landed as the deletion
 * ran, is removed too, and its grant, delivered again (SQS delivers at least once), must not pass.
 */
function tombstoneTime(item: DeletionView | undefined, now: Date): string {
  const times = [
    item?.deletedAt,
    item?.accessTokenIssuedAt,
    item?.publicTokenIssuedAt,
    item?.mintedAccessTokenIssuedAt,
    item?.exchangedAt,
  ]
    // Compared as instants: a legacy record's time may be written in another ISO 8601 form.
    .map((time) => (time === undefined ? Number.NaN : Date.parse(time)))
    .filter((ms) => !Number.isNaN(ms));
  return new Date(Math.max(now.getTime(), ...times)).toISOString();
}

/** A deletion's reads and writes of the token table. */
export class DynamoDbTombstones implements Tombstones {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async writeTombstone(clientUserId: string, now: Date, lifetimeMs: number): Promise<TombstoneWrite> {
    const writeId = randomUUID();
    let previous: TombstoneWrite | undefined;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const item = await this.read(clientUserId);
      // This call's own write, committed by an earlier SDK attempt whose answer was lost.
      if (item?.lastWriteId === writeId && previous !== undefined) return previous;
      const deletedAt = tombstoneTime(item, now);
      const outcome: TombstoneWrite = {
        removedRecord: item?.humanId !== undefined,
        deletedAt,
        idempotencyRecordIds: (item?.idempotencyRecords ?? []).map((record) => record.id),
      };
      previous = outcome;
      const { condition, values } = unchangedSince(item);
      const written = await sendConditional('UpdateItem', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { clientUserId },
            UpdateExpression:
              'SET deletedAt = :deletedAt, purgeAt = :purgeAt, updatedAt = :now, lastWriteId = :writeId ' +
              `REMOVE ${TOMBSTONE_REMOVED_ATTRIBUTES.join(', ')} ADD version :one`,
            ConditionExpression: condition,
            ExpressionAttributeValues: {
              ':deletedAt': deletedAt,
              ':purgeAt': Math.ceil((Date.parse(deletedAt) + lifetimeMs) / 1000),
              ':now': now.toISOString(),
              ':writeId': writeId,
              ':one': 1,
              ...values,
            },
            // The role may have nothing returned: the old item holds tokens (docs/security.md).
            ReturnValues: 'NONE',
          }),
        ),
      );
      if (written !== undefined) return outcome;
    }
    logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem' });
    throw new DependencyUnavailableError('DynamoDB');
  }

  private async read(clientUserId: string): Promise<DeletionView | undefined> {
    // Named attributes only: the role may read no token (docs/security.md).
    return readRecord(
      { client: this.client, tableName: this.tableName },
      clientUserId,
      deletionSchema,
      DELETION_READ_ATTRIBUTES,
    );
  }
}
