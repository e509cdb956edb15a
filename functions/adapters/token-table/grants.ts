/**
 * The token table as a finish and the outbox drain write it (docs/design.md#storage-and-integrity):
 * each token of a grant only if Human API issued it later than the stored one, and than the user's
 * deletion (newest-wins.ts). One conditional `UpdateItem` in the common case; when its condition
 * fails (a newer token stored, this call's own write committed by an earlier SDK attempt, or a
 * tombstone), the record is read and only the newer parts are written, conditioned on the version
 * read, at most {@link MAX_WRITE_ATTEMPTS} writes in all. Every applied write sets `lastWriteId`,
 * so an SDK retry of a committed write is recognised on the read that follows. A finish's write
 * also lists the idempotency record that will hold its answer, so that deleting the user removes
 * it (docs/design.md#deleting-a-user).
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { logger } from '../../commons/observability.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { GrantStore, IdempotencyRecordRef, StoredPublicToken, TokenGrant } from '../../domain/ports.js';
import { IDEMPOTENCY_RECORDS_ATTRIBUTE, LEGACY_ISSUE_TIME_ATTRIBUTE } from './attributes.js';
import { MAX_WRITE_ATTEMPTS, parseItem, readRecord, sendConditional, type TokenItem, tokenItemSchema } from './item.js';
import { listedRecordsSchema } from './listed-records.js';
import { isNewer, newerCondition, storedIssueTime } from './newest-wins.js';

/**
 * Most idempotency records a record lists once trimmed: records expire after an hour, so ten
 * finishes of one user within it is already far more than a person connecting sources makes.
 */
export const MAX_LISTED_IDEMPOTENCY_RECORDS = 10;

/** A record as a finish reads it: with the idempotency records of the user's finishes. */
const grantItemSchema = z.extend(tokenItemSchema, { idempotencyRecords: listedRecordsSchema });
type GrantItem = z.infer<typeof grantItemSchema>;

/** What a replay answers: the stored publicToken (projection of the finish's role). */
const publicTokenSchema = z.pick(tokenItemSchema, {
  clientUserId: true,
  humanId: true,
  publicToken: true,
  version: true,
});

/** What a replay that found no publicToken of its user reads: whether the user was deleted. */
const deletionTimeSchema = z.pick(tokenItemSchema, { clientUserId: true, deletedAt: true });

/** The parts of a grant one write sets: only those newer than the stored ones. */
interface GrantParts {
  readonly access: boolean;
  readonly public: boolean;
}

const LISTED = IDEMPOTENCY_RECORDS_ATTRIBUTE;

/** The stored publicToken of an item written by a finish, or `undefined` when it holds none. */
function storedPublicToken(item: TokenItem | undefined): StoredPublicToken | undefined {
  if (item?.humanId === undefined || item.publicToken === undefined || item.publicToken === '') return undefined;
  return {
    clientUserId: item.clientUserId,
    humanId: item.humanId,
    publicToken: item.publicToken,
    version: item.version ?? 0,
  };
}

