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
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';
import { HUMAN_ID_INDEX_NAME } from '../commons/tables.js';

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
  publicToken: z.string(),
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
   * the accessToken, never creates a record.
   *
   * @returns the stored record after the write, or `undefined` when the user has no record of
   *   that humanId
   */
  storePublicToken(update: PublicTokenUpdate, now: Date): Promise<TokenRecord | undefined>;
  /** Reads a user's record by `clientUserId` (strongly consistent). */
  getTokenRecord(clientUserId: string): Promise<TokenRecord | undefined>;
  /** Finds a user's record by `humanId` through the GSI. */
  findTokenRecordByHumanId(humanId: string): Promise<TokenRecord | undefined>;
}

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    logger.error('DynamoDB request failed', { operation, ...errorFields(error) });
    throw new DependencyUnavailableError('DynamoDB', { cause: error });
  }
}

/**
 * Parses an item DynamoDB answered. An item of another shape is a storage failure (503), logged
 * with the failing field names only: its values are tokens.
 *
 * @throws {UnreadableTokenRecordError} when the item is not a token record
 */
function parseItem(operation: string, item: Record<string, unknown> | undefined): StoredItem | undefined {
  if (item === undefined) return undefined;
  const parsed = storedItemSchema.safeParse(item);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))];
  logger.error('DynamoDB answered an item that is not a token record', { operation, fields });
  throw new UnreadableTokenRecordError(fields);
}

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

/** DynamoDB condition: the stored token of this kind was issued before `:placeholder` (legacy items included). */
const olderThan = (attribute: 'accessTokenIssuedAt' | 'publicTokenIssuedAt', placeholder: string) =>
  `((attribute_exists(${attribute}) AND ${attribute} < ${placeholder}) OR ` +
  `(attribute_not_exists(${attribute}) AND (attribute_not_exists(exchangedAt) OR exchangedAt < ${placeholder})))`;

const NOT_THIS_WRITE = '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId)';

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
    const output = await call('GetItem', () =>
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
      const output = await call('UpdateItem', () =>
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
    create: (() => Promise<StoredItem | undefined>) | undefined,
  ): Promise<StoredItem | undefined> {
    for (let attempt = 0; attempt < attemptsLeft; attempt += 1) {
      const item = await readItem(clientUserId);
      if (item === undefined) {
        // Deleted meanwhile: a finish creates it again; a refresh has nothing to update.
        if (create === undefined) return undefined;
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
          `attribute_not_exists(clientUserId) OR (${NOT_THIS_WRITE} AND ` +
            `${olderThan('accessTokenIssuedAt', ':accessTokenIssuedAt')} AND ` +
            `${olderThan('publicTokenIssuedAt', ':publicTokenIssuedAt')})`,
          writeId,
          now,
        );
      const item =
        (await create()) ?? (await reconcile(grant.clientUserId, parts, writeId, now, MAX_WRITE_ATTEMPTS - 1, create));
      if (item === undefined) throw new DependencyUnavailableError('DynamoDB');
      return toRecord(item);
    },

    async storePublicToken(publicUpdate, now) {
      const writeId = randomUUID();
      const parts: WriteParts = { humanId: publicUpdate.humanId, public: publicUpdate };
      const first = await update(
        publicUpdate.clientUserId,
        parts,
        { values: { ':expectedHumanId': publicUpdate.humanId } },
        `attribute_exists(clientUserId) AND humanId = :expectedHumanId AND ${NOT_THIS_WRITE} AND ` +
          olderThan('publicTokenIssuedAt', ':publicTokenIssuedAt'),
        writeId,
        now,
      );
      if (first !== undefined) return toRecord(first);
      const item = await reconcile(publicUpdate.clientUserId, parts, writeId, now, MAX_WRITE_ATTEMPTS - 1, undefined);
      return item === undefined ? undefined : toRecord(item);
    },

    async getTokenRecord(clientUserId) {
      const item = await readItem(clientUserId);
      return item === undefined ? undefined : toRecord(item);
    },

    async findTokenRecordByHumanId(humanId) {
      const output = await call('Query', () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: HUMAN_ID_INDEX_NAME,
            KeyConditionExpression: 'humanId = :humanId',
            ExpressionAttributeValues: { ':humanId': humanId },
            Limit: 1,
          }),
        ),
      );
      const item = parseItem('Query', output.Items?.[0]);
      return item === undefined ? undefined : toRecord(item);
    },
  };
}
