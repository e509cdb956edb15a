/**
 * The idempotency records of finishes against dynalite, as Powertools writes them and as a deletion
 * removes them (DynamoDbIdempotencyRecords): the work learns the id of the record that will hold
 * its answer, and a removal tells a finished record from one whose finish is still running,
 * never reading either.
 */

import { IdempotencyRecordStatus, PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS } from '@aws-lambda-powertools/idempotency';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIdempotency } from '../../../functions/adapters/idempotency.js';
import { COMPLETED_STATUS, DynamoDbIdempotencyRecords } from '../../../functions/adapters/idempotency-records.js';
import { IDEMPOTENCY_STATUS_ATTRIBUTE, IDEMPOTENCY_TABLE } from '../../../functions/commons/tables.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';
import type { IdempotencyRecordRef } from '../../../functions/domain/ports.js';
import { LOCAL_TABLE_NAMES, type LocalDynamoDb, startLocalDynamoDb } from '../../../local/dynamodb.js';
import { createLambdaContext } from '../../../local/lambda-adapter.js';
import { gate } from '../../support/token-table.js';

type Key = { readonly sessionToken: string; readonly callerId: string | null };

const tableName = LOCAL_TABLE_NAMES.idempotency;
let local: LocalDynamoDb;
let client: DynamoDBClient;
let records: DynamoDbIdempotencyRecords;
const context = createLambdaContext('finishSession', 10_000);
const answer = { publicToken: 'p'.repeat(32) };

beforeAll(async () => {
  local = await startLocalDynamoDb({ path: undefined });
  client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  records = new DynamoDbIdempotencyRecords(DynamoDBDocumentClient.from(client), tableName);
});

afterAll(async () => {
  client?.destroy();
  await local?.close();
});

const once = () =>
  createIdempotency<Key, typeof answer>({
    tableName,
    dynamoDb: client,
    expiresAfterSeconds: 3600,
    onReplay: async () => answer,
  });
const stored = (id: string) => local.readItem(tableName, { id });

describe('idempotency records', () => {
  it('names Powertools\u2019 attribute and state as Powertools writes them', () => {
    expect(IDEMPOTENCY_STATUS_ATTRIBUTE).toBe(PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.statusAttr);
    expect(COMPLETED_STATUS).toBe(IdempotencyRecordStatus.COMPLETED);
    expect(IDEMPOTENCY_TABLE.timeToLiveAttribute).toBe(PERSISTENCE_ATTRIBUTE_KEY_MAPPINGS.expiryAttr);
  });

  it('tells the work the id of the record that holds its answer, and when it expires', async () => {
    let told: IdempotencyRecordRef | undefined;
    const startedAt = Math.floor(Date.now() / 1000);

    await once()({ sessionToken: 'a'.repeat(32), callerId: null }, context, async (record) => {
      told = record;
      return answer;
    });

    const item = await stored(told?.id ?? '');
    expect(item).toMatchObject({ status: 'COMPLETED', data: answer });
    // The entry outlives the record: it is dropped from the list only once the record is surely gone.
    expect(told?.expiresAt).toBeGreaterThanOrEqual(Number(item?.expiration));
    expect(told?.expiresAt).toBeLessThanOrEqual(startedAt + 3600 + 61);
  });

  it('removes a finished record, and then finds nothing', async () => {
    let id = '';
    await once()({ sessionToken: 'b'.repeat(32), callerId: null }, context, async (record) => {
      id = record.id;
      return answer;
    });

    expect(await records.remove(id)).toBe('completed');
    expect(await stored(id)).toBeUndefined();
    expect(await records.remove(id)).toBe('absent');
  });

  it('removes a record whose finish is still running, which completing writes again', async () => {
    // Prepare: a finish paused inside its work.
    const inWork = gate();
    const finishWork = gate();
    let id = '';
    const finishing = once()({ sessionToken: 'c'.repeat(32), callerId: 'carol' }, context, async (record) => {
      id = record.id;
      inWork.open();
      await finishWork.opened;
      return answer;
    });
    await inWork.opened;

    // Act
    const outcome = await records.remove(id);
    finishWork.open();
    await finishing;

    // Assess: removed while in flight; the completion wrote it anew, and it can be removed again.
    expect(outcome).toBe('in progress');
    expect(await stored(id)).toMatchObject({ status: 'COMPLETED', data: answer });
    expect(await records.remove(id)).toBe('completed');
  });

  it('answers absent for an id never written, and DependencyUnavailableError when DynamoDB fails', async () => {
    expect(await records.remove('finishSession#never')).toBe('absent');

    local.injectFault({ count: 1000 });
    try {
      await expect(records.remove('finishSession#never')).rejects.toBeInstanceOf(DependencyUnavailableError);
    } finally {
      local.resetFaults();
    }
  });

  it('names only the key and the state, and has nothing returned: the record holds a publicToken', async () => {
    const documents = DynamoDBDocumentClient.from(client);
    const send = vi.spyOn(documents, 'send');

    await new DynamoDbIdempotencyRecords(documents, tableName).remove('finishSession#never');

    const inputs = send.mock.calls.map(([command]) => command.input as Record<string, unknown>);
    send.mockRestore();
    expect(inputs).toEqual([
      {
        TableName: tableName,
        Key: { id: 'finishSession#never' },
        ConditionExpression: '#status = :completed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':completed': 'COMPLETED' },
        ReturnValues: 'NONE',
      },
      {
        TableName: tableName,
        Key: { id: 'finishSession#never' },
        ConditionExpression: 'attribute_exists(id)',
        ReturnValues: 'NONE',
      },
    ]);
  });
});
