/**
 * The user token table (docs/design.md#storage-and-integrity) behind narrow, typed operations.
 *
 * Newest wins, per token: a record's accessToken and publicToken each carry the time Human API
 * issued them (`accessTokenIssuedAt`, `publicTokenIssuedAt`), and each is replaced only by one
 * issued later. Finishes, refreshes, SDK retries, client retries and the outbox drain all write
 * through {@link TokenStore.upsertTokenRecord} or {@link TokenStore.storePublicToken}, so no order
 * of arrival can put an older token in place of a newer one.
 *
 * Every SDK failure other than a lost condition becomes a {@link DependencyUnavailableError}, and so
 * does an item that is not a token record.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { DependencyUnavailableError } from '../commons/errors.js';
import { logger } from '../commons/observability.js';
import { HUMAN_ID_INDEX_NAME } from '../commons/tables.js';
import { RECOVERY_READ_ATTRIBUTES } from '../commons/token-attributes.js';
import { parseTokenItem, sendToDynamoDb } from './dynamodb-requests.js';

/**
 * Issue time of a token stored without one (no issue-time attribute and no legacy `exchangedAt`):
 * older than anything Human API issues now.
 */
export const UNKNOWN_ISSUE_TIME = '1970-01-01T00:00:00.000Z';

/** Most writes one upsert makes when other writers keep winning the race (then 503). */
export const MAX_WRITE_ATTEMPTS = 5;

/**
 * The stored shape of a user token record. Items are parsed, not cast: the table can hold what
 * another writer (a console edit, an older version) put there. Records written before per-token
 * issue times hold `exchangedAt` (the issue time of both tokens) and may hold the accessToken in
 * plain text (`accessToken`), which the next finish replaces with `accessTokenCiphertext`.
 */
const storedItemSchema = z.object({
  clientUserId: z.string(),
  humanId: z.string(),
  // A current-generation record (`/connect-tokens`, ./connect-user-store.ts) may hold no publicToken
  // yet: read as '' (none), so /public-tokens mints one for it as for any record without one.
  publicToken: z._default(z.string(), ''),
  clientId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
  accessTokenCiphertext: z.optional(z.string()),
  accessToken: z.optional(z.string()),
  accessTokenIssuedAt: z.optional(z.string()),
  publicTokenIssuedAt: z.optional(z.string()),
  exchangedAt: z.optional(z.string()),
  lastWriteId: z.optional(z.string()),
});

type StoredItem = z.infer<typeof storedItemSchema>;

/** A stored user token record, as the domain sees it: never the access token in plain text. */
export interface TokenRecord {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly clientId: string;
  readonly publicToken: string;
  /** When Human API issued the stored accessToken (ISO 8601). */
  readonly accessTokenIssuedAt: string;
  /** When Human API issued the stored publicToken (ISO 8601). */
  readonly publicTokenIssuedAt: string;
  /** The accessToken as KMS ciphertext (base64); absent on records not rewritten since encryption. */
  readonly accessTokenCiphertext: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** +1 per applied write. */
  readonly version: number;
}

/**
 * What public-token recovery reads of a record: never an access token. Its role may read no more
 * (DynamoDB fine-grained access, docs/security.md), and the `humanId` index projects no more.
 */
const recoveryRecordSchema = z.readonly(
  z.object({
    clientUserId: z.string(),
    humanId: z.string(),
    publicToken: z._default(z.string(), ''),
    version: z.number(),
  }),
);

/** The part of a token record public-token recovery sees. */
export type RecoveryRecord = z.infer<typeof recoveryRecordSchema>;

/** `ProjectionExpression` and its names for a read of `attributes`. */
function projection(attributes: readonly string[]) {
  return {
    ProjectionExpression: attributes.map((_, index) => `#p${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#p${index}`, name])),
  };
}

/** What recovery reads: the answer's fields. */
const RECOVERY_PROJECTION = projection(RECOVERY_READ_ATTRIBUTES);
/** What a refresh reads when its first write lost: the answer's fields and what newest-wins compares. */
const REFRESH_PROJECTION = projection([...RECOVERY_READ_ATTRIBUTES, 'exchangedAt', 'lastWriteId']);

/** A refresh's view of a record: the recovery fields, and what the newest-wins rule compares. */
const refreshViewSchema = z.object({
  clientUserId: z.string(),
  humanId: z.string(),
  publicToken: z._default(z.string(), ''),
  version: z.number(),
  publicTokenIssuedAt: z.optional(z.string()),
  exchangedAt: z.optional(z.string()),
  lastWriteId: z.optional(z.string()),
});

