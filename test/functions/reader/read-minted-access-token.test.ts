import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HumanApiAuthError, HumanApiFailedError, HumanApiRejectedError } from '../../../functions/domain/errors.js';
import type { HumanApiAuth, MintedAccessToken } from '../../../functions/domain/service-ports.js';
import { createAccessTokenReader, NotConnectedError } from '../../../functions/reader/read-access-token.js';
import { fakeSecrets } from '../fakes.js';

const dynamoDbMock = mockClient(DynamoDBDocumentClient);
const kmsMock = mockClient(KMSClient);
const secretsManagerMock = mockClient(SecretsManagerClient);
const dynamoDb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const kms = new KMSClient({});
const CLIENT_ID = 'c'.repeat(40);
const DAY_MS = 86_400_000;

/** Records by clientUserId; UpdateItem applies the reader's SET values when its newest-wins condition holds. */
let table: Map<string, Record<string, unknown>>;

/** DynamoDB as the minted-token write meets it: the condition is evaluated on the stored issue time. */
function tableBehindMocks() {
  dynamoDbMock.on(GetCommand).callsFake((input: { Key: { clientUserId: string } }) => {
    const item = table.get(input.Key.clientUserId);
    return item === undefined ? {} : { Item: { ...item } };
  });
  dynamoDbMock
    .on(UpdateCommand)
    .callsFake((input: { Key: { clientUserId: string }; ExpressionAttributeValues: Record<string, unknown> }) => {
      const item = table.get(input.Key.clientUserId);
      const values = input.ExpressionAttributeValues;
      const stored = item?.mintedAccessTokenIssuedAt;
      if (item === undefined || (typeof stored === 'string' && stored >= String(values[':issuedAt']))) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
      Object.assign(item, {
        mintedAccessTokenCiphertext: values[':ciphertext'],
        mintedAccessTokenExpiresAt: values[':expiresAt'],
        mintedAccessTokenIssuedAt: values[':issuedAt'],
        lastWriteId: values[':writeId'],
      });
      item.connectedAt ??= values[':now'];
      return {};
    });
}

/** KMS as it behaves: a ciphertext decrypts only under the encryption context it was made with. */
function kmsBindingContexts() {
  kmsMock
    .on(EncryptCommand)
    .callsFake((input: { Plaintext: Uint8Array; EncryptionContext: Record<string, string> }) => ({
      CiphertextBlob: new TextEncoder().encode(
        `${input.EncryptionContext.clientUserId}|${Buffer.from(input.Plaintext)}`,
      ),
    }));
  kmsMock
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array; EncryptionContext: Record<string, string> }) => {
      const [owner, plaintext] = Buffer.from(input.CiphertextBlob).toString('utf8').split('|');
      if (owner !== input.EncryptionContext.clientUserId || plaintext === undefined) {
        throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
      }
      return { Plaintext: new TextEncoder().encode(plaintext) };
    });
}

/** Human API's `type: "access"`: a new token per call (`minted-1`, `minted-2`, …), each 24 h. */
function mintingHumanApiAuth() {
  let minted = 0;
  return {
    mintSessionToken: vi.fn<HumanApiAuth['mintSessionToken']>(),
    mintIdToken: vi.fn<HumanApiAuth['mintIdToken']>(),
    mintAccessToken: vi.fn<HumanApiAuth['mintAccessToken']>(async (): Promise<MintedAccessToken> => {
      minted += 1;
      return { accessToken: `minted-${minted}`, expiresIn: 86_400 };
    }),
  };
}

