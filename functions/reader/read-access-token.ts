/**
 * The supported way to use a user's access token (docs/security.md#granting-a-service,
 * docs/connect-generations.md): the data gateway reads through it, and so do the services a team
 * grants with `grantAccessTokenRead`.
 *
 * - A v1 user's record holds the access token the session exchange brought, as KMS ciphertext
 *   bound to the record's `clientUserId`; records written before per-record encryption hold it in
 *   plain text and are read as they are.
 * - A current-generation user's record holds no v1 token: an access token is minted on demand
 *   (`type: "access"`, 24 h), kept encrypted in the record with its expiry, and reused while it
 *   has more than {@link MINTED_TOKEN_MIN_REMAINING_MS} left. Concurrent reads of one user by one
 *   reader share one read, so they mint once; the stored minted token is replaced only by one
 *   issued later.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClientSecret } from '../adapters/client-secret.js';
import { HumanApiAuthClient } from '../adapters/human-api/auth.js';
import { KmsTokenCipher } from '../adapters/token-cipher.js';
import { DynamoDbAccessTokenRecords } from '../adapters/token-table/reader.js';
import { readReaderConfig } from '../commons/config.js';
import {
  AccessTokenUndecryptableError,
  HumanApiRejectedError,
  NotConnectedError,
  TokenRecordNotFoundError,
} from '../domain/errors.js';
import type { AccessTokenRecords } from '../domain/ports.js';
import type { ClientSecretSource, HumanApiAuth, TokenCipher, TokenDecipher } from '../domain/service-ports.js';
import { withClientSecret } from '../domain/with-client-secret.js';

export { AccessTokenUndecryptableError, NotConnectedError, TokenRecordNotFoundError };

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
  readonly humanApiAuth?: HumanApiAuth;
  /** The clock deciding whether a minted token is still fresh. @default `() => new Date()` */
  readonly now?: () => Date;
}

/** An access token, and which generation it is of: what a caller does when Human API refuses it differs. */
export interface ReadAccessToken {
  /** The plaintext token, to send to Human API's data API as a Bearer token; never log it. */
  readonly accessToken: string;
  /** `v1`: the exchange's (a refusal means the user must connect again); `minted`: mint another. */
  readonly kind: 'v1' | 'minted';
  /** When a minted token expires (ISO 8601); `undefined` for a v1 token, which does not. */
  readonly expiresAt?: string | undefined;
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
   * @throws {DependencyUnavailableError} when DynamoDB, KMS or Secrets Manager fail
   */
  readAccessToken(user: { readonly clientUserId: string }): Promise<string>;
  /**
   * {@link readAccessToken}, telling the token's generation; `mintAgain` mints a new token for a
   * current-generation user even when the stored one is fresh (Human API refused it).
   */
  read(user: { readonly clientUserId: string }, options?: { readonly mintAgain?: boolean }): Promise<ReadAccessToken>;
}

/**
 * Creates a reader. Clients and settings not given are made on first need, so a reader of v1
 * users only never needs the current generation's settings.
 */
