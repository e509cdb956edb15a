/**
 * Per-record encryption of access tokens (docs/design.md#security-model): each accessToken is
 * encrypted with KMS under the token key, with an encryption context naming the record's
 * `clientUserId`, so a ciphertext copied to another record does not decrypt. This side only
 * encrypts: `finishSession` may not decrypt.
 */
import { EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DependencyUnavailableError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';
import { ACCESS_TOKEN_CONTEXT_KEY } from '../commons/token-attributes.js';

/** Encrypts access tokens for storage. */
export interface TokenCipher {
  /**
   * Encrypts `plaintext` for the record of `clientUserId`.
   *
   * @returns the KMS ciphertext blob, base64
   * @throws {DependencyUnavailableError} when KMS fails (after the SDK's retries)
   */
  encrypt(clientUserId: string, plaintext: string): Promise<string>;
}

/** The encryption context of a user's record: decrypting needs the same one. */
export const encryptionContextOf = (clientUserId: string): Record<string, string> => ({
  [ACCESS_TOKEN_CONTEXT_KEY]: clientUserId,
});

/** Creates the cipher over a KMS client and the token key (`TOKEN_KEY_ID`). */
export function createTokenCipher(client: KMSClient, keyId: string): TokenCipher {
  return {
    async encrypt(clientUserId, plaintext) {
      let blob: Uint8Array | undefined;
      try {
        const output = await client.send(
          new EncryptCommand({
            KeyId: keyId,
            Plaintext: new TextEncoder().encode(plaintext),
            EncryptionContext: encryptionContextOf(clientUserId),
          }),
        );
        blob = output.CiphertextBlob;
      } catch (error) {
        logger.error('KMS request failed', { operation: 'Encrypt', ...errorFields(error) });
        throw new DependencyUnavailableError('KMS', { cause: error });
      }
      if (blob === undefined || blob.length === 0) {
        logger.error('KMS answered no ciphertext', { operation: 'Encrypt' });
        throw new DependencyUnavailableError('KMS');
      }
      return Buffer.from(blob).toString('base64');
    },
  };
}
