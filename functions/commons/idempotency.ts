/**
 * Powertools Idempotency over the idempotency table, as one factory: a call with a key already
 * completed answers the stored result, a call whose key is in flight elsewhere fails with
 * {@link RequestInFlightError} (409), and a store that cannot be read or written fails with a
 * DynamoDB {@link DependencyUnavailableError} (503) — unless the work itself already succeeded
 * (docs/reliability.md). Powertools' own errors are translated here, so nothing else (the
 * problem mapping of every route among them) needs to import Powertools Idempotency.
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
import { DependencyUnavailableError, RequestInFlightError } from './errors.js';
import { errorFields, logger } from './observability.js';

/** An idempotency key: a flat object of JSON scalars, hashed whole. */
export type IdempotencyKey = { readonly [field: string]: string | number | boolean | null };

/** Settings of {@link createIdempotency}. */
export interface IdempotencyOptions {
  /** The idempotency table. */
  readonly tableName: string;
  /** The DynamoDB client the table is reached with. */
  readonly dynamoDb: DynamoDBClient;
  /** How long a completed result is answered to replays. */
  readonly expiresAfterSeconds: number;
}

/**
 * Runs `work` at most once per `key`. The whole key object is hashed: it should hold exactly
 * what makes two requests the same, and nothing else.
 *
 * @param key - what identifies the request (a purpose-built object of JSON values)
 * @param context - the Lambda context, so an in-flight record expires with the invocation
 * @param work - the request's work; its result is stored and answered to replays
 */
export type Idempotent<TKey extends IdempotencyKey, TResult extends object> = (
  key: TKey,
  context: Context,
  work: () => Promise<TResult>,
) => Promise<TResult>;

/** Creates an {@link Idempotent} runner over the idempotency table. */
export function createIdempotency<TKey extends IdempotencyKey, TResult extends object>({
  tableName,
  dynamoDb,
  expiresAfterSeconds,
}: IdempotencyOptions): Idempotent<TKey, TResult> {
  // No eventKeyJmesPath: the key argument is hashed whole, so no field is matched by a string.
  const config = new IdempotencyConfig({ expiresAfterSeconds });
  const runOnce = makeIdempotent((_key: TKey, work: () => Promise<TResult>) => work(), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoDb }),
    config,
    dataIndexArgument: 0,
  });

  return async (key, context, work) => {
    config.registerLambdaContext(context);
    let done: { readonly result: TResult } | undefined;
    try {
      return await runOnce(key, async () => {
        const result = await work();
        done = { result };
        return result;
      });
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
