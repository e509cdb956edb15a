import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsTokenCipher } from '../../functions/adapters/token-cipher.js';
import { AccessTokenUndecryptableError, DependencyUnavailableError } from '../../functions/domain/errors.js';
import { LOCAL_TOKEN_KEY_ID, type LocalKms, startLocalKms } from '../../local/kms.js';

let kms: LocalKms;
let client: KMSClient;

beforeAll(async () => {
  kms = await startLocalKms({ keyPath: undefined });
  client = new KMSClient({
    endpoint: kms.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await kms?.close();
});

describe('the local KMS stand-in, through the SDK and the token cipher', () => {
  it('encrypts an access token that decrypts only with the same clientUserId as context', async () => {
    const cipher = new KmsTokenCipher(client, LOCAL_TOKEN_KEY_ID);

    const ciphertext = await cipher.encrypt('alice@example.com', 'the-access-token');

    expect(ciphertext).not.toContain('the-access-token');
    const decrypted = await client.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(ciphertext, 'base64'),
        EncryptionContext: { clientUserId: 'alice@example.com' },
      }),
    );
    expect(new TextDecoder().decode(decrypted.Plaintext)).toBe('the-access-token');
    await expect(
      client.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          EncryptionContext: { clientUserId: 'mallory@example.com' },
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('decrypts with the cipher under the same clientUserId only, with or without the key named', async () => {
    const cipher = new KmsTokenCipher(client, LOCAL_TOKEN_KEY_ID);
    const ciphertext = await cipher.encrypt('alice@example.com', 'the-access-token');

    expect(await cipher.decrypt('alice@example.com', ciphertext)).toBe('the-access-token');
    expect(await new KmsTokenCipher(client, undefined).decrypt('alice@example.com', ciphertext)).toBe(
      'the-access-token',
    );
    await expect(cipher.decrypt('mallory@example.com', ciphertext)).rejects.toBeInstanceOf(
      AccessTokenUndecryptableError,
    );
  });

  it('counts the Decrypt requests it serves, refused ones included, and no Encrypt', async () => {
    const cipher = new KmsTokenCipher(client, LOCAL_TOKEN_KEY_ID);
    const ciphertext = await cipher.encrypt('alice@example.com', 'the-access-token');
    const before = kms.decryptRequests;

    await cipher.decrypt('alice@example.com', ciphertext);
    await cipher.decrypt('mallory@example.com', ciphertext).catch(() => undefined);
    await cipher.encrypt('alice@example.com', 'another-token');

    expect(kms.decryptRequests - before).toBe(2);
  });

  it('refuses an unknown key, and turns its failures into a KMS-unavailable error', async () => {
    await expect(
      client.send(new EncryptCommand({ KeyId: 'alias/other', Plaintext: new TextEncoder().encode('x') })),
    ).rejects.toThrow();
    kms.injectFaults(1);

    await expect(new KmsTokenCipher(client, LOCAL_TOKEN_KEY_ID).encrypt('alice', 'x')).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'KMS',
    });
  });
});
