/**
 * Local stand-in for AWS KMS: a loopback endpoint speaking KMS's JSON protocol
 * (`TrentService.Encrypt`, `TrentService.Decrypt`), so `finishSession` encrypts
 * access tokens through the very same SDK client and adapter as in Lambda
 * (docs/local-mode.md). One symmetric key, AES-256-GCM; its material is kept in
 * `.data/kms-key` (0600) or in memory. The ciphertext blob binds the key ID and
 * the encryption context: decrypting with another context (another record's
 * `clientUserId`) fails with `InvalidCiphertextException`, as KMS does.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import { close, listen, parseJsonObject, readBody, sendAwsJson, sendAwsJsonError } from './http-util.js';

/** The key ID local mode hands the functions as `TOKEN_KEY_ID`. */
export const LOCAL_TOKEN_KEY_ID = 'alias/humanapi-connect-tokens';
const KEY_ARN = 'arn:aws:kms:local:000000000000:key/00000000-0000-4000-8000-000000000000';
/** Blob layout: version (1) | IV (12) | GCM tag (16) | ciphertext. */
const BLOB_VERSION = 1;

/** A running local KMS. */
export interface LocalKms {
  /** Endpoint URL for `AWS_ENDPOINT_URL_KMS`. */
  readonly endpoint: string;
  /** Makes the next `count` requests fail with a 500 `KMSInternalException`. */
  injectFaults(count: number): void;
  /** Clears injected faults. */
  resetFaults(): void;
  /** Decrypts a blob (base64) for tests and the record hooks' checks; `undefined` when it does not decrypt. */
  decrypt(ciphertextBase64: string, encryptionContext: Record<string, string>): string | undefined;
  /** `Decrypt` requests served since start (the benchmark counts the data gateway's). */
  readonly decryptRequests: number;
  close(): Promise<void>;
}

/** Reads the key material at `path`, creating it (0600) on first start; memory only when `path` is undefined. */
export function loadKeyMaterial(path: string | undefined): Buffer {
  if (path === undefined) return randomBytes(32);
  try {
    const existing = readFileSync(path);
    if (existing.length === 32) return existing;
  } catch {
    // First start: created below.
  }
  const key = randomBytes(32);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, key, { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

/** The authenticated data of a blob: the key and the context, in a canonical order. */
function additionalData(context: Record<string, string>): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((name) => [name, context[name]]);
  return Buffer.from(JSON.stringify([KEY_ARN, sorted]), 'utf8');
}

function contextOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const context: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') return undefined;
    context[name] = entry;
  }
  return context;
}

/** The stand-in's cryptography over one key: what KMS does with its key material. */
export interface LocalKeyring {
  encrypt(plaintext: Buffer, context: Record<string, string>): Buffer;
  /** `undefined` when the blob was not sealed with this key and this context. */
  decrypt(blob: Buffer, context: Record<string, string>): Buffer | undefined;
}

/** A keyring over 32 bytes of key material (a stopped local mode's `.data/kms-key`, for tests). */
export function createLocalKeyring(key: Buffer): LocalKeyring {
  const encrypt = (plaintext: Buffer, context: Record<string, string>): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(additionalData(context));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), iv, cipher.getAuthTag(), sealed]);
  };
  const decrypt = (blob: Buffer, context: Record<string, string>): Buffer | undefined => {
    if (blob.length < 29 || blob[0] !== BLOB_VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
      decipher.setAAD(additionalData(context));
      decipher.setAuthTag(blob.subarray(13, 29));
      return Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]);
    } catch {
      return undefined;
    }
  };
  return { encrypt, decrypt };
}

/** Starts the stand-in; `keyPath` undefined keeps the key in memory. */
export async function startLocalKms({ keyPath }: { keyPath: string | undefined }): Promise<LocalKms> {
  const { encrypt, decrypt } = createLocalKeyring(loadKeyMaterial(keyPath));
  let faults = 0;
  let decryptRequests = 0;

  const awsError = (response: ServerResponse, status: number, type: string, message: string) =>
    sendAwsJsonError(response, '1.1', status, { type, message });
  const answer = (response: ServerResponse, body: object) => sendAwsJson(response, '1.1', body);

  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const body = parseJsonObject(await readBody(request, 64 * 1024));
    if (faults > 0) {
      faults -= 1;
      awsError(response, 500, 'KMSInternalException', 'Injected fault');
      return;
    }
    const context = contextOf(body?.EncryptionContext);
    if (body === undefined || context === undefined) {
      awsError(response, 400, 'ValidationException', 'The request is not a KMS request.');
      return;
    }
    if (target === 'TrentService.Encrypt') {
      if (body.KeyId !== LOCAL_TOKEN_KEY_ID && body.KeyId !== KEY_ARN) {
        awsError(response, 400, 'NotFoundException', `Key '${String(body.KeyId)}' does not exist`);
        return;
      }
      if (typeof body.Plaintext !== 'string' || body.Plaintext === '') {
        awsError(response, 400, 'ValidationException', 'Plaintext is required.');
        return;
      }
      const blob = encrypt(Buffer.from(body.Plaintext, 'base64'), context);
      answer(response, {
        CiphertextBlob: blob.toString('base64'),
        KeyId: KEY_ARN,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      });
      return;
    }
    if (target === 'TrentService.Decrypt') {
      decryptRequests += 1;
      const plaintext =
        typeof body.CiphertextBlob === 'string'
          ? decrypt(Buffer.from(body.CiphertextBlob, 'base64'), context)
          : undefined;
      if (plaintext === undefined) {
        awsError(response, 400, 'InvalidCiphertextException', '');
        return;
      }
      answer(response, {
        Plaintext: plaintext.toString('base64'),
        KeyId: KEY_ARN,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      });
      return;
    }
    awsError(response, 400, 'UnsupportedOperationException', 'Unsupported operation');
  });
  const port = await listen(server, 0);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    injectFaults(count) {
      faults = count;
    },
    resetFaults() {
      faults = 0;
    },
    decrypt(ciphertextBase64, encryptionContext) {
      return decrypt(Buffer.from(ciphertextBase64, 'base64'), encryptionContext)?.toString('utf8');
    },
    get decryptRequests() {
      return decryptRequests;
    },
    close: () => close(server),
  };
}
