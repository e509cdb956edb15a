/**
 * The supported way for the team's own services to use a user's access token (docs/security.md,
 * docs/connect-generations.md).
 *
 * - A v1 user's record holds the access token the session exchange brought, as KMS ciphertext
 *   with an encryption context naming the record's `clientUserId` (so a ciphertext copied into
 *   another record does not decrypt); records written before per-record encryption hold it in
 *   plain text and are read as they are.
 * - A current-generation user's record holds no v1 token: an access token is minted on demand
 *   (`type: "access"`, 24 h), kept encrypted in the record with its expiry, and reused while it
 *   has more than {@link MINTED_TOKEN_MIN_REMAINING_MS} left. Concurrent reads of one user by one
 *   reader share one read, so they mint once; the stored minted token is replaced only by one
 *   issued later.
 *
 * The caller needs what `ConnectBackendStack.grantAccessTokenRead` grants (and, for the current
 * generation, the client secret and the right to write the minted-token attributes); the
 * functions of the stack cannot decrypt access tokens.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, IncorrectKeyException, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type ClientSecretSource, createClientSecretSource } from '../adapters/client-secret.js';
import { createHumanApiAuthClient, type HumanApiAuthClient } from '../adapters/human-api-auth.js';
import { createTokenCipher } from '../adapters/token-cipher.js';
import { createTokenStore } from '../adapters/token-store.js';
import {
  DEFAULT_HUMANAPI_AUTH_BASE_URL,
  DEFAULT_HUMANAPI_TIMEOUT_MS,
  DEFAULT_SECRET_TTL_SECONDS,
} from '../commons/config.js';
import { HumanApiRejectedError, TokenRecordNotFoundError } from '../commons/errors.js';
import { READER_READ_ATTRIBUTES } from '../commons/token-attributes.js';
import { withClientSecret } from '../domain/with-client-secret.js';

export { TokenRecordNotFoundError };

/**
 * The user has a record but no access token: they never finished connecting a source (or, in the
 * current generation, Human API refuses to mint one: not connected, or deleted).
 */
export class NotConnectedError extends Error {
  constructor(options?: ErrorOptions) {
    super('The user has a token record but no access token: they have not connected a source.', options);
    this.name = 'NotConnectedError';
  }
}

/** The stored access token could not be decrypted (wrong record, wrong key, or KMS refused). */
export class AccessTokenUndecryptableError extends Error {
  constructor(options?: ErrorOptions) {
    super('The stored access token could not be decrypted for this user.', options);
    this.name = 'AccessTokenUndecryptableError';
  }
}

/** A minted access token is reused while it has more than this left (5 minutes). */
export const MINTED_TOKEN_MIN_REMAINING_MS = 5 * 60 * 1000;

/** What a reader uses; every field has a default, read from the environment when first needed. */
export interface AccessTokenReaderOptions {
  /** The token table. @default `process.env.TOKENS_TABLE_NAME` */
  readonly tableName?: string;
  /**
   * The KMS key the tokens are encrypted with; KMS refuses a ciphertext of another key. Minted
   * tokens are encrypted with it, so the current generation needs it.
   * @default `process.env.TOKEN_KEY_ID`, else (decrypting only) the key named in the ciphertext
   */
  readonly keyId?: string;
  /** @default a document client over a new `DynamoDBClient` */
  readonly dynamoDb?: DynamoDBDocumentClient;
  /** @default a new `KMSClient` */
  readonly kms?: KMSClient;
  /** This app's Human API client ID (current generation). @default `process.env.HUMANAPI_CLIENT_ID` */
  readonly clientId?: string;
  /**
   * The client secret (current generation), re-read once when Human API refuses it.
   * @default Secrets Manager's `process.env.HUMANAPI_SECRET_ID`, cached `SECRET_TTL_SECONDS` (300)
   */
  readonly secrets?: ClientSecretSource;
  /**
   * Human API's `/v1/connect/token` client (current generation).
   * @default over `process.env.HUMANAPI_AUTH_BASE_URL` (https://auth.humanapi.co), `HUMANAPI_TIMEOUT_MS` (8000)
   */
  readonly humanApiAuth?: HumanApiAuthClient;
  /** The clock deciding whether a minted token is still fresh. @default `() => new Date()` */
  readonly now?: () => Date;
}

