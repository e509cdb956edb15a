/**
 * The user token table (docs/design.md#storage-and-integrity) behind narrow, typed operations.
 * Every SDK failure other than a lost condition becomes a
 * {@link DependencyUnavailableError}, and so does an item that is not a token record.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';
import { HUMAN_ID_INDEX_NAME } from '../commons/tables.js';
import { RECOVERY_READ_ATTRIBUTES } from '../commons/token-attributes.js';

/**
 * The stored shape of a user token record. Items are parsed, not cast: the table can hold what
 * another writer (a console edit, an older version) put there. Unknown attributes (`lastWriteId`)
 * are dropped.
 */
const tokenRecordSchema = z.readonly(
  z.object({
    clientUserId: z.string(),
    humanId: z.string(),
    // A current-generation record (`/connect-tokens`, ./connect-user-store.ts) holds neither yet:
    // read as '' (no token), so /public-tokens mints a publicToken for it as for a record without one.
    accessToken: z._default(z.string(), ''),
    publicToken: z._default(z.string(), ''),
    clientId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** When Human API issued the stored tokens. */
    exchangedAt: z.optional(z.string()),
    version: z.number(),
  }),
);

/** A stored user token record. */
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

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

/** `ProjectionExpression` and its names for a read of {@link RECOVERY_READ_ATTRIBUTES}. */
const RECOVERY_PROJECTION = {
  ProjectionExpression: RECOVERY_READ_ATTRIBUTES.map((_, index) => `#r${index}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(RECOVERY_READ_ATTRIBUTES.map((name, index) => [`#r${index}`, name])),
};

/** The tokens a finished session yields. */
export type TokenGrant = Pick<TokenRecord, 'clientUserId' | 'humanId' | 'accessToken' | 'publicToken' | 'clientId'>;

/** Operations on the token table. */
export interface TokenStore {
  /**
   * Creates or overwrites a user's tokens in one `UpdateItem`, keeping `createdAt` and adding 1
   * to `version`, unless the stored tokens come from a later exchange (`exchangedAt`): then the
   * newer record stands. That keeps the newest tokens when finishes of one user race, or when a
   * client retries an exchange whose first write failed after newer tokens were stored. Each call
   * carries a write ID, so the SDK retrying a write DynamoDB already committed (its answer lost)
   * does not add 1 twice.
   *
   * @param exchangedAt - when Human API issued these tokens
   * @returns the stored record: the one just written, or the newer one that was kept
   */
  upsertTokenRecord(grant: TokenGrant, times: { readonly exchangedAt: Date; readonly now: Date }): Promise<TokenRecord>;
  /** Reads a user's record by `clientUserId` (strongly consistent). */
  getTokenRecord(clientUserId: string): Promise<TokenRecord | undefined>;
  /** Reads what recovery may see of a user's record by `clientUserId` (strongly consistent, projected). */
  getRecoveryRecord(clientUserId: string): Promise<RecoveryRecord | undefined>;
  /** Finds what recovery may see of a user's record by `humanId` through the GSI (projected). */
  findRecoveryRecordByHumanId(humanId: string): Promise<RecoveryRecord | undefined>;
  /**
   * Stores a fresh publicToken only if the record is still the one that was read
   * (same `humanId` and `version`). Returns `undefined` when a concurrent write won.
   * Answers only what it updated (`UPDATED_NEW`), as recovery's role requires.
   */
  replacePublicToken(
    current: Pick<TokenRecord, 'clientUserId' | 'humanId' | 'version'>,
    publicToken: string,
    now: Date,
  ): Promise<RecoveryRecord | undefined>;
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
function parseTokenRecord(operation: string, item: Record<string, unknown> | undefined): TokenRecord | undefined {
  if (item === undefined) return undefined;
  const parsed = tokenRecordSchema.safeParse(item);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))];
  logger.error('DynamoDB answered an item that is not a token record', { operation, fields });
  throw new UnreadableTokenRecordError(fields);
}

/** Parses a projected recovery read like {@link parseTokenRecord}. */
function parseRecoveryRecord(operation: string, item: Record<string, unknown> | undefined): RecoveryRecord | undefined {
  if (item === undefined) return undefined;
  const parsed = recoveryRecordSchema.safeParse(item);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))];
  logger.error('DynamoDB answered an item that is not a token record', { operation, fields });
  throw new UnreadableTokenRecordError(fields);
}

/** Creates the token store over a document client and table name. */
export function createTokenStore(client: DynamoDBDocumentClient, tableName: string): TokenStore {
  async function getTokenRecord(clientUserId: string): Promise<TokenRecord | undefined> {
    const output = await call('GetItem', () =>
      client.send(new GetCommand({ TableName: tableName, Key: { clientUserId }, ConsistentRead: true })),
    );
    return parseTokenRecord('GetItem', output.Item);
  }

  return {
    async upsertTokenRecord(grant, { exchangedAt, now }) {
      let record: TokenRecord | undefined;
      try {
        const output = await call('UpdateItem', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { clientUserId: grant.clientUserId },
              UpdateExpression:
                'SET humanId = :humanId, accessToken = :accessToken, publicToken = :publicToken, clientId = :clientId, ' +
                'createdAt = if_not_exists(createdAt, :now), updatedAt = :now, exchangedAt = :exchangedAt, ' +
                'lastWriteId = :writeId ADD version :one',
              ConditionExpression:
                '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId) AND ' +
                '(attribute_not_exists(exchangedAt) OR exchangedAt <= :exchangedAt)',
              ExpressionAttributeValues: {
                ':humanId': grant.humanId,
                ':accessToken': grant.accessToken,
                ':publicToken': grant.publicToken,
                ':clientId': grant.clientId,
                ':now': now.toISOString(),
                ':exchangedAt': exchangedAt.toISOString(),
                ':writeId': randomUUID(),
                ':one': 1,
              },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
        record = parseTokenRecord('UpdateItem', output.Attributes);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Our own write, committed by an earlier attempt, or newer tokens that must stand.
        record = await getTokenRecord(grant.clientUserId);
      }
      if (record === undefined) throw new DependencyUnavailableError('DynamoDB');
      return record;
    },

    getTokenRecord,

    async getRecoveryRecord(clientUserId) {
      const output = await call('GetItem', () =>
        client.send(
          new GetCommand({ TableName: tableName, Key: { clientUserId }, ConsistentRead: true, ...RECOVERY_PROJECTION }),
        ),
      );
      return parseRecoveryRecord('GetItem', output.Item);
    },

    async findRecoveryRecordByHumanId(humanId) {
      const output = await call('Query', () =>
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
      return parseRecoveryRecord('Query', output.Items?.[0]);
    },

    async replacePublicToken(current, publicToken, now) {
      try {
        const output = await call('UpdateItem', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { clientUserId: current.clientUserId },
              UpdateExpression:
                'SET publicToken = :publicToken, updatedAt = :now, exchangedAt = :now REMOVE lastWriteId ADD version :one',
              ConditionExpression: 'humanId = :humanId AND version = :version',
              ExpressionAttributeValues: {
                ':publicToken': publicToken,
                ':now': now.toISOString(),
                ':humanId': current.humanId,
                ':version': current.version,
                ':one': 1,
              },
              ReturnValues: 'UPDATED_NEW',
            }),
          ),
        );
        // UPDATED_NEW holds publicToken and version; the key and humanId are the ones conditioned on.
        return parseRecoveryRecord('UpdateItem', {
          ...output.Attributes,
          clientUserId: current.clientUserId,
          humanId: current.humanId,
        });
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
  };
}
