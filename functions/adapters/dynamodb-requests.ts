/**
 * What every DynamoDB adapter of the token table does with a request and its answer: SDK failures
 * become a {@link DependencyUnavailableError} (503) while a lost condition is left to the caller,
 * and items are parsed, not cast, an item of another shape being a storage failure logged with
 * its failing field names only (its values are tokens).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type * as z from 'zod/mini';
import { DependencyUnavailableError, UnreadableTokenRecordError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';

/**
 * Sends a DynamoDB request.
 *
 * @throws {ConditionalCheckFailedException} as DynamoDB raised it: the caller decides what a lost condition means
 * @throws {DependencyUnavailableError} for any other failure (after the SDK's retries)
 */
export async function sendToDynamoDb<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw error;
    logger.error('DynamoDB request failed', { operation, ...errorFields(error) });
    throw new DependencyUnavailableError('DynamoDB', { cause: error });
  }
}

/**
 * Parses an item DynamoDB answered with `schema`; `undefined` stays `undefined` (no item).
 *
 * @throws {UnreadableTokenRecordError} when the item is not of the schema's shape
 */
export function parseTokenItem<T>(
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