/** Reads users' access tokens; one reader shares concurrent reads of a user, so they mint once. */
export interface AccessTokenReader {
  /**
   * Reads (and, for a current-generation user, mints when needed) a user's access token.
   *
   * @returns the plaintext access token, to send to Human API's data API as a Bearer token; never log it
   * @throws {TokenRecordNotFoundError} when no record exists for `clientUserId`
   * @throws {NotConnectedError} when the record holds no v1 token and Human API mints none (not connected)
   * @throws {AccessTokenUndecryptableError} when KMS refuses the ciphertext (a copy from another record)
   * @throws {HumanApiError} (its subclasses) when minting fails otherwise: auth, 429, 5xx, timeout
   * @throws {DependencyUnavailableError} when DynamoDB, KMS or Secrets Manager fail while minting
   */
  readAccessToken(user: { readonly clientUserId: string }): Promise<string>;
}

/** The attributes holding the v1 access token's ciphertext, the legacy plaintext one, and the minted one. */
const CIPHERTEXT_ATTRIBUTE = 'accessTokenCiphertext';
const LEGACY_PLAINTEXT_ATTRIBUTE = 'accessToken';
const MINTED_CIPHERTEXT_ATTRIBUTE = 'mintedAccessTokenCiphertext';
const MINTED_EXPIRES_AT_ATTRIBUTE = 'mintedAccessTokenExpiresAt';

function ciphertextBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.length > 0 ? value : undefined;
  // Stored as base64 text by writers that keep items JSON-friendly.
  if (typeof value === 'string' && value !== '') return Buffer.from(value, 'base64');
  return undefined;
}

function required(value: string | undefined, variable: string, option: string): string {
  const trimmed = value?.trim();
  if (trimmed === undefined || trimmed === '') {
    throw new Error(`The access-token reader needs ${option}: pass it or set ${variable}`);
  }
  return trimmed;
}

function wholeNumber(raw: string | undefined, fallback: number, variable: string): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${variable} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * Creates a reader. Clients and settings not given are made on first need, so a reader of v1
 * users only never needs the current generation's settings.
 */