function readerWith(humanApiAuth = mintingHumanApiAuth(), secrets = fakeSecrets('the-secret')) {
  let clock = Date.parse('2026-06-01T00:00:00.000Z');
  const reader = createAccessTokenReader({
    tableName: 'tokens',
    keyId: 'token-key',
    dynamoDb,
    kms,
    clientId: CLIENT_ID,
    secrets,
    humanApiAuth,
    now: () => new Date(clock),
  });
  return {
    reader,
    humanApiAuth,
    secrets,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const currentGenerationUser = (clientUserId: string) => ({
  clientUserId,
  humanId: 'h'.repeat(24),
  clientId: CLIENT_ID,
  createdAt: '2026-06-01T00:00:00.000Z',
  updatedAt: '2026-06-01T00:00:00.000Z',
  version: 1,
  connectedAt: '2026-06-01T00:00:00.000Z',
});

describe('readAccessToken for a current-generation user', () => {
  beforeEach(() => {
    dynamoDbMock.reset();
    kmsMock.reset();
    table = new Map([['alice', currentGenerationUser('alice')]]);
    tableBehindMocks();
    kmsBindingContexts();
  });

  it('mints an access token with the client secret, and stores it encrypted under the user with its expiry', async () => {
    const { reader, humanApiAuth } = readerWith();

    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-1');

    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledWith({
      clientId: CLIENT_ID,
      clientSecret: 'the-secret',
      clientUserId: 'alice',
    });
    expect(kmsMock).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: 'token-key',
      EncryptionContext: { clientUserId: 'alice' },
    });
    const stored = table.get('alice');
    expect(stored?.mintedAccessTokenExpiresAt).toBe('2026-06-02T00:00:00.000Z');
    expect(stored?.mintedAccessTokenIssuedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(String(stored?.mintedAccessTokenCiphertext)).not.toContain('minted-1');
  });

  it('answers the stored minted token while it has more than 5 minutes left, then mints a new one', async () => {
    const { reader, humanApiAuth, advance } = readerWith();
    await reader.readAccessToken({ clientUserId: 'alice' });

    // 5 minutes and 1 second before it expires, then 5 minutes less 1 second.
    advance(DAY_MS - 5 * 60_000 - 1000);
    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-1');
    advance(2000);
    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-2');

    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledTimes(2);
    expect(table.get('alice')?.mintedAccessTokenIssuedAt).toBe('2026-06-01T23:55:01.000Z');
    expect(table.get('alice')?.mintedAccessTokenExpiresAt).toBe('2026-06-02T23:55:01.000Z');
  });

  it('mints once for ten concurrent reads of one user', async () => {
    const { reader, humanApiAuth } = readerWith();

    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => reader.readAccessToken({ clientUserId: 'alice' })),
    );

    expect(new Set(tokens)).toEqual(new Set(['minted-1']));
    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledTimes(1);
  });

  it('mints separately for two users read at once', async () => {
    table.set('bob', currentGenerationUser('bob'));
    const { reader, humanApiAuth } = readerWith();

    await Promise.all([
      reader.readAccessToken({ clientUserId: 'alice' }),
      reader.readAccessToken({ clientUserId: 'bob' }),
    ]);

    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledTimes(2);
    expect(table.get('bob')?.mintedAccessTokenCiphertext).toBeDefined();
  });

  it('never replaces a minted token issued later by one issued earlier', async () => {
    const later = '2026-06-01T00:00:05.000Z';
    table.set('alice', {
      ...currentGenerationUser('alice'),
      // Another instance minted later; its token has just under 5 minutes left on this reader's clock.
      mintedAccessTokenCiphertext: Buffer.from('alice|from-the-other-instance').toString('base64'),
      mintedAccessTokenExpiresAt: '2026-06-01T00:04:00.000Z',
      mintedAccessTokenIssuedAt: later,
    });
    const { reader } = readerWith();

    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-1');

    expect(table.get('alice')?.mintedAccessTokenIssuedAt).toBe(later);
    expect(table.get('alice')?.mintedAccessTokenCiphertext).toBe(
      Buffer.from('alice|from-the-other-instance').toString('base64'),
    );
  });

  it('tells a minted token by its kind and its expiry, freshly minted and read back', async () => {
    const { reader } = readerWith();
    const minted = { accessToken: 'minted-1', kind: 'minted', expiresAt: '2026-06-02T00:00:00.000Z' };

    expect(await reader.read({ clientUserId: 'alice' })).toEqual(minted);
    expect(await reader.read({ clientUserId: 'alice' })).toEqual(minted);
  });

  it('mints again when asked (Human API refused the stored token), though the stored one is fresh, and stores the new one', async () => {
    const { reader, humanApiAuth, advance } = readerWith();
    await reader.read({ clientUserId: 'alice' });
    advance(60_000);

    expect(await reader.read({ clientUserId: 'alice' }, { mintAgain: true })).toEqual({
      accessToken: 'minted-2',
      kind: 'minted',
      expiresAt: '2026-06-02T00:01:00.000Z',
    });

    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledTimes(2);
    expect(table.get('alice')?.mintedAccessTokenIssuedAt).toBe('2026-06-01T00:01:00.000Z');
    expect(await reader.readAccessToken({ clientUserId: 'alice' })).toBe('minted-2');
  });

  it('mints once for ten concurrent reads asking to mint again, apart from concurrent plain reads', async () => {
    const { reader, humanApiAuth } = readerWith();
    await reader.read({ clientUserId: 'alice' });

    const [again, plain] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => reader.read({ clientUserId: 'alice' }, { mintAgain: true }))),
      Promise.all(Array.from({ length: 10 }, () => reader.readAccessToken({ clientUserId: 'alice' }))),
    ]);

    expect(new Set(again.map(({ accessToken }) => accessToken))).toEqual(new Set(['minted-2']));
    expect(new Set(plain)).toEqual(new Set(['minted-1']));
    expect(humanApiAuth.mintAccessToken).toHaveBeenCalledTimes(2);
  });

  it('sets connectedAt on a record that had none: Human API mints only for a connected user', async () => {
    const { connectedAt: _none, ...fresh } = currentGenerationUser('alice');
    table.set('alice', fresh);
    const { reader } = readerWith();

    await reader.readAccessToken({ clientUserId: 'alice' });

    expect(table.get('alice')?.connectedAt).toBe('2026-06-01T00:00:00.000Z');
  });

  it('re-reads the client secret once when Human API refuses it, and mints with the rotated one', async () => {
    const humanApiAuth = mintingHumanApiAuth();
    humanApiAuth.mintAccessToken.mockRejectedValueOnce(new HumanApiAuthError(401));
    const secrets = fakeSecrets('old-secret', 'new-secret');
    const { reader } = readerWith(humanApiAuth, secrets);

    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-1');

    expect(secrets.refreshes).toBe(1);
    expect(humanApiAuth.mintAccessToken).toHaveBeenLastCalledWith(
      expect.objectContaining({ clientSecret: 'new-secret' }),
    );
  });

  it('answers NotConnectedError when Human API refuses to mint, and stores nothing', async () => {
    const humanApiAuth = mintingHumanApiAuth();
    humanApiAuth.mintAccessToken.mockRejectedValue(new HumanApiRejectedError(404));
    const { reader } = readerWith(humanApiAuth);

    await expect(reader.readAccessToken({ clientUserId: 'alice' })).rejects.toBeInstanceOf(NotConnectedError);
    expect(dynamoDbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it("passes Human API's failures on, stores nothing, and mints again on the next read", async () => {
    const humanApiAuth = mintingHumanApiAuth();
    humanApiAuth.mintAccessToken.mockRejectedValueOnce(new HumanApiFailedError('Human API answered 500.'));
    const { reader } = readerWith(humanApiAuth);

    await expect(reader.readAccessToken({ clientUserId: 'alice' })).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(table.get('alice')?.mintedAccessTokenCiphertext).toBeUndefined();
    await expect(reader.readAccessToken({ clientUserId: 'alice' })).resolves.toBe('minted-1');
  });

  it('keeps a v1 user on the stored access token, minting nothing', async () => {
    table.set('vera', {
      ...currentGenerationUser('vera'),
      accessTokenCiphertext: Buffer.from('vera|the-v1-token').toString('base64'),
      publicToken: 'p'.repeat(32),
    });
    const { reader, humanApiAuth } = readerWith();

    await expect(reader.readAccessToken({ clientUserId: 'vera' })).resolves.toBe('the-v1-token');
    expect(humanApiAuth.mintAccessToken).not.toHaveBeenCalled();
  });

  it('reads the client secret from Secrets Manager when none is given, again for every mint with SECRET_TTL_SECONDS=0', async () => {
    secretsManagerMock.reset();
    secretsManagerMock.on(GetSecretValueCommand).resolves({ SecretString: '{"clientSecret":"from-secrets-manager"}' });
    const humanApiAuth = mintingHumanApiAuth();
    let clock = Date.parse('2026-06-01T00:00:00.000Z');
    vi.stubEnv('SECRET_TTL_SECONDS', '0');
    try {
      const reader = createAccessTokenReader({
        tableName: 'tokens',
        keyId: 'token-key',
        dynamoDb,
        kms,
        clientId: CLIENT_ID,
        humanApiAuth,
        now: () => new Date(clock),
      });
      await reader.read({ clientUserId: 'alice' }, { mintAgain: true });
      clock += 1000;
      await reader.read({ clientUserId: 'alice' }, { mintAgain: true });
    } finally {
      vi.unstubAllEnvs();
    }

    expect(humanApiAuth.mintAccessToken).toHaveBeenLastCalledWith({
      clientId: CLIENT_ID,
      clientSecret: 'from-secrets-manager',
      clientUserId: 'alice',
    });
    expect(secretsManagerMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secretsManagerMock).toHaveReceivedCommandWith(GetSecretValueCommand, {
      SecretId: 'test/humanapi-client-secret',
    });
  });

  it('names the missing client ID setting before calling Human API', async () => {
    const { HUMANAPI_CLIENT_ID: _unset, ...environment } = process.env;
    const saved = process.env;
    process.env = environment;
    const humanApiAuth = mintingHumanApiAuth();
    try {
      const reader = createAccessTokenReader({ tableName: 'tokens', keyId: 'k', dynamoDb, kms, humanApiAuth });
      await expect(reader.readAccessToken({ clientUserId: 'alice' })).rejects.toThrow(/HUMANAPI_CLIENT_ID/);
    } finally {
      process.env = saved;
    }
    expect(humanApiAuth.mintAccessToken).not.toHaveBeenCalled();
  });
});