/** The tokens a finished session yields, the accessToken already encrypted. Also the outbox message. */
export interface TokenGrant {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly clientId: string;
  readonly accessTokenCiphertext: string;
  /** When Human API answered the exchange (ISO 8601). */
  readonly accessTokenIssuedAt: string;
  readonly publicToken: string;
  /** When Human API answered the exchange (ISO 8601). */
  readonly publicTokenIssuedAt: string;
}

/** A publicToken a refresh brought. */
export interface PublicTokenUpdate {
  readonly clientUserId: string;
  /** The record's humanId: a record of another humanId is left alone. */
  readonly humanId: string;
  readonly publicToken: string;
  /** When Human API answered the refresh (ISO 8601). */
  readonly publicTokenIssuedAt: string;
}

/** A current-generation access token minted on demand, already encrypted. */
export interface MintedAccessTokenUpdate {
  readonly clientUserId: string;
  /** The access token as KMS ciphertext (base64), bound to `clientUserId`. */
  readonly ciphertext: string;
  /** When it expires (ISO 8601). */
  readonly expiresAt: string;
  /** When Human API answered the mint (ISO 8601): a token issued later is never replaced by this one. */
  readonly issuedAt: string;
}

/** Operations on the token table. */
export interface TokenStore {
  /**
   * Stores a finish's tokens, each only if it was issued later than the stored one, keeping
   * `createdAt`; creates the record when there is none. One `UpdateItem` in the common case;
   * when its condition fails (a newer token stored, or this call's own write committed by an
   * earlier SDK attempt), the record is read and only the newer parts are written, conditioned
   * on the version read, at most {@link MAX_WRITE_ATTEMPTS} writes in all.
   *
   * @returns the stored record after the write: what a caller should answer
   * @throws {DependencyUnavailableError} when DynamoDB fails, or other writers keep winning
   */
  upsertTokenRecord(grant: TokenGrant, now: Date): Promise<TokenRecord>;
  /**
   * Stores a refreshed publicToken if it was issued later than the stored one; never touches
   * the accessToken or its issue time, never creates a record. Names only the attributes
   * recovery's role may write, and answers only what it updated (`UPDATED_NEW`).
   *
   * @returns the stored publicToken after the write (a concurrent finish's, when Human API issued
   *   that one later), or `undefined` when the user has no record
   */
  storePublicToken(update: PublicTokenUpdate, now: Date): Promise<RecoveryRecord | undefined>;
  /**
   * Stores a minted access token if it was issued later than the stored one (newest wins), on an
   * existing record only; sets `connectedAt` when missing (Human API grants access tokens only to a
   * user who connected). Touches no v1 token. `version` is added to once, even when the SDK
   * retries a committed write.
   *
   * @returns whether this token is now the stored one (`false`: a later one is stored, or no record)
   */
  storeMintedAccessToken(update: MintedAccessTokenUpdate, now: Date): Promise<boolean>;
  /** Reads a user's whole record by `clientUserId` (strongly consistent). */
  getTokenRecord(clientUserId: string): Promise<TokenRecord | undefined>;
  /** Reads what recovery may see of a user's record by `clientUserId` (strongly consistent, projected). */
  getRecoveryRecord(clientUserId: string): Promise<RecoveryRecord | undefined>;
  /** Finds what recovery may see of a user's record by `humanId` through the GSI (projected). */
  findRecoveryRecordByHumanId(humanId: string): Promise<RecoveryRecord | undefined>;
}

/** Parses a whole item (see {@link parseTokenItem}). */
const parseItem = (operation: string, item: Record<string, unknown> | undefined) =>
  parseTokenItem(storedItemSchema, operation, item);

/** The domain's view of an item: issue times resolved (legacy `exchangedAt` counts for both). */
function toRecord(item: StoredItem): TokenRecord {
  return {
    clientUserId: item.clientUserId,
    humanId: item.humanId,
    clientId: item.clientId,
    publicToken: item.publicToken,
    accessTokenIssuedAt: item.accessTokenIssuedAt ?? item.exchangedAt ?? UNKNOWN_ISSUE_TIME,
    publicTokenIssuedAt: item.publicTokenIssuedAt ?? item.exchangedAt ?? UNKNOWN_ISSUE_TIME,
    accessTokenCiphertext: item.accessTokenCiphertext,
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    version: item.version,
  };
}

