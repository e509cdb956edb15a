import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DependencyUnavailableError, HumanApiRejectedError } from '../../../functions/domain/errors.js';
import {
  AccessTokenUndecryptableError,
  createAccessTokenReader,
  NotConnectedError,
  readAccessToken,
  TokenRecordNotFoundError,
} from '../../../functions/reader/read-access-token.js';
import { fakeSecrets } from '../fakes.js';

const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const kmsMock = mockClient(KMSClient);
const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const kms = new KMSClient({});
const options = { tableName: 'tokens', keyId: 'arn:aws:kms:eu-west-1:123456789012:key/k-1', dynamoDb, kms };

const ACCESS_TOKEN = 'a'.repeat(40);
const HUMAN_ID = 'h'.repeat(24);
/** What KMS would have answered Encrypt for alice's token: opaque bytes, bound to `{ clientUserId: 'alice' }`. */
const ALICE_CIPHERTEXT = Uint8Array.from([1, 2, 3, 4, 5]);

/** KMS as it behaves: the ciphertext decrypts only with the encryption context it was made with. */
function kmsBindingCiphertextTo(clientUserId: string) {
  kmsMock
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext?: Record<string, string> }) => {
      const same = Buffer.from(input.CiphertextBlob).equals(Buffer.from(ALICE_CIPHERTEXT));
      if (!same || input.EncryptionContext?.clientUserId !== clientUserId) {
        throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
      }
      return { Plaintext: new TextEncoder().encode(ACCESS_TOKEN) };
    });
}

