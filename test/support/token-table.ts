/**
 * The token table on an in-process dynalite (local mode's own, `local/dynamodb.ts`), with a
 * per-attempt hook on every DynamoDB request, so tests can pause a writer between its read and
 * its write, fail an attempt before it reaches the table, or lose the answer of one that
 * committed (the SDK then retries it).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_TABLE_NAMES, type LocalDynamoDb, startLocalDynamoDb } from '../../local/dynamodb.js';

/** What a hook does with one attempt of one request. */
export type AttemptHook = (operation: string) => Promise<'pass' | 'fail-before' | 'lose-answer'>;

/** A token table for one test file. */
export interface TokenTable {
  readonly tableName: string;
  readonly local: LocalDynamoDb;
  /** A document client whose requests go through {@link TokenTable.hook}. */
  readonly client: DynamoDBDocumentClient;
  /** Called before every attempt (after the SDK's retry step); `pass` unless set. */
  hook: AttemptHook;
  /**
   * Another such client, with a fresh SDK retry quota: the quota is spent by failed attempts,
   * and a long run of injected failures would otherwise exhaust it.
   */
  freshClient(hook?: AttemptHook): DynamoDBDocumentClient;
  /** A plain DynamoDB client of the same kind (Powertools Idempotency takes one), both tables reachable. */
  freshBaseClient(hook?: AttemptHook): DynamoDBClient;
  close(): Promise<void>;
}

/** A retryable network error, as the SDK sees a dropped connection. */
function lostAnswer(): Error {
  const error = new Error('The connection was reset before the answer arrived');
  return Object.assign(error, { name: 'TimeoutError', code: 'ECONNRESET' });
}

/** Starts dynalite in memory with the table definitions of `functions/commons/tables.ts`. */
export async function startTokenTable(): Promise<TokenTable> {
  const local = await startLocalDynamoDb({ path: undefined });
  const bases: DynamoDBClient[] = [];
  const hookedBase = (own?: AttemptHook) => {
    const base = new DynamoDBClient({
      endpoint: local.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    });
    bases.push(base);
    // The deserialize step runs once per attempt, inside the SDK's retry loop.
    base.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? '').replace(/Command$/, '');
        const verdict = await (own ?? table.hook)(operation);
        if (verdict === 'fail-before') throw lostAnswer();
        const output = await next(args);
        if (verdict === 'lose-answer') throw lostAnswer();
        return output;
      },
      { step: 'deserialize', name: 'testAttemptHook' },
    );
    return base;
  };
  const hooked = (own?: AttemptHook) =>
    DynamoDBDocumentClient.from(hookedBase(own), { marshallOptions: { removeUndefinedValues: true } });
  const table: TokenTable = {
    tableName: LOCAL_TABLE_NAMES.tokens,
    local,
    client: hooked(),
    hook: async () => 'pass',
    freshClient: (hook) => hooked(hook),
    freshBaseClient: (hook) => hookedBase(hook),
    async close() {
      for (const base of bases) base.destroy();
      await local.close();
    },
  };
  return table;
}

/** A promise with its resolver: a point a test opens when it chooses. */
export function gate(): { readonly opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
