/**
 * Embedded DynamoDB for local mode: dynalite on loopback, persisted under
 * `.data/` (or in memory), with the tables created from the same definitions
 * the CDK stack uses. A small proxy sits in front of it so tests can make
 * DynamoDB fail for a while, over real HTTP, the way a throttled or
 * unreachable service does.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { IDEMPOTENCY_TABLE, type TableDefinition, TOKEN_TABLE } from '../functions/commons/tables.js';
import { close, listen, readBody } from './http-util.js';

/** A fault the proxy applies to matching DynamoDB requests. */
export interface DynamoDbFault {
  /** Operation to fail, such as `UpdateItem`; all operations when omitted. */
  readonly operation?: string;
  /** Table to fail; all tables when omitted. */
  readonly tableName?: string;
  /** How many matching requests fail. @default 1 */
  readonly count?: number;
  /** `throttle` (400 ThrottlingException), `error` (500) or `reset` (connection dropped). @default 'error' */
  readonly kind?: 'throttle' | 'error' | 'reset';
}

/** A running local DynamoDB. */
export interface LocalDynamoDb {
  /** Endpoint URL for `AWS_ENDPOINT_URL_DYNAMODB` (the fault proxy). */
  readonly endpoint: string;
  /** Adds a fault. */
  injectFault(fault: DynamoDbFault): void;
  /** Clears faults. */
  resetFaults(): void;
  /** Requests served, by operation. */
  readonly requestCounts: Readonly<Record<string, number>>;
  /** Reads an item straight from dynalite, past the proxy: never faulted, not counted. */
  readItem(tableName: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

/** Table names used locally. */
export const LOCAL_TABLE_NAMES = { tokens: 'humanapi-tokens', idempotency: 'humanapi-idempotency' } as const;

/** Turns a table definition into a `CreateTable` request (on-demand, all GSI attributes projected). */
export function createTableInput(tableName: string, definition: TableDefinition): CreateTableCommandInput {
  const keys = [definition.partitionKey, ...definition.globalSecondaryIndexes.map((index) => index.partitionKey)];
  const attributeDefinitions = [...new Map(keys.map((key) => [key.name, key])).values()];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
    KeySchema: [{ AttributeName: definition.partitionKey.name, KeyType: 'HASH' }],
    ...(definition.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [{ AttributeName: index.partitionKey.name, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
  };
}

async function createTables(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const [name, definition] of [
      [LOCAL_TABLE_NAMES.tokens, TOKEN_TABLE],
      [LOCAL_TABLE_NAMES.idempotency, IDEMPOTENCY_TABLE],
    ] as const) {
      try {
        await client.send(new CreateTableCommand(createTableInput(name, definition)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}

function startFaultProxy(target: number, faults: DynamoDbFault[], counts: Record<string, number>): Server {
  return createServer(async (request, response) => {
    const body = (await readBody(request, 32 * 1024 * 1024)) ?? Buffer.alloc(0);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    counts[operation] = (counts[operation] ?? 0) + 1;
    let tableName = '';
    try {
      tableName = String((JSON.parse(body.toString('utf8')) as { TableName?: unknown }).TableName ?? '');
    } catch {
      // Not JSON: dynalite will answer it.
    }
    const fault = faults.find(
      (candidate) =>
        (candidate.operation === undefined || candidate.operation === operation) &&
        (candidate.tableName === undefined || candidate.tableName === tableName),
    );
    if (fault !== undefined) {
      const remaining = (fault.count ?? 1) - 1;
      faults.splice(faults.indexOf(fault), 1, ...(remaining > 0 ? [{ ...fault, count: remaining }] : []));
      if (fault.kind === 'reset') {
        request.socket.destroy();
        return;
      }
      const [status, type] =
        fault.kind === 'throttle'
          ? [400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException']
          : [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'];
      response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: type, message: 'Injected fault' }));
      return;
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: target, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    upstream.end(body);
  });
}

/** Starts dynalite (at `path`, or in memory) and its fault proxy, and creates the tables. */
export async function startLocalDynamoDb({ path }: { path: string | undefined }): Promise<LocalDynamoDb> {
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynalitePort = await listen(server, 0);
  const faults: DynamoDbFault[] = [];
  const counts: Record<string, number> = {};
  const proxy = startFaultProxy(dynalitePort, faults, counts);
  const proxyPort = await listen(proxy, 0);
  await createTables(`http://127.0.0.1:${dynalitePort}`);
  const reader = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${dynalitePort}`,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    injectFault: (fault) => faults.push(fault),
    resetFaults: () => faults.splice(0),
    requestCounts: counts,
    async readItem(tableName, key) {
      const output = await reader.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
      return output.Item;
    },
    async close() {
      reader.destroy();
      await close(proxy);
      await close(server);
    },
  };
}
