/**
 * The token table as the access-token reader (functions/reader/read-access-token.ts) reads it and
 * stores the access tokens it mints: the attributes of {@link READER_READ_ATTRIBUTES} and
 * {@link MINTING_WRITE_ATTRIBUTES} only, the ones a granted reader's role may touch
 * (infra/token-access.ts). Nothing of the v1 tokens is ever written here.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { AccessTokenRecords, MintedAccessTokenUpdate, StoredAccessTokens } from '../../domain/ports.js';
import { READER_READ_ATTRIBUTES } from './attributes.js';
import { readRecord, sendConditional, tokenItemSchema } from './item.js';
import { newerCondition } from './newest-wins.js';

/**
 * A ciphertext as a reader accepts it: base64 text, as this code writes it, or a binary attribute,
 * which the reader has always read too (a record written by other tooling).
 */
const storedCiphertext = z.optional(z.union([z.string(), z.instanceof(Uint8Array)]));

const readerSchema = z.extend(
  z.pick(tokenItemSchema, {
    clientUserId: true,
    humanId: true,
    accessToken: true,
    accessTokenIssuedAt: true,
    exchangedAt: true,
    accessTokenRefusedAt: true,
    mintedAccessTokenExpiresAt: true,
    lastWriteId: true,
  }),
  { accessTokenCiphertext: storedCiphertext, mintedAccessTokenCiphertext: storedCiphertext },
);

/** A stored ciphertext as base64 text (the form the cipher decrypts). */
const base64Of = (value: string | Uint8Array | undefined) =>
  value === undefined || typeof value === 'string' ? value : Buffer.from(value).toString('base64');

/** A granted reader's reads and minted-token writes of the token table. */
export class DynamoDbAccessTokenRecords implements AccessTokenRecords {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(clientUserId: string): Promise<StoredAccessTokens | undefined> {
    // Named attributes only: a reader's role may read no others (docs/security.md).
    const item = await readRecord(
      { client: this.client, tableName: this.tableName },
      clientUserId,
      readerSchema,
      READER_READ_ATTRIBUTES,
    );
    // A deleted user's tombstone holds no humanId: no record, as far as a reader can tell.
    if (item?.humanId === undefined) return undefined;
    const nonEmpty = (value: string | undefined) => (value === '' ? undefined : value);
    const minted = nonEmpty(base64Of(item.mintedAccessTokenCiphertext));
    // A v1 token Human API refused is never handed out again; one issued after the refusal is.
    const v1Issued = item.accessTokenIssuedAt ?? item.exchangedAt ?? '';
    const v1Refused = item.accessTokenRefusedAt !== undefined && v1Issued <= item.accessTokenRefusedAt;
    return {
      ciphertext: v1Refused ? undefined : nonEmpty(base64Of(item.accessTokenCiphertext)),
      legacyPlaintext: v1Refused ? undefined : nonEmpty(item.accessToken),
      minted:
        minted === undefined || item.mintedAccessTokenExpiresAt === undefined
          ? undefined
          : { ciphertext: minted, expiresAt: item.mintedAccessTokenExpiresAt },
    };
  }

  async storeMinted({ clientUserId, ciphertext, expiresAt, issuedAt }: MintedAccessTokenUpdate, now: Date) {
    const writeId = randomUUID();
    const written = await sendConditional('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { clientUserId },
          UpdateExpression:
            'SET mintedAccessTokenCiphertext = :ciphertext, mintedAccessTokenExpiresAt = :expiresAt, ' +
            'mintedAccessTokenIssuedAt = :issuedAt, connectedAt = if_not_exists(connectedAt, :now), ' +
            'updatedAt = :now, lastWriteId = :writeId ADD version :one',
          // A deleted user's tombstone (it alone holds purgeAt) takes no token, however late it was minted.
          ConditionExpression: `attribute_exists(clientUserId) AND attribute_not_exists(purgeAt) AND ${newerCondition('minted', ':issuedAt')} AND NOT lastWriteId = :writeId`,
          ExpressionAttributeValues: {
            ':ciphertext': ciphertext,
            ':expiresAt': expiresAt,
            ':issuedAt': issuedAt,
            ':now': now.toISOString(),
            ':writeId': writeId,
            ':one': 1,
          },
          ReturnValues: 'NONE',
        }),
      ),
    );
    if (written !== undefined) return true;
    // Lost the condition: this call's own write committed by an earlier SDK attempt, a later token, or no record.
    return (
      (
        await readRecord({ client: this.client, tableName: this.tableName }, clientUserId, readerSchema, [
          'clientUserId',
          'lastWriteId',
        ])
      )?.lastWriteId === writeId
    );
  }
}