/** The finish's and the drain's writes to the token table. */
export class DynamoDbGrantStore implements GrantStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async storeGrant(
    grant: TokenGrant,
    now: Date,
    idempotencyRecord?: IdempotencyRecordRef,
  ): Promise<StoredPublicToken | undefined> {
    const writeId = randomUUID();
    const everything: GrantParts = { access: true, public: true };
    // The common case: no record, or one whose tokens are both older.
    const created = await this.write(
      grant,
      everything,
      `attribute_not_exists(clientUserId) OR NOT lastWriteId = :writeId AND ` +
        `${newerCondition('access', ':accessTokenIssuedAt')} AND ${newerCondition('public', ':publicTokenIssuedAt')}`,
      { writeId, now, idempotencyRecord },
    );
    if (created !== undefined) return this.trimmed(created, now);
    for (let attempt = 1; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const item = await this.read(grant.clientUserId);
      // This call's own write, committed by an earlier SDK attempt.
      if (item?.lastWriteId === writeId) return storedPublicToken(item);
      const parts = item === undefined ? everything : this.newerParts(item, grant);
      if (!parts.access && !parts.public) {
        // The stored publicToken is the answer, so the idempotency record will hold it: listed too,
        // while the record still holds it; when it no longer does (a deletion, say), read it again.
        const stored = storedPublicToken(item);
        if (stored === undefined || idempotencyRecord === undefined) return stored;
        if (await this.listIdempotencyRecord(stored, idempotencyRecord, now)) return stored;
        continue;
      }
      const written = await this.write(
        grant,
        parts,
        item === undefined ? 'attribute_not_exists(clientUserId)' : 'version = :version',
        { writeId, now, idempotencyRecord, ...(item === undefined ? {} : { item }) },
      );
      if (written !== undefined) return this.trimmed(written, now);
    }
    logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem' });
    throw new DependencyUnavailableError('DynamoDB');
  }

  async deletedAt(clientUserId: string): Promise<string | undefined> {
    return (
      await readRecord({ client: this.client, tableName: this.tableName }, clientUserId, deletionTimeSchema, [
        'clientUserId',
        'deletedAt',
      ])
    )?.deletedAt;
  }

  async currentPublicToken(clientUserId: string): Promise<StoredPublicToken | undefined> {
    return storedPublicToken(
      await readRecord({ client: this.client, tableName: this.tableName }, clientUserId, publicTokenSchema, [
        'clientUserId',
        'humanId',
        'publicToken',
        'version',
      ]),
    );
  }

  /** Which parts of `grant` are newer than the stored ones (a publicToken of another humanId only with its accessToken). */
  private newerParts(item: TokenItem, grant: TokenGrant): GrantParts {
    const access = isNewer(item, 'access', grant.accessTokenIssuedAt);
    const sameUser = access || item.humanId === grant.humanId;
    return { access, public: sameUser && isNewer(item, 'public', grant.publicTokenIssuedAt) };
  }

  /**
   * Lists a finish's idempotency record on a record its grant did not write (nothing was newer):
   * one atomic append on the record while it still holds the publicToken answered, with a new
   * `lastWriteId`, so a deletion that read the list before sees the record changed. Not counted as
   * a write of tokens (`version` stays), and concurrent listings do not refuse each other. A failure
   * of DynamoDB is logged and passed over: the answer stands, and a replay after a deletion finds
   * the tombstone (docs/design.md#deleting-a-user).
   *
   * @returns `false` when the record no longer holds that publicToken (deleted, or a newer one stored)
   */
  private async listIdempotencyRecord(
    answered: StoredPublicToken,
    record: IdempotencyRecordRef,
    now: Date,
  ): Promise<boolean> {
    try {
      const output = await sendConditional('UpdateItem', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { clientUserId: answered.clientUserId },
            UpdateExpression: `SET ${LISTED} = list_append(if_not_exists(${LISTED}, :noRecords), :records), lastWriteId = :writeId`,
            ConditionExpression: 'humanId = :humanId AND publicToken = :answered',
            ExpressionAttributeValues: {
              ':noRecords': [],
              ':records': [record],
              ':writeId': randomUUID(),
              ':humanId': answered.humanId,
              ':answered': answered.publicToken,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (output === undefined) return false;
      await this.trimmed(parseItem(grantItemSchema, 'UpdateItem', output.Attributes), now);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      logger.warn('A finish\u2019s idempotency record could not be listed on the user\u2019s record');
    }
    return true;
  }

  /**
   * The stored publicToken of a written item, once its list of idempotency records is trimmed when
   * longer than {@link MAX_LISTED_IDEMPOTENCY_RECORDS}: expired entries go, then the oldest. The
   * trim writes only if nothing wrote since (its `lastWriteId`), and only ever removes entries, so
   * a deletion that read the longer list removes a superset. A failed trim waits for the next write.
   */
  private async trimmed(item: GrantItem | undefined, now: Date): Promise<StoredPublicToken | undefined> {
    const listed = item?.idempotencyRecords ?? [];
    if (item?.lastWriteId === undefined || listed.length <= MAX_LISTED_IDEMPOTENCY_RECORDS) {
      return storedPublicToken(item);
    }
    const unexpired = listed.filter((record) => record.expiresAt * 1000 > now.getTime());
    const kept = [...new Map(unexpired.map((record) => [record.id, record])).values()].slice(
      -MAX_LISTED_IDEMPOTENCY_RECORDS,
    );
    try {
      await sendConditional('UpdateItem', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { clientUserId: item.clientUserId },
            UpdateExpression: `SET ${LISTED} = :kept`,
            ConditionExpression: 'lastWriteId = :writeId',
            ExpressionAttributeValues: { ':kept': kept, ':writeId': item.lastWriteId },
            ReturnValues: 'NONE',
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
    }
    return storedPublicToken(item);
  }

  private async read(clientUserId: string): Promise<GrantItem | undefined> {
    return readRecord({ client: this.client, tableName: this.tableName }, clientUserId, grantItemSchema);
  }

  /**
   * One conditional write of the newer parts; `undefined` when the condition failed. With the
   * record read (`item`), both issue times are written out (the kept one as it was), so the legacy
   * `exchangedAt` can go; a record reconnected after a deletion is no longer purged.
   */
  private async write(
    grant: TokenGrant,
    parts: GrantParts,
    condition: string,
    {
      writeId,
      now,
      item,
      idempotencyRecord,
    }: { writeId: string; now: Date; item?: TokenItem; idempotencyRecord?: IdempotencyRecordRef | undefined },
  ): Promise<GrantItem | undefined> {
    const set = ['createdAt = if_not_exists(createdAt, :now)', 'updatedAt = :now', 'lastWriteId = :writeId'];
    const values: Record<string, unknown> = { ':now': now.toISOString(), ':writeId': writeId, ':one': 1 };
    if (idempotencyRecord !== undefined) {
      // Listed in the same write as the tokens its record will answer: a deletion sees both or neither.
      set.push(`${LISTED} = list_append(if_not_exists(${LISTED}, :noRecords), :records)`);
      Object.assign(values, { ':noRecords': [], ':records': [idempotencyRecord] });
    }
    if (parts.access) {
      set.push(
        'humanId = :humanId',
        'clientId = :clientId',
        'accessTokenCiphertext = :accessTokenCiphertext',
        'accessTokenIssuedAt = :accessTokenIssuedAt',
      );
      Object.assign(values, {
        ':humanId': grant.humanId,
        ':clientId': grant.clientId,
        ':accessTokenCiphertext': grant.accessTokenCiphertext,
        ':accessTokenIssuedAt': grant.accessTokenIssuedAt,
      });
    } else if (item !== undefined) {
      set.push('accessTokenIssuedAt = :keptAccessTokenIssuedAt');
      values[':keptAccessTokenIssuedAt'] = storedIssueTime(item, 'access');
    }
    if (parts.public) {
      set.push('publicToken = :publicToken', 'publicTokenIssuedAt = :publicTokenIssuedAt');
      values[':publicToken'] = grant.publicToken;
      values[':publicTokenIssuedAt'] = grant.publicTokenIssuedAt;
    } else if (item !== undefined) {
      set.push('publicTokenIssuedAt = :keptPublicTokenIssuedAt');
      values[':keptPublicTokenIssuedAt'] = storedIssueTime(item, 'public');
    }
    if (item !== undefined) values[':version'] = item.version ?? 0;
    // The plaintext of records written before per-record encryption goes with the first new accessToken.
    const remove = [LEGACY_ISSUE_TIME_ATTRIBUTE, 'purgeAt', ...(parts.access ? ['accessToken'] : [])];
    const output = await sendConditional('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { clientUserId: grant.clientUserId },
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')} ADD version :one`,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return output === undefined ? undefined : parseItem(grantItemSchema, 'UpdateItem', output.Attributes);
  }
}
