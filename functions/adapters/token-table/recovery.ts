/**
 * The token table as public-token recovery reads and writes it: the attributes of
 * {@link RECOVERY_READABLE_ATTRIBUTES} only, named in every request, so the role that holds only
 * those (DynamoDB fine-grained access, infra/token-access.ts) never sees an access token. Reads
 * are projected; the refresh writes the publicToken alone, newest wins (newest-wins.ts), and
 * answers only what it updated (`UPDATED_NEW`).
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { logger } from '../../commons/observability.js';
import { HUMAN_ID_INDEX_NAME } from '../../commons/tables.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { PublicTokenUpdate, RecoveryRecord, RecoveryStore } from '../../domain/ports.js';
import { LEGACY_ISSUE_TIME_ATTRIBUTE, RECOVERY_READ_ATTRIBUTES } from './attributes.js';
import {
  MAX_WRITE_ATTEMPTS,
  parseItem,
  projectionOf,
  readRecord,
  sendConditional,
  sendRequest,
  type TokenItem,
  tokenItemSchema,
} from './item.js';
import { isNewer, newerCondition } from './newest-wins.js';

/** What recovery reads: the answer's fields. */
const RECOVERY_PROJECTION = projectionOf(RECOVERY_READ_ATTRIBUTES);
/** What a refresh reads when its first write lost: the answer's fields and what newest-wins compares. */
const REFRESH_READ_ATTRIBUTES = [...RECOVERY_READ_ATTRIBUTES, LEGACY_ISSUE_TIME_ATTRIBUTE, 'deletedAt', 'lastWriteId'];
const recoverySchema = z.pick(tokenItemSchema, {
  clientUserId: true,
  humanId: true,
  publicToken: true,
  publicTokenIssuedAt: true,
  exchangedAt: true,
  deletedAt: true,
  version: true,
  lastWriteId: true,
});

/** The domain's view of an item; a deleted user's tombstone (no humanId) is no record. */
function recoveryRecord(item: Partial<TokenItem> | undefined): RecoveryRecord | undefined {
  if (item?.clientUserId === undefined || item.humanId === undefined) return undefined;
  return {
    clientUserId: item.clientUserId,
    humanId: item.humanId,
    // A current-generation record may hold no publicToken yet: '' (none), so recovery mints one.
    publicToken: item.publicToken ?? '',
    version: item.version ?? 0,
  };
}

/** Public-token recovery's reads and writes of the token table. */
export class DynamoDbRecoveryStore implements RecoveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getByClientUserId(clientUserId: string): Promise<RecoveryRecord | undefined> {
    return recoveryRecord(await this.read(clientUserId, RECOVERY_READ_ATTRIBUTES));
  }

  async findByHumanId(humanId: string): Promise<RecoveryRecord | undefined> {
    const output = await sendRequest('Query', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: HUMAN_ID_INDEX_NAME,
          KeyConditionExpression: 'humanId = :humanId',
          ExpressionAttributeValues: { ':humanId': humanId },
          Select: 'SPECIFIC_ATTRIBUTES',
          ...RECOVERY_PROJECTION,
          Limit: 1,
        }),
      ),
    );
    return recoveryRecord(parseItem(recoverySchema, 'Query', output.Items?.[0]));
  }

  async storePublicToken(update: PublicTokenUpdate, now: Date): Promise<RecoveryRecord | undefined> {
    const { clientUserId, humanId, publicTokenIssuedAt } = update;
    const writeId = randomUUID();
    let condition =
      `attribute_exists(clientUserId) AND humanId = :expectedHumanId AND NOT lastWriteId = :writeId AND ` +
      newerCondition('public', ':publicTokenIssuedAt');
    let version: number | undefined;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const written = await this.writePublicToken(update, condition, { writeId, now, version });
      if (written !== undefined) return { clientUserId, humanId, ...written };
      const item = await this.read(clientUserId, REFRESH_READ_ATTRIBUTES);
      const stored = recoveryRecord(item);
      // No record (or a tombstone); this call's own write, committed by an earlier SDK attempt;
      // a record of another humanId (its publicToken is not ours to replace); or a newer token.
      if (item === undefined || stored === undefined) return undefined;
      if (item.lastWriteId === writeId || item.humanId !== humanId || !isNewer(item, 'public', publicTokenIssuedAt)) {
        return stored;
      }
      condition = 'humanId = :expectedHumanId AND version = :version';
      version = stored.version;
    }
    logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem' });
    throw new DependencyUnavailableError('DynamoDB');
  }

  private read(clientUserId: string, attributes: readonly string[]) {
    return readRecord({ client: this.client, tableName: this.tableName }, clientUserId, recoverySchema, attributes);
  }

  /** One conditional write of the publicToken alone; what it updated, or `undefined` when the condition failed. */
  private async writePublicToken(
    update: PublicTokenUpdate,
    condition: string,
    { writeId, now, version }: { writeId: string; now: Date; version: number | undefined },
  ): Promise<{ publicToken: string; version: number } | undefined> {
    const output = await sendConditional('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { clientUserId: update.clientUserId },
          UpdateExpression:
            'SET publicToken = :publicToken, publicTokenIssuedAt = :publicTokenIssuedAt, updatedAt = :now, ' +
            'lastWriteId = :writeId ADD version :one',
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ':publicToken': update.publicToken,
            ':publicTokenIssuedAt': update.publicTokenIssuedAt,
            ':expectedHumanId': update.humanId,
            ':now': now.toISOString(),
            ':writeId': writeId,
            ':one': 1,
            ...(version === undefined ? {} : { ':version': version }),
          },
          // Recovery's role may not read the record back whole (docs/security.md).
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    if (output === undefined) return undefined;
    const updated = parseItem(
      z.object({ publicToken: z.string(), version: z.number() }),
      'UpdateItem',
      output.Attributes,
    );
    return updated === undefined ? undefined : { publicToken: updated.publicToken, version: updated.version };
  }
}