describe('readAccessToken', () => {
  beforeEach(() => {
    dynamoDbMock.reset();
    kmsMock.reset();
  });

  it('decrypts the stored ciphertext with the record’s clientUserId as encryption context and the stack’s key', async () => {
    dynamoDbMock
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID, accessTokenCiphertext: ALICE_CIPHERTEXT } });
    kmsBindingCiphertextTo('alice');

    await expect(readAccessToken({ clientUserId: 'alice' }, options)).resolves.toBe(ACCESS_TOKEN);
    expect(kmsMock).toHaveReceivedCommandWith(DecryptCommand, {
      EncryptionContext: { clientUserId: 'alice' },
      KeyId: options.keyId,
    });
    expect(dynamoDbMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'tokens',
      Key: { clientUserId: 'alice' },
      ConsistentRead: true,
    });
  });

  it('reads a ciphertext stored as base64 text', async () => {
    dynamoDbMock.on(GetCommand).resolves({
      Item: {
        clientUserId: 'alice',
        humanId: HUMAN_ID,
        accessTokenCiphertext: Buffer.from(ALICE_CIPHERTEXT).toString('base64'),
      },
    });
    kmsBindingCiphertextTo('alice');

    await expect(readAccessToken({ clientUserId: 'alice' }, options)).resolves.toBe(ACCESS_TOKEN);
  });

  it('refuses a ciphertext copied from another user’s record: KMS will not decrypt it under this clientUserId', async () => {
    dynamoDbMock
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'mallory', humanId: HUMAN_ID, accessTokenCiphertext: ALICE_CIPHERTEXT } });
    kmsBindingCiphertextTo('alice');

    await expect(readAccessToken({ clientUserId: 'mallory' }, options)).rejects.toBeInstanceOf(
      AccessTokenUndecryptableError,
    );
    expect(kmsMock).toHaveReceivedCommandWith(DecryptCommand, { EncryptionContext: { clientUserId: 'mallory' } });
  });

  it('reads a legacy plaintext record as it is, without calling KMS', async () => {
    dynamoDbMock
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID, accessToken: ACCESS_TOKEN } });

    await expect(readAccessToken({ clientUserId: 'alice' }, options)).resolves.toBe(ACCESS_TOKEN);
    expect(kmsMock).not.toHaveReceivedCommand(DecryptCommand);
  });

  it('prefers the ciphertext when a record holds both', async () => {
    dynamoDbMock.on(GetCommand).resolves({
      Item: {
        clientUserId: 'alice',
        humanId: HUMAN_ID,
        accessToken: 'stale-plaintext',
        accessTokenCiphertext: ALICE_CIPHERTEXT,
      },
    });
    kmsBindingCiphertextTo('alice');

    await expect(readAccessToken({ clientUserId: 'alice' }, options)).resolves.toBe(ACCESS_TOKEN);
  });

  it('throws TokenRecordNotFoundError when the user has no record', async () => {
    dynamoDbMock.on(GetCommand).resolves({});

    await expect(readAccessToken({ clientUserId: 'nobody' }, options)).rejects.toBeInstanceOf(TokenRecordNotFoundError);
  });

  it('throws TokenRecordNotFoundError for a deleted user\u2019s tombstone (no humanId), calling no KMS', async () => {
    dynamoDbMock.on(GetCommand).resolves({
      Item: { clientUserId: 'alice', deletedAt: '2026-12-01T00:00:00.000Z', accessTokenCiphertext: ALICE_CIPHERTEXT },
    });

    await expect(readAccessToken({ clientUserId: 'alice' }, options)).rejects.toBeInstanceOf(TokenRecordNotFoundError);
    expect(kmsMock).not.toHaveReceivedCommand(DecryptCommand);
  });

  it('reads only the attributes a reader\u2019s role may read', async () => {
    dynamoDbMock
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID, accessToken: ACCESS_TOKEN } });

    await readAccessToken({ clientUserId: 'alice' }, options);

    const [input] = dynamoDbMock.commandCalls(GetCommand).map((call) => call.args[0].input);
    const names = input?.ExpressionAttributeNames ?? {};
    expect(
      String(input?.ProjectionExpression)
        .split(', ')
        .map((placeholder) => names[placeholder]),
    ).toEqual([
      'clientUserId',
      'humanId',
      'accessTokenCiphertext',
      'accessToken',
      'accessTokenIssuedAt',
      'exchangedAt',
      'accessTokenRefusedAt',
      'mintedAccessTokenCiphertext',
      'mintedAccessTokenExpiresAt',
      'lastWriteId',
    ]);
  });

  it('answers DependencyUnavailableError naming DynamoDB, or KMS, when they fail', async () => {
    dynamoDbMock.on(GetCommand).rejects(new Error('socket hang up'));
    await expect(readAccessToken({ clientUserId: 'alice' }, options)).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'DynamoDB',
    });

    dynamoDbMock
      .on(GetCommand)
      .resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID, accessTokenCiphertext: ALICE_CIPHERTEXT } });
    kmsMock.on(DecryptCommand).rejects(new Error('socket hang up'));
    await expect(readAccessToken({ clientUserId: 'alice' }, { ...options })).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'KMS',
    });
  });

  it('tells a v1 token by its kind, the ciphertext\u2019s and the legacy plaintext\u2019s alike, minting nothing even when asked to', async () => {
    const humanApiAuth = { mintSessionToken: vi.fn(), mintIdToken: vi.fn(), mintAccessToken: vi.fn() };
    const reader = createAccessTokenReader({
      ...options,
      humanApiAuth,
      clientId: 'c'.repeat(40),
      secrets: fakeSecrets(),
    });
    kmsBindingCiphertextTo('alice');
    dynamoDbMock
      .on(GetCommand, { Key: { clientUserId: 'alice' } })
      .resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID, accessTokenCiphertext: ALICE_CIPHERTEXT } });
    dynamoDbMock
      .on(GetCommand, { Key: { clientUserId: 'lena' } })
      .resolves({ Item: { clientUserId: 'lena', humanId: HUMAN_ID, accessToken: 'legacy-token' } });

    expect(await reader.read({ clientUserId: 'alice' })).toEqual({ accessToken: ACCESS_TOKEN, kind: 'v1' });
    expect(await reader.read({ clientUserId: 'lena' })).toEqual({ accessToken: 'legacy-token', kind: 'v1' });
    expect(await reader.read({ clientUserId: 'alice' }, { mintAgain: true })).toEqual({
      accessToken: ACCESS_TOKEN,
      kind: 'v1',
    });
    expect(humanApiAuth.mintAccessToken).not.toHaveBeenCalled();
  });

  it('throws NotConnectedError when the record holds no access token and Human API mints none', async () => {
    dynamoDbMock.on(GetCommand).resolves({ Item: { clientUserId: 'alice', humanId: HUMAN_ID } });
    const humanApiAuth = {
      mintSessionToken: vi.fn(),
      mintIdToken: vi.fn(),
      mintAccessToken: vi.fn(async () => Promise.reject(new HumanApiRejectedError(404))),
    };

    await expect(
      readAccessToken(
        { clientUserId: 'alice' },
        { ...options, clientId: 'c'.repeat(40), secrets: fakeSecrets(), humanApiAuth },
      ),
    ).rejects.toBeInstanceOf(NotConnectedError);
    expect(dynamoDbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('names the missing table setting instead of calling DynamoDB without one', async () => {
    const { TOKENS_TABLE_NAME: _unset, ...environment } = process.env;
    const saved = process.env;
    process.env = environment;
    try {
      await expect(readAccessToken({ clientUserId: 'alice' }, { dynamoDb, kms })).rejects.toThrow(/TOKENS_TABLE_NAME/);
    } finally {
      process.env = saved;
    }
    expect(dynamoDbMock).not.toHaveReceivedCommand(GetCommand);
  });
});
