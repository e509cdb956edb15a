/**
 * The reader against DynamoDB's real protocol (dynalite, as local mode runs it): the projected
 * GetItem it sends is one DynamoDB accepts. Decryption is covered with a KMS mock in
 * test/functions/reader/read-access-token.test.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NotConnectedError,
  readAccessToken,
  TokenRecordNotFoundError,
} from '../../functions/reader/read-access-token.js';
import { LOCAL_TABLE_NAMES, type LocalDynamoDb, startLocalDynamoDb } from '../../local/dynamodb.js';

let dynamoDb: LocalDynamoDb;
let documents: DynamoDBDocumentClient;
/** Never called in these cases: an unreachable endpoint makes a stray call fail loudly. */
const kms = new KMSClient({
  endpoint: 'http://127.0.0.1:9',
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 1,
});

beforeAll(async () => {
  dynamoDb = await startLocalDynamoDb({ path: undefined });
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
});

afterAll(async () => {
  await dynamoDb?.close();
});

describe('readAccessToken on the local DynamoDB', () => {
  const options = () => ({ tableName: LOCAL_TABLE_NAMES.tokens, dynamoDb: documents, kms });

  it('reads a legacy plaintext record as it is', async () => {
    await documents.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAMES.tokens,
        Item: {
          clientUserId: 'legacy',
          humanId: 'h'.repeat(24),
          accessToken: 'a'.repeat(40),
          publicToken: 'p',
          version: 1,
        },
      }),
    );

    await expect(readAccessToken({ clientUserId: 'legacy' }, options())).resolves.toBe('a'.repeat(40));
  });

  it('throws NotConnectedError for a record without access token', async () => {
    await documents.send(
      new PutCommand({
        TableName: LOCAL_TABLE_NAMES.tokens,
        Item: { clientUserId: 'pending', humanId: 'h', version: 1 },
      }),
    );

    await expect(readAccessToken({ clientUserId: 'pending' }, options())).rejects.toBeInstanceOf(NotConnectedError);
  });

  it('throws TokenRecordNotFoundError for a user without record', async () => {
    await expect(readAccessToken({ clientUserId: 'nobody' }, options())).rejects.toBeInstanceOf(
      TokenRecordNotFoundError,
    );
  });
});