/*
 * The conditions below lean on DynamoDB's operator precedence (NOT, then AND, then OR) instead
 * of nesting parentheses: the meaning is the same, and dynalite's expression parser, which local
 * mode and the benchmark run on, backtracks on nested groups (60 ms for the nested form of the
 * finish condition against 6 ms for this one). A comparison with a missing attribute is false in
 * DynamoDB, so `a < :t` needs no `attribute_exists(a)` guard.
 */

/** DynamoDB condition: the stored token of this kind was issued before `:placeholder` (legacy items included). */
const olderThan = (attribute: 'accessTokenIssuedAt' | 'publicTokenIssuedAt', placeholder: string) =>
  `(${attribute} < ${placeholder} OR attribute_not_exists(${attribute}) AND ` +
  `(attribute_not_exists(exchangedAt) OR exchangedAt < ${placeholder}))`;

/** DynamoDB condition: this call's write is not already the stored one (an SDK retry of a committed write). */
const NOT_THIS_WRITE = 'NOT lastWriteId = :writeId';

/** What one write sets: only the parts that are newer than the stored ones. */
interface WriteParts {
  /** The humanId the tokens belong to: a publicToken is applied to a record of another humanId only with its accessToken. */
  readonly humanId?: string;
  readonly access?: Pick<TokenGrant, 'humanId' | 'clientId' | 'accessTokenCiphertext' | 'accessTokenIssuedAt'>;
  readonly public?: Pick<TokenGrant, 'publicToken' | 'publicTokenIssuedAt'>;
}

/** The SET/REMOVE clauses and values of the newer parts. */
function partsExpression(parts: WriteParts): { set: string[]; remove: string[]; values: Record<string, string> } {
  const set: string[] = [];
  const remove: string[] = [];
  const values: Record<string, string> = {};
  if (parts.access !== undefined) {
    set.push(
      'humanId = :humanId',
      'clientId = :clientId',
      'accessTokenCiphertext = :accessTokenCiphertext',
      'accessTokenIssuedAt = :accessTokenIssuedAt',
    );
    // The plaintext of records written before per-record encryption goes with the first new accessToken.
    remove.push('accessToken');
    Object.assign(values, {
      ':humanId': parts.access.humanId,
      ':clientId': parts.access.clientId,
      ':accessTokenCiphertext': parts.access.accessTokenCiphertext,
      ':accessTokenIssuedAt': parts.access.accessTokenIssuedAt,
    });
  }
  if (parts.public !== undefined) {
    set.push('publicToken = :publicToken', 'publicTokenIssuedAt = :publicTokenIssuedAt');
    Object.assign(values, {
      ':publicToken': parts.public.publicToken,
      ':publicTokenIssuedAt': parts.public.publicTokenIssuedAt,
    });
  }
  return { set, remove, values };
}

