/**
 * The supported way for the team's own services to use a stored access token (docs/security.md):
 * read a user's record and decrypt its access token with KMS, the encryption context naming the
 * record's `clientUserId`, so a ciphertext copied into another record does not decrypt. Records
 * written before per-record encryption hold the token in plain text and are read as they are.
 *
 * The caller needs what `ConnectBackendStack.grantAccessTokenRead` grants; the functions of the
 * stack cannot decrypt access tokens.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, IncorrectKeyException, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { TokenRecordNotFoundError } from '../commons/errors.js';

export { TokenRecordNotFoundError };

/** The user has a record but no access token: they never finished connecting a source. */
export class NotConnectedError extends Error {
  constructor() {
    super('The user has a token record but no access token: they have not connected a source.');
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

/** What {@link readAccessToken} uses; every field has a default. */
export interface AccessTokenReaderOptions {
  /** The token table. @default `process.env.TOKENS_TABLE_NAME` */
  readonly tableName?: string;
  /**
   * The KMS key the tokens are encrypted with; KMS refuses a ciphertext of another key.
   * @default `process.env.TOKEN_KEY_ID`, else the key named in the ciphertext
   */
  readonly keyId?: string;
  /** @default a document client over a new `DynamoDBClient` */
  readonly dynamoDb?: DynamoDBDocumentClient;
  /** @default a new `KMSClient` */
  readonly kms?: KMSClient;
}

/** The attribute holding the v1 access token's ciphertext, and the legacy plaintext one. */
const CIPHERTEXT_ATTRIBUTE = 'accessTokenCiphertext';
const LEGACY_PLAINTEXT_ATTRIBUTE = 'accessToken';

let defaultClients: { readonly dynamoDb: DynamoDBDocumentClient; readonly kms: KMSClient } | undefined;

/** Clients made once per process, on first use without injected ones. */
function defaults(): { readonly dynamoDb: DynamoDBDocumentClient; readonly kms: KMSClient } {
  if (defaultClients === undefined) {
    defaultClients = { dynamoDb: DynamoDBDocumentClient.from(new DynamoDBClient({})), kms: new KMSClient({}) };
  }
  return defaultClients;
}

function ciphertextBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.length > 0 ? value : undefined;
  // Stored as base64 text by writers that keep items JSON-friendly.
  if (typeof value === 'string' && value !== '') return Buffer.from(value, 'base64');
  return undefined;
}

/**
 * Reads and decrypts a user's access token.
 *
 * @returns the plaintext access token, to send to Human API's data API as a Bearer token; never log it
 * @throws {TokenRecordNotFoundError} when no record exists for `clientUserId`
 * @throws {NotConnectedError} when the record holds no access token
 * @throws {AccessTokenUndecryptableError} when KMS refuses the ciphertext (a copy from another record)
 */
export async function readAccessToken(
  { clientUserId }: { readonly clientUserId: string },
  options: AccessTokenReaderOptions = {},
): Promise<string> {
  const tableName = options.tableName ?? process.env.TOKENS_TABLE_NAME;
  if (tableName === undefined || tableName === '') {
    throw new Error('readAccessToken needs the token table: pass tableName or set TOKENS_TABLE_NAME');
  }
  const keyId = options.keyId ?? process.env.TOKEN_KEY_ID;
  const dynamoDb = options.dynamoDb ?? defaults().dynamoDb;

  const { Item: item } = await dynamoDb.send(
    new GetCommand({
      TableName: tableName,
      Key: { clientUserId },
      ConsistentRead: true,
      ProjectionExpression: '#user, #ciphertext, #plaintext',
      ExpressionAttributeNames: {
        '#user': 'clientUserId',
        '#ciphertext': CIPHERTEXT_ATTRIBUTE,
        '#plaintext': LEGACY_PLAINTEXT_ATTRIBUTE,
      },
    }),
  );
  if (item === undefined) throw new TokenRecordNotFoundError();

  const ciphertext = ciphertextBytes(item[CIPHERTEXT_ATTRIBUTE]);
  if (ciphertext === undefined) {
    const legacy = item[LEGACY_PLAINTEXT_ATTRIBUTE];
    if (typeof legacy === 'string' && legacy !== '') return legacy;
    throw new NotConnectedError();
  }

  const kms = options.kms ?? defaults().kms;
  let plaintext: Uint8Array | undefined;
  try {
    ({ Plaintext: plaintext } = await kms.send(
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
