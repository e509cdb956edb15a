/**
 * The token table as a finish and the outbox drain write it (docs/design.md#storage-and-integrity):
 * each token of a grant only if Human API issued it later than the stored one, and than the user's
 * deletion (newest-wins.ts). One conditional `UpdateItem` in the common case; when its condition
 * fails (a newer token stored, this call's own write committed by an earlier SDK attempt, or a
 * tombstone), the record is read and only the newer parts are written, conditioned on the version
 * read, at most {@link MAX_WRITE_ATTEMPTS} writes in all. Every applied write sets `lastWriteId`,
 * so an SDK retry of a committed write is recognised on the read that follows.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { logger } from '../../commons/observability.js';
import { DependencyUnavailableError } from '../../domain/errors.js';
import type { GrantStore, StoredPublicToken, TokenGrant } from '../../domain/ports.js';
import { LEGACY_ISSUE_TIME_ATTRIBUTE } from './attributes.js';
import { parseItem, projectionOf, sendConditional, sendRequest, type TokenItem, tokenItemSchema } from './item.js';
import { isNewer, newerCondition, storedIssueTime } from './newest-wins.js';

/** Most writes one grant makes when other writers keep winning the race (then 503). */
export const MAX_WRITE_ATTEMPTS = 5;

/** What a replay answers: the stored publicToken (projection of the finish's role). */
const publicTokenSchema = z.pick(tokenItemSchema, {
  clientUserId: true,
  humanId: true,
  publicToken: true,
  version: true,
});

/** The parts of a grant one write sets: only those newer than the stored ones. */
interface GrantParts {
  readonly access: boolean;
  readonly public: boolean;
}

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

  async storeGrant(grant: TokenGrant, now: Date): Promise<StoredPublicToken | undefined> {
    const writeId = randomUUID();
    const everything: GrantParts = { access: true, public: true };
    // The common case: no record, or one whose tokens are both older.
    const created = await this.write(
      grant,
      everything,
      `attribute_not_exists(clientUserId) OR NOT lastWriteId = :writeId AND ` +
        `${newerCondition('access', ':accessTokenIssuedAt')} AND ${newerCondition('public', ':publicTokenIssuedAt')}`,
      { writeId, now },
    );
    if (created !== undefined) return storedPublicToken(created);
    for (let attempt = 1; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
      const item = await this.read(grant.clientUserId);
      // This call's own write, committed by an earlier SDK attempt.
      if (item?.lastWriteId === writeId) return storedPublicToken(item);
      const parts = item === undefined ? everything : this.newerParts(item, grant);
      if (!parts.access && !parts.public) return storedPublicToken(item);
      const written = await this.write(
        grant,
        parts,
        item === undefined ? 'attribute_not_exists(clientUserId)' : 'version = :version',
        { writeId, now, ...(item === undefined ? {} : { item }) },
      );
      if (written !== undefined) return storedPublicToken(written);
    }
    logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem' });
    throw new DependencyUnavailableError('DynamoDB');
  }

  async currentPublicToken(clientUserId: string): Promise<StoredPublicToken | undefined> {
    const output = await sendRequest('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { clientUserId },
          ConsistentRead: true,
          ...projectionOf(['clientUserId', 'humanId', 'publicToken', 'version']),
        }),
      ),
    );
    return storedPublicToken(parseItem(publicTokenSchema, 'GetItem', output.Item));
  }

  /** Which parts of `grant` are newer than the stored ones (a publicToken of another humanId only with its accessToken). */
  private newerParts(item: TokenItem, grant: TokenGrant): GrantParts {
    const access = isNewer(item, 'access', grant.accessTokenIssuedAt);
    const sameUser = access || item.humanId === grant.humanId;
    return { access, public: sameUser && isNewer(item, 'public', grant.publicTokenIssuedAt) };
  }

  private async read(clientUserId: string): Promise<TokenItem | undefined> {
    const output = await sendRequest('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { clientUserId }, ConsistentRead: true })),
    );
    return parseItem(tokenItemSchema, 'GetItem', output.Item);
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
    { writeId, now, item }: { writeId: string; now: Date; item?: TokenItem },
  ): Promise<TokenItem | undefined> {
    const set = ['createdAt = if_not_exists(createdAt, :now)', 'updatedAt = :now', 'lastWriteId = :writeId'];
    const values: Record<string, string | number> = { ':now': now.toISOString(), ':writeId': writeId, ':one': 1 };
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
    return output === undefined ? undefined : parseItem(tokenItemSchema, 'UpdateItem', output.Attributes);
  }
}