/** Creates the token store over a document client and table name. */
export function createTokenStore(client: DynamoDBDocumentClient, tableName: string): TokenStore {
  async function readItem(clientUserId: string): Promise<StoredItem | undefined> {
    const output = await sendToDynamoDb('GetItem', () =>
      client.send(new GetCommand({ TableName: tableName, Key: { clientUserId }, ConsistentRead: true })),
    );
    return parseItem('GetItem', output.Item);
  }

  /**
   * One conditional UpdateItem; `undefined` when the condition failed.
   * Every applied write sets `lastWriteId`, so an SDK retry of a write DynamoDB already committed
   * (its answer lost) fails its condition and is recognised on the read that follows.
   */
  async function update(
    clientUserId: string,
    parts: WriteParts,
    extra: { set?: string[]; remove?: string[]; values?: Record<string, string | number> },
    condition: string,
    writeId: string,
    now: Date,
  ): Promise<StoredItem | undefined> {
    const expression = partsExpression(parts);
    const set = [...expression.set, ...(extra.set ?? []), 'updatedAt = :now', 'lastWriteId = :writeId'];
    const remove = [...expression.remove, ...(extra.remove ?? [])];
    try {
      const output = await sendToDynamoDb('UpdateItem', () =>
        client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { clientUserId },
            UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`} ADD version :one`,
            ConditionExpression: condition,
            ExpressionAttributeValues: {
              ...expression.values,
              ...extra.values,
              ':now': now.toISOString(),
              ':writeId': writeId,
              ':one': 1,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return parseItem('UpdateItem', output.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * After a lost condition: reads the record and writes only what is newer than it, conditioned on
   * the version read, until a write applies, nothing is newer, or the attempts run out.
   */
  async function reconcile(
    clientUserId: string,
    wanted: WriteParts,
    writeId: string,
    now: Date,
    attemptsLeft: number,
    create: () => Promise<StoredItem | undefined>,
  ): Promise<StoredItem | undefined> {
    for (let attempt = 0; attempt < attemptsLeft; attempt += 1) {
      const item = await readItem(clientUserId);
      if (item === undefined) {
        // Deleted meanwhile: a finish creates it again.
        const created = await create();
        if (created !== undefined) return created;
        continue;
      }
      // This call's own write, committed by an earlier SDK attempt.
      if (item.lastWriteId === writeId) return item;
      const current = toRecord(item);
      const access =
        wanted.access !== undefined && current.accessTokenIssuedAt < wanted.access.accessTokenIssuedAt
          ? wanted.access
          : undefined;
      // A publicToken belongs to its humanId: one of another humanId is applied only with its accessToken.
      const sameUser = access !== undefined || item.humanId === wanted.humanId;
      const publicPart =
        wanted.public !== undefined && sameUser && current.publicTokenIssuedAt < wanted.public.publicTokenIssuedAt
          ? wanted.public
          : undefined;
      if (access === undefined && publicPart === undefined) return item;
      // Both issue times are written out, so the legacy `exchangedAt` can go.
      const keepTimes: Record<string, string> = {};
      const set: string[] = [];
      if (access === undefined) {
        set.push('accessTokenIssuedAt = :keptAccessTokenIssuedAt');
        keepTimes[':keptAccessTokenIssuedAt'] = current.accessTokenIssuedAt;
      }
      if (publicPart === undefined) {
        set.push('publicTokenIssuedAt = :keptPublicTokenIssuedAt');
        keepTimes[':keptPublicTokenIssuedAt'] = current.publicTokenIssuedAt;
      }
      const written = await update(
        clientUserId,
        { ...(access === undefined ? {} : { access }), ...(publicPart === undefined ? {} : { public: publicPart }) },
        { set, remove: ['exchangedAt'], values: { ...keepTimes, ':version': item.version } },
        'version = :version',
        writeId,
        now,
      );
      if (written !== undefined) return written;
    }
    logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem', attemptsLeft });
    throw new DependencyUnavailableError('DynamoDB');
  }

  return {
    async upsertTokenRecord(grant, now) {
      const writeId = randomUUID();
      const parts: WriteParts = { humanId: grant.humanId, access: grant, public: grant };
      const create = () =>
        update(
          grant.clientUserId,
          parts,
          { set: ['createdAt = if_not_exists(createdAt, :now)'], remove: ['exchangedAt'] },
          `attribute_not_exists(clientUserId) OR ${NOT_THIS_WRITE} AND ` +
            `${olderThan('accessTokenIssuedAt', ':accessTokenIssuedAt')} AND ` +
            olderThan('publicTokenIssuedAt', ':publicTokenIssuedAt'),
          writeId,
          now,
        );
      const item =
        (await create()) ?? (await reconcile(grant.clientUserId, parts, writeId, now, MAX_WRITE_ATTEMPTS - 1, create));
      if (item === undefined) throw new DependencyUnavailableError('DynamoDB');
      return toRecord(item);
    },

    async storePublicToken(publicUpdate, now) {
      const { clientUserId, humanId, publicTokenIssuedAt } = publicUpdate;
      const writeId = randomUUID();
      let condition =
        `attribute_exists(clientUserId) AND humanId = :expectedHumanId AND ${NOT_THIS_WRITE} AND ` +
        olderThan('publicTokenIssuedAt', ':publicTokenIssuedAt');
      let version: number | undefined;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt += 1) {
        const written = await refreshWrite(publicUpdate, condition, version, writeId, now);
        if (written !== undefined) return { clientUserId, humanId, ...written };
        const current = parseTokenItem(
          refreshViewSchema,
          'GetItem',
          (
            await sendToDynamoDb('GetItem', () =>
              client.send(
                new GetCommand({
                  TableName: tableName,
                  Key: { clientUserId },
                  ConsistentRead: true,
                  ...REFRESH_PROJECTION,
                }),
              ),
            )
          ).Item,
        );
        if (current === undefined) return undefined;
        const stored = {
          clientUserId,
          humanId: current.humanId,
          publicToken: current.publicToken,
          version: current.version,
        };
        // This call's own write, committed by an earlier SDK attempt; or a record of another
        // humanId (its publicToken is not ours to replace); or a publicToken issued later.
        if (current.lastWriteId === writeId || current.humanId !== humanId) return stored;
        const storedIssuedAt = current.publicTokenIssuedAt ?? current.exchangedAt ?? UNKNOWN_ISSUE_TIME;
        if (storedIssuedAt >= publicTokenIssuedAt) return stored;
        condition = `humanId = :expectedHumanId AND version = :version`;
        version = current.version;
      }
      logger.error('DynamoDB writes kept losing to concurrent writers', { operation: 'UpdateItem' });
      throw new DependencyUnavailableError('DynamoDB');

      /** One conditional write of the publicToken alone; what it updated, or `undefined` when the condition failed. */
      async function refreshWrite(
        update: PublicTokenUpdate,
        writeCondition: string,
        expectedVersion: number | undefined,
        id: string,
        at: Date,
      ): Promise<{ publicToken: string; version: number } | undefined> {
        try {
          const output = await sendToDynamoDb('UpdateItem', () =>
            client.send(
              new UpdateCommand({
                TableName: tableName,
                Key: { clientUserId: update.clientUserId },
                UpdateExpression:
                  'SET publicToken = :publicToken, publicTokenIssuedAt = :publicTokenIssuedAt, updatedAt = :now, ' +
                  'lastWriteId = :writeId ADD version :one',
                ConditionExpression: writeCondition,
                ExpressionAttributeValues: {
                  ':publicToken': update.publicToken,
                  ':publicTokenIssuedAt': update.publicTokenIssuedAt,
                  ':expectedHumanId': update.humanId,
                  ':now': at.toISOString(),
                  ':writeId': id,
                  ':one': 1,
                  ...(expectedVersion === undefined ? {} : { ':version': expectedVersion }),
                },
                // Recovery's role may not read the record back whole (docs/security.md).
                ReturnValues: 'UPDATED_NEW',
              }),
            ),
          );
          const updated = parseTokenItem(
            z.object({ publicToken: z.string(), version: z.number() }),
            'UpdateItem',
            output.Attributes,
          );
          return updated === undefined ? undefined : { publicToken: updated.publicToken, version: updated.version };
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return undefined;
          throw error;
        }
      }
    },

    async storeMintedAccessToken({ clientUserId, ciphertext, expiresAt, issuedAt }, now) {
      const writeId = randomUUID();
      try {
        await sendToDynamoDb('UpdateItem', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { clientUserId },
              UpdateExpression:
                'SET mintedAccessTokenCiphertext = :ciphertext, mintedAccessTokenExpiresAt = :expiresAt, ' +
                'mintedAccessTokenIssuedAt = :issuedAt, connectedAt = if_not_exists(connectedAt, :now), ' +
                'updatedAt = :now, lastWriteId = :writeId ADD version :one',
              ConditionExpression:
                'attribute_exists(clientUserId) AND ' +
                '(attribute_not_exists(mintedAccessTokenIssuedAt) OR mintedAccessTokenIssuedAt < :issuedAt) AND ' +
                NOT_THIS_WRITE,
              ExpressionAttributeValues: {
                ':ciphertext': ciphertext,
                ':expiresAt': expiresAt,
                ':issuedAt': issuedAt,
                ':now': now.toISOString(),
                ':writeId': writeId,
                ':one': 1,
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      // Lost the condition: this call's own write committed by an earlier SDK attempt, or a later token, or no record.
      const output = await sendToDynamoDb('GetItem', () =>
        client.send(
          new GetCommand({
            TableName: tableName,
            Key: { clientUserId },
            ConsistentRead: true,
            ...projection(['lastWriteId']),
          }),
        ),
      );
      return output.Item?.lastWriteId === writeId;
    },

    async getTokenRecord(clientUserId) {
      const item = await readItem(clientUserId);
      return item === undefined ? undefined : toRecord(item);
    },

    async getRecoveryRecord(clientUserId) {
      const output = await sendToDynamoDb('GetItem', () =>
        client.send(
          new GetCommand({ TableName: tableName, Key: { clientUserId }, ConsistentRead: true, ...RECOVERY_PROJECTION }),
        ),
      );
      return parseTokenItem(recoveryRecordSchema, 'GetItem', output.Item);
    },

    async findRecoveryRecordByHumanId(humanId) {
      const output = await sendToDynamoDb('Query', () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: HUMAN_ID_INDEX_NAME,
            KeyConditionExpression: 'humanId = :humanId',
            ExpressionAttributeValues: { ':humanId': humanId },
            Select: 'SPECIFIC_ATTRIBUTES',
            ...RECOVERY_PROJECTION,
            Limit: 1,
          }),
        ),
      );
      return parseTokenItem(recoveryRecordSchema, 'Query', output.Items?.[0]);
    },
  };
}