export function createAccessTokenReader(options: AccessTokenReaderOptions = {}): AccessTokenReader {
  const config = readReaderConfig();
  const now = options.now ?? (() => new Date());
  const keyId = options.keyId ?? config.keyId;
  let records: AccessTokenRecords | undefined;
  let kms: KMSClient | undefined;
  let minter: { secrets: ClientSecretSource; humanApiAuth: HumanApiAuth; clientId: string; keyId: string } | undefined;
  const recordsOf = () =>
    (records ??= new DynamoDbAccessTokenRecords(
      options.dynamoDb ?? DynamoDBDocumentClient.from(new DynamoDBClient({})),
      options.tableName ?? config.tableName(),
    ));
  // Decrypting may do without a key ID; encrypting a minted token names the token key.
  const cipherOf = (key: string | undefined): TokenCipher & TokenDecipher => {
    kms ??= options.kms ?? new KMSClient({});
    return new KmsTokenCipher(kms, key);
  };
  const minterOf = () => {
    if (minter !== undefined) return minter;
    const settings = config.minting();
    minter = {
      clientId: options.clientId ?? settings.clientId,
      keyId: keyId ?? settings.keyId,
      secrets:
        options.secrets ??
        new SecretsManagerClientSecret({
          provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
          secretId: settings.secretId,
          ttlSeconds: settings.secretTtlSeconds,
        }),
      humanApiAuth:
        options.humanApiAuth ??
        new HumanApiAuthClient({ baseUrl: settings.humanApiAuthBaseUrl, timeoutMs: settings.humanApiTimeoutMs }),
    };
    return minter;
  };

  /** Mints an access token, stores it encrypted (newest wins) and answers it. */
  async function mint(clientUserId: string): Promise<ReadAccessToken> {
    const { clientId, secrets, humanApiAuth, keyId: mintingKeyId } = minterOf();
    const requestedAt = now();
    let minted: Awaited<ReturnType<HumanApiAuth['mintAccessToken']>>;
    try {
      minted = await withClientSecret(secrets, (clientSecret) =>
        humanApiAuth.mintAccessToken({ clientId, clientSecret, clientUserId }),
      );
    } catch (error) {
      // Human API mints only for a user who connected sources and was not deleted; its refusals are undocumented.
      if (error instanceof HumanApiRejectedError) throw new NotConnectedError({ cause: error });
      throw error;
    }
    const issuedAt = now();
    const ciphertext = await cipherOf(mintingKeyId).encrypt(clientUserId, minted.accessToken);
    // Counted from the request: the token may have been issued at any moment of the call.
    const expiresAt = new Date(requestedAt.getTime() + minted.expiresIn * 1000).toISOString();
    await recordsOf().storeMinted({ clientUserId, ciphertext, expiresAt, issuedAt: issuedAt.toISOString() }, issuedAt);
    // Stored, or a token issued later is stored: either way this one is valid for its lifetime.
    return { accessToken: minted.accessToken, kind: 'minted', expiresAt };
  }

  async function read(clientUserId: string, mintAgain: boolean): Promise<ReadAccessToken> {
    const stored = await recordsOf().read(clientUserId);
    if (stored === undefined) throw new TokenRecordNotFoundError();
    // v1: the exchange's access token, which the user keeps.
    if (stored.ciphertext !== undefined) {
      return { accessToken: await cipherOf(keyId).decrypt(clientUserId, stored.ciphertext), kind: 'v1' };
    }
    if (stored.legacyPlaintext !== undefined) return { accessToken: stored.legacyPlaintext, kind: 'v1' };
    // Current generation: the minted token while it is fresh enough, else a new one.
    const expiresAtMs = stored.minted === undefined ? Number.NaN : Date.parse(stored.minted.expiresAt);
    if (!mintAgain && stored.minted !== undefined && expiresAtMs - now().getTime() > MINTED_TOKEN_MIN_REMAINING_MS) {
      const accessToken = await cipherOf(keyId).decrypt(clientUserId, stored.minted.ciphertext);
      return { accessToken, kind: 'minted', expiresAt: stored.minted.expiresAt };
    }
    return mint(clientUserId);
  }

  const inFlight = new Map<string, Promise<ReadAccessToken>>();
  const shared = (clientUserId: string, mintAgain: boolean) => {
    const key = `${mintAgain ? 'mint' : 'read'}:${clientUserId}`;
    let pending = inFlight.get(key);
    if (pending === undefined) {
      pending = read(clientUserId, mintAgain).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
  return {
    read: ({ clientUserId }, { mintAgain = false } = {}) => shared(clientUserId, mintAgain),
    readAccessToken: async ({ clientUserId }) => (await shared(clientUserId, false)).accessToken,
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
