/** Per-record encryption of access tokens with KMS (KmsTokenCipher), KMS mocked at the SDK. */
import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  KMSInternalException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KmsTokenCipher } from '../../../functions/adapters/token-cipher.js';
import { logger } from '../../../functions/commons/observability.js';
import { AccessTokenUndecryptableError, DependencyUnavailableError } from '../../../functions/domain/errors.js';

const kms = mockClient(KMSClient);
const KEY_ID = 'alias/tokens';
const cipherWith = (keyId: string | undefined) => new KmsTokenCipher(new KMSClient({}), keyId);

beforeEach(() => {
  kms.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('KmsTokenCipher.encrypt', () => {
  it('encrypts under the token key with the record\u2019s clientUserId as encryption context, answering base64', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([1, 2, 3]) });

    expect(await cipherWith(KEY_ID).encrypt('alice@example.com', 'the-access-token')).toBe('AQID');

    expect(kms).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: 'alias/tokens',
      Plaintext: new TextEncoder().encode('the-access-token'),
      EncryptionContext: { clientUserId: 'alice@example.com' },
    });
  });

  it.each([
    ['KMS fails', () => kms.on(EncryptCommand).rejects(new KMSInternalException({ message: 'x', $metadata: {} }))],
    ['KMS answers no ciphertext', () => kms.on(EncryptCommand).resolves({})],
    ['KMS answers an empty ciphertext', () => kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array() })],
  ])('answers a KMS DependencyUnavailableError when %s', async (_, arrange) => {
    arrange();

    await expect(cipherWith(KEY_ID).encrypt('alice', 'token')).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'KMS',
    });
  });

  it('logs a KMS failure by operation and error name, never the token', async () => {
    kms.on(EncryptCommand).rejects(new KMSInternalException({ message: 'the-access-token?', $metadata: {} }));
    const logged = vi.spyOn(logger, 'error');

    await expect(cipherWith(KEY_ID).encrypt('alice', 'the-access-token')).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );

    expect(logged).toHaveBeenCalledWith('KMS request failed', {
      operation: 'Encrypt',
      errorName: 'KMSInternalException',
    });
    expect(JSON.stringify(logged.mock.calls)).not.toContain('the-access-token');
  });
});

describe('KmsTokenCipher.decrypt', () => {
  it('decrypts the base64 ciphertext with the record\u2019s clientUserId as context and the token key', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('the-access-token') });

    expect(await cipherWith(KEY_ID).decrypt('alice@example.com', 'AQID')).toBe('the-access-token');

    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      CiphertextBlob: Buffer.from([1, 2, 3]),
      EncryptionContext: { clientUserId: 'alice@example.com' },
      KeyId: 'alias/tokens',
    });
  });

  it('names no key without one: KMS reads it from the ciphertext', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode('the-access-token') });

    await cipherWith(undefined).decrypt('alice', 'AQID');

    const [input] = kms.commandCalls(DecryptCommand).map((call) => call.args[0].input);
    expect(input).not.toHaveProperty('KeyId');
  });

  it.each([
    [
      'another record\u2019s ciphertext (InvalidCiphertextException)',
      new InvalidCiphertextException({ message: 'x', $metadata: {} }),
    ],
    [
      'another key\u2019s ciphertext (IncorrectKeyException)',
      new IncorrectKeyException({ message: 'x', $metadata: {} }),
    ],
  ])('answers AccessTokenUndecryptableError for %s', async (_, refusal) => {
    kms.on(DecryptCommand).rejects(refusal);

    await expect(cipherWith(KEY_ID).decrypt('mallory', 'AQID')).rejects.toBeInstanceOf(AccessTokenUndecryptableError);
  });

  it('answers AccessTokenUndecryptableError when KMS answers no plaintext', async () => {
    kms.on(DecryptCommand).resolves({ Plaintext: new Uint8Array() });

    await expect(cipherWith(KEY_ID).decrypt('alice', 'AQID')).rejects.toBeInstanceOf(AccessTokenUndecryptableError);
  });

  it('answers a KMS DependencyUnavailableError when KMS fails otherwise', async () => {
    kms.on(DecryptCommand).rejects(new Error('socket hang up'));

    await expect(cipherWith(KEY_ID).decrypt('alice', 'AQID')).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'KMS',
    });
  });
});