export function createAccessTokenReader(options: AccessTokenReaderOptions = {}): AccessTokenReader {
  const now = options.now ?? (() => new Date());
  const keyId = options.keyId ?? process.env.TOKEN_KEY_ID;
  let dynamoDb = options.dynamoDb;
  let kms = options.kms;
  let secrets = options.secrets;
  let humanApiAuth = options.humanApiAuth;
  const tableName = () =>
    required(options.tableName ?? process.env.TOKENS_TABLE_NAME, 'TOKENS_TABLE_NAME', 'tableName');
  const documentClient = () => (dynamoDb ??= DynamoDBDocumentClient.from(new DynamoDBClient({})));
  const kmsClient = () => (kms ??= new KMSClient({}));
  const secretSource = () =>
    (secrets ??= createClientSecretSource({
      provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
      secretId: required(process.env.HUMANAPI_SECRET_ID, 'HUMANAPI_SECRET_ID', 'secrets'),
      ttlSeconds: wholeNumber(process.env.SECRET_TTL_SECONDS, DEFAULT_SECRET_TTL_SECONDS, 'SECRET_TTL_SECONDS'),
    }));
  const authClient = () =>
    (humanApiAuth ??= createHumanApiAuthClient({
      baseUrl: (process.env.HUMANAPI_AUTH_BASE_URL?.trim() || DEFAULT_HUMANAPI_AUTH_BASE_URL).replace(/\/+$/, ''),
      timeoutMs: wholeNumber(process.env.HUMANAPI_TIMEOUT_MS, DEFAULT_HUMANAPI_TIMEOUT_MS, 'HUMANAPI_TIMEOUT_MS'),
    }));

  async function decrypt(clientUserId: string, ciphertext: Uint8Array): Promise<string> {
    let plaintext: Uint8Array | undefined;
    try {
      ({ Plaintext: plaintext } = await kmsClient().send(
        new DecryptCommand({
          CiphertextBlob: ciphertext,
          // The record's own key: the same ciphertext under another clientUserId does not decrypt.
          EncryptionContext: { clientUserId },
          ...(keyId === undefined || keyId === '' ? {} : { KeyId: keyId }),
        }),
      ));
    } catch (error) {
      if (error instanceof InvalidCiphertextException || error instanceof IncorrectKeyException) {
        throw new AccessTokenUndecryptableError({ cause: error });
      }
      throw error;
    }
    if (plaintext === undefined || plaintext.length === 0) throw new AccessTokenUndecryptableError();
    return Buffer.from(plaintext).toString('utf8');
  }

  /** Mints an access token, stores it encrypted (newest wins) and answers it. */
  async function mint(clientUserId: string): Promise<string> {
    const clientId = required(options.clientId ?? process.env.HUMANAPI_CLIENT_ID, 'HUMANAPI_CLIENT_ID', 'clientId');
    const tokenKeyId = required(keyId, 'TOKEN_KEY_ID', 'keyId');
    const requestedAt = now();
    let minted: Awaited<ReturnType<HumanApiAuthClient['mintAccessToken']>>;
    try {
      minted = await withClientSecret(secretSource(), (clientSecret) =>
        authClient().mintAccessToken({ clientId, clientSecret, clientUserId }),
      );
    } catch (error) {
      // Human API mints only for a user who connected sources and was not deleted; its refusals are undocumented.
      if (error instanceof HumanApiRejectedError) throw new NotConnectedError({ cause: error });
      throw error;
    }
    const issuedAt = now();
    const ciphertext = await createTokenCipher(kmsClient(), tokenKeyId).encrypt(clientUserId, minted.accessToken);
    await createTokenStore(documentClient(), tableName()).storeMintedAccessToken(
      {
        clientUserId,
        ciphertext,
        // Counted from the request: the token may have been issued at any moment of the call.
        expiresAt: new Date(requestedAt.getTime() + minted.expiresIn * 1000).toISOString(),
        issuedAt: issuedAt.toISOString(),
      },
      issuedAt,
    );
    // Stored, or a token issued later is stored: either way this one is valid for its lifetime.
    return minted.accessToken;
  }

  async function read(clientUserId: string): Promise<string> {
    const { Item: item } = await documentClient().send(
      new GetCommand({
        TableName: tableName(),
        Key: { clientUserId },
        ConsistentRead: true,
        // Named attributes only: a reader's role may read no others (docs/security.md).
        ProjectionExpression: READER_READ_ATTRIBUTES.map((_, index) => `#r${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(READER_READ_ATTRIBUTES.map((name, index) => [`#r${index}`, name])),
      }),
    );
    if (item === undefined) throw new TokenRecordNotFoundError();

    // v1: the exchange's access token, which the user keeps.
    const ciphertext = ciphertextBytes(item[CIPHERTEXT_ATTRIBUTE]);
    if (ciphertext !== undefined) return decrypt(clientUserId, ciphertext);
    const legacy = item[LEGACY_PLAINTEXT_ATTRIBUTE];
    if (typeof legacy === 'string' && legacy !== '') return legacy;

    // Current generation: the minted token while it is fresh enough, else a new one.
    const minted = ciphertextBytes(item[MINTED_CIPHERTEXT_ATTRIBUTE]);
    const expiresAt = item[MINTED_EXPIRES_AT_ATTRIBUTE];
    const expiresAtMs = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
    if (minted !== undefined && expiresAtMs - now().getTime() > MINTED_TOKEN_MIN_REMAINING_MS) {
      return decrypt(clientUserId, minted);
    }
    return mint(clientUserId);
  }

  const inFlight = new Map<string, Promise<string>>();
  return {
    readAccessToken({ clientUserId }) {
      let pending = inFlight.get(clientUserId);
      if (pending === undefined) {
        pending = read(clientUserId).finally(() => inFlight.delete(clientUserId));
        inFlight.set(clientUserId, pending);
      }
      return pending;
    },
  };
}

let defaultReader: AccessTokenReader | undefined;
/** Readers made by {@link readAccessToken} for the options objects it was given. */
const readersByOptions = new WeakMap<AccessTokenReaderOptions, AccessTokenReader>();

/**
 * Reads a user's access token: {@link AccessTokenReader.readAccessToken} of a reader made once per
 * process (without options) or once per `options` object, so calls passing the same object share
 * in-flight mints.
 *
 * @returns the plaintext access token, to send to Human API's data API as a Bearer token; never log it
 * @throws {TokenRecordNotFoundError} when no record exists for `clientUserId`
 * @throws {NotConnectedError} when the record holds no v1 token and Human API mints none
 * @throws {AccessTokenUndecryptableError} when KMS refuses the ciphertext (a copy from another record)
 */
export function readAccessToken(
  user: { readonly clientUserId: string },
  options?: AccessTokenReaderOptions,
): Promise<string> {
  if (options === undefined) {
    defaultReader ??= createAccessTokenReader();
    return defaultReader.readAccessToken(user);
  }
  let reader = readersByOptions.get(options);
  if (reader === undefined) {
    reader = createAccessTokenReader(options);
    readersByOptions.set(options, reader);
  }
  return reader.readAccessToken(user);
}
