/**
 * The token table's one item schema, and what every role of the table does with a request and
 * its answer (docs/design.md#storage-and-integrity): SDK failures become a DynamoDB
 * {@link DependencyUnavailableError} (503), a lost condition is the caller's to read, and items
 * are parsed, not cast: the table can hold what another writer put there (a console edit, an
 * older version). An item of another shape is a storage failure, logged with the names of its
 * failing fields only (their values are tokens).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { errorFields, logger } from '../../commons/observability.js';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../../domain/errors.js';

/**
 * A token record as stored. Every attribute but the key is optional here: each role reads a
 * projection of it (`pick`), and records of the current generation, tombstones and records
 * written before per-token issue times each lack some.
 */
export const tokenItemSchema = z.object({
  clientUserId: z.string(),
  humanId: z.optional(z.string()),
  clientId: z.optional(z.string()),
  /** The v1 access token, KMS ciphertext (base64) bound to `clientUserId`. */
  accessTokenCiphertext: z.optional(z.string()),
  /** Legacy: the access token in plain text, from before per-record encryption. */
  accessToken: z.optional(z.string()),
  accessTokenIssuedAt: z.optional(z.string()),
  publicToken: z.optional(z.string()),
  publicTokenIssuedAt: z.optional(z.string()),
  /** Legacy: when Human API issued both tokens. */
  exchangedAt: z.optional(z.string()),
  mintedAccessTokenCiphertext: z.optional(z.string()),
  mintedAccessTokenExpiresAt: z.optional(z.string()),
  mintedAccessTokenIssuedAt: z.optional(z.string()),
  /** When the user first connected a source (current generation). */
  connectedAt: z.optional(z.string()),
  /** Human API no longer accepts the user's tokens: Connect must open in create mode. */
  reconnectRequired: z.optional(z.boolean()),
  /** When Human API refused the stored v1 access token: readers skip a v1 token issued before. */
  accessTokenRefusedAt: z.optional(z.string()),
  /** The user was deleted at this time: no token issued before it is stored (a tombstone). */
  deletedAt: z.optional(z.string()),
  /** When DynamoDB's TTL may remove a tombstone (epoch seconds); removed when the user connects again. */
  purgeAt: z.optional(z.number()),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  /** +1 per applied write. */
  version: z.optional(z.number()),
  /** The id of the last applied write: an SDK retry of a committed write recognises itself. */
  lastWriteId: z.optional(z.string()),
});

/** A stored item, as parsed. */
export type TokenItem = z.infer<typeof tokenItemSchema>;

/** Most writes one request makes when other writers keep winning the race (then 503). */
export const MAX_WRITE_ATTEMPTS = 5;

/**
 * Sends a DynamoDB request.
 *
 * @returns the answer, or `undefined` when the request's condition failed (for the caller to read)
 * @throws {DependencyUnavailableError} for any other failure (after the SDK's retries)
 */
export async function sendConditional<T>(operation: string, send: () => Promise<T>): Promise<T | undefined> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    logger.error('DynamoDB request failed', { operation, ...errorFields(error) });
    throw new DependencyUnavailableError('DynamoDB', { cause: error });
  }
}

/**
 * Sends a DynamoDB request that has no condition.
 *
 * @throws {DependencyUnavailableError} for any failure (after the SDK's retries)
 */
export async function sendRequest<T>(operation: string, request: () => Promise<T>): Promise<T> {
  const answer = await sendConditional(operation, request);
  if (answer === undefined) throw new DependencyUnavailableError('DynamoDB');
  return answer;
}

/**
 * Parses an item DynamoDB answered; `undefined` stays `undefined` (no item).
 *
 * @throws {UnreadableTokenRecordError} when the item is not of the schema's shape
 */
export function parseItem<T>(
  schema: z.ZodMiniType<T>,
  operation: string,
  item: Record<string, unknown> | undefined,
): T | undefined {
  if (item === undefined) return undefined;
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.')))];
  logger.error('DynamoDB answered an item that is not a token record', { operation, fields });
  throw new UnreadableTokenRecordError(fields);
}

/**
 * Reads a user's record, strongly consistent, as `schema` parses it: the named `attributes` only
 * (every role's read but the finish's must name what it reads), or the whole item without them.
 *
 * @throws {DependencyUnavailableError} when DynamoDB fails (after the SDK's retries)
 * @throws {UnreadableTokenRecordError} when the item is not of the schema's shape
 */
export async function readRecord<T>(
  { client, tableName }: { readonly client: DynamoDBDocumentClient; readonly tableName: string },
  clientUserId: string,
  schema: z.ZodMiniType<T>,
  attributes?: readonly string[],
): Promise<T | undefined> {
  const output = await sendRequest('GetItem', () =>
    client.send(
      new GetCommand({
        TableName: tableName,
        Key: { clientUserId },
        ConsistentRead: true,
        ...(attributes === undefined ? {} : projectionOf(attributes)),
      }),
    ),
  );
  return parseItem(schema, 'GetItem', output.Item);
}

/** `ProjectionExpression` and its names for a read of exactly `attributes`. */
export function projectionOf(attributes: readonly string[]) {
  return {
    ProjectionExpression: attributes.map((_, index) => `#p${index}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((name, index) => [`#p${index}`, name])),
  };
}

/**
 * The condition that a record is still the one read (or still absent): every write of this code
 * sets `lastWriteId`, so a write conditioned on it lands only on the record its decision was made on.
 */
export function unchangedSince(item: Pick<TokenItem, 'lastWriteId' | 'version'> | undefined): {
  condition: string;
  values: Record<string, unknown>;
} {
  if (item === undefined) return { condition: 'attribute_not_exists(clientUserId)', values: {} };
  if (item.lastWriteId !== undefined) {
    return { condition: 'lastWriteId = :seenWriteId', values: { ':seenWriteId': item.lastWriteId } };
  }
  // A record no write of this code has touched since it was written without a write id.
  return item.version === undefined
    ? {
        condition:
          'attribute_exists(clientUserId) AND attribute_not_exists(lastWriteId) AND attribute_not_exists(version)',
        values: {},
      }
    : {
        condition: 'attribute_exists(clientUserId) AND attribute_not_exists(lastWriteId) AND version = :seenVersion',
        values: { ':seenVersion': item.version },
      };
}
