/**
 * Powertools Idempotency over the idempotency table, as one factory: a call with a key already
 * completed answers the stored result, a call whose key is in flight elsewhere fails with
 * {@link RequestInFlightError} (409), and a store that cannot be read or written fails with a
 * DynamoDB {@link DependencyUnavailableError} (503) — unless the work itself already succeeded
 * (docs/reliability.md). Powertools' own errors are translated here, so nothing else (the
 * problem mapping of every route among them) needs to import Powertools Idempotency.
 * A replay can be answered from the current state instead of the stored result (`onReplay`): a
 * finish's replay answers the user's current publicToken, not the one stored an hour ago. The work
 * learns which record will hold its result, so it can say where (a deletion removes the records
 * holding a user's publicTokens, docs/design.md#deleting-a-user).
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { errorFields, logger } from '../commons/observability.js';
import { DependencyUnavailableError, RequestInFlightError } from '../domain/errors.js';
import type { IdempotencyRecordRef } from '../domain/ports.js';

/** The field the response hook wraps a replayed result in. */
const REPLAYED = 'replayed';

/** The stored result inside a replay's mark. */
function replayedResult(answer: unknown): unknown {
  return typeof answer === 'object' && answer !== null && REPLAYED in answer ? answer[REPLAYED] : answer;
}

/** An idempotency key: a flat object of JSON scalars, hashed whole. */
export type IdempotencyKey = { readonly [field: string]: string | number | boolean | null };

/** Settings of {@link createIdempotency}. */
export interface IdempotencyOptions<TResult extends object> {
  /** The idempotency table. */
  readonly tableName: string;
  /** The DynamoDB client the table is reached with. */
  readonly dynamoDb: DynamoDBClient;
  /** How long a completed result is answered to replays. */
  readonly expiresAfterSeconds: number;
  /**
   * Turns the stored result of a replay (as read from the table: parse it) into its answer.
   * Powertools' `responseHook` runs for replays only; this runs after it.
   */
  readonly onReplay: (stored: unknown) => Promise<TResult>;
}

/**
 * Runs `work` at most once per `key`. The whole key object is hashed: it should hold exactly
 * what makes two requests the same, and nothing else.
 *
 * @param key - what identifies the request (a purpose-built object of JSON values)
 * @param context - the Lambda context, so an in-flight record expires with the invocation
 * @param work - the request's work, told which record will hold its result; the result is stored
 *   and answered to replays
 */
export type Idempotent<TKey extends IdempotencyKey, TResult extends object> = (
  key: TKey,
  context: Context,
  work: (record: IdempotencyRecordRef) => Promise<TResult>,
) => Promise<TResult>;

/** Powertools' DynamoDB store, saying which record a key is kept under (its own hashing, never a copy of it). */
class KeyedPersistenceLayer extends DynamoDBPersistenceLayer {
  /** The record id of `key`, as the store configured for this call computes it. */
  recordIdOf(key: IdempotencyKey): string {
    return this.getHashedIdempotencyKey(key);
  }
}

/** Creates an {@link Idempotent} runner over the idempotency table. */
export function createIdempotency<TKey extends IdempotencyKey, TResult extends object>({
  tableName,
  dynamoDb,
  expiresAfterSeconds,
  onReplay,
}: IdempotencyOptions<TResult>): Idempotent<TKey, TResult> {
  // No eventKeyJmesPath: the key argument is hashed whole, so no field is matched by a string.
  // The hook marks replays: Powertools calls it only when it answers a stored result. The mark is
  // a wrapper object, so concurrent invocations (local mode runs them in one process) never mix.
  const config = new IdempotencyConfig({
    expiresAfterSeconds,
    responseHook: (response) => ({ [REPLAYED]: response }),
  });
  const persistenceStore = new KeyedPersistenceLayer({ tableName, awsSdkV3Client: dynamoDb });
  const runOnce = makeIdempotent((_key: TKey, work: () => Promise<TResult>) => work(), {
    persistenceStore,
    config,
    dataIndexArgument: 0,
  });

  return async (key, context, work) => {
    config.registerLambdaContext(context);
    let done: { readonly result: TResult } | undefined;
    try {
      const answer: unknown = await runOnce(key, async () => {
        // Inside the call the store is configured for it (its key prefix): the id is the record's.
        const record = {
          id: persistenceStore.recordIdOf(key),
          // Completing the record sets its expiry a little later than this: an entry outlives it.
          expiresAt: Math.ceil(Date.now() / 1000) + expiresAfterSeconds + 60,
        };
        const result = await work(record);
        done = { result };
        return result;
      });
      if (done !== undefined) return done.result;
      return await onReplay(replayedResult(answer));
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) throw new RequestInFlightError({ cause: error });
      if (!(error instanceof IdempotencyPersistenceLayerError)) throw error;
      // The work succeeded and only completing the idempotency record failed: answering 503
      // would report a failure for a request that changed the record.
      if (done === undefined) throw new DependencyUnavailableError('DynamoDB', { cause: error });
      logger.warn('The work succeeded, but the idempotency record could not be completed', errorFields(error));
      return done.result;
    }
  };
}
