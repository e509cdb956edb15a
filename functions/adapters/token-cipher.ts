/**
 * Per-record encryption of access tokens with KMS (docs/design.md#security-model): each access
 * token is encrypted under the token key with an encryption context naming the record's
 * `clientUserId`, so a ciphertext copied to another record does not decrypt. A function holds
 * the encrypt side only; decrypting is the reader's (and KMS refuses it to every non-reader).
 */
import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { errorFields, logger } from '../commons/observability.js';
import { AccessTokenUndecryptableError, DependencyUnavailableError } from '../domain/errors.js';
import type { TokenCipher, TokenDecipher } from '../domain/service-ports.js';
import { ACCESS_TOKEN_CONTEXT_KEY } from './token-table/attributes.js';

/** The encryption context of a user's record: decrypting needs the same one. */
export const encryptionContextOf = (clientUserId: string): Record<string, string> => ({
  [ACCESS_TOKEN_CONTEXT_KEY]: clientUserId,
});

/** Encrypts (and, for a reader, decrypts) access tokens with the token key. */
export class KmsTokenCipher implements TokenCipher, TokenDecipher {
  /**
   * @param keyId - the token key (ID, ARN or alias); decrypting without one lets KMS read it from
   *   the ciphertext
   */
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string | undefined,
  ) {}

  async encrypt(clientUserId: string, plaintext: string): Promise<string> {
    const blob = await this.call('Encrypt', async () => {
      const output = await this.client.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: new TextEncoder().encode(plaintext),
          EncryptionContext: encryptionContextOf(clientUserId),
        }),
      );
      return output.CiphertextBlob;
    });
    return Buffer.from(blob).toString('base64');
  }

  async decrypt(clientUserId: string, ciphertext: string): Promise<string> {
    const plaintext = await this.call('Decrypt', async () => {
      const output = await this.client.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(ciphertext, 'base64'),
          // The record's own context: the same ciphertext under another clientUserId does not decrypt.
          EncryptionContext: encryptionContextOf(clientUserId),
          ...(this.keyId === undefined ? {} : { KeyId: this.keyId }),
        }),
      );
      return output.Plaintext;
    });
    return Buffer.from(plaintext).toString('utf8');
  }

  /** One KMS call: its refusals of a ciphertext are the caller's, anything else a KMS failure. */
  private async call(operation: string, send: () => Promise<Uint8Array | undefined>): Promise<Uint8Array> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await send();
    } catch (error) {
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new AccessTokenUndecryptableError({ cause: error });
      }
      logger.error('KMS request failed', { operation, ...errorFields(error) });
      throw new DependencyUnavailableError('KMS', { cause: error });
    }
    if (bytes === undefined || bytes.length === 0) {
      logger.error('KMS answered nothing', { operation });
      throw operation === 'Decrypt' ? new AccessTokenUndecryptableError() : new DependencyUnavailableError('KMS');
    }
    return bytes;
  }
}
