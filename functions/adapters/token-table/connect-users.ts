/**
 * The token table as `/connect-tokens` reads and writes it: the user's humanId and whether the
 * user connected, never an access token. Every request names only the attributes of
 * {@link CONNECT_USER_READ_ATTRIBUTES} and {@link CONNECT_USER_WRITE_ATTRIBUTES}, the ones the
 * function's role may touch (infra/token-access.ts).
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { HumanApiFailedError } from '../../domain/errors.js';
import type { ConnectUser, ConnectUserStore, ConnectUserWrite } from '../../domain/ports.js';
import { CONNECT_USER_READ_ATTRIBUTES } from './attributes.js';
import { readRecord, sendConditional, tokenItemSchema } from './item.js';

const connectUserSchema = z.pick(tokenItemSchema, {
  clientUserId: true,
  humanId: true,
  connectedAt: true,
  publicToken: true,
  reconnectRequired: true,
});

/** `/connect-tokens`' reads and writes of the token table. */
export class DynamoDbConnectUserStore implements ConnectUserStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getConnectUser(clientUserId: string): Promise<ConnectUser | undefined> {
    // Fine-grained access: the role may read these attributes only, so the read must name them.
    const item = await readRecord(
      { client: this.client, tableName: this.tableName },
      clientUserId,
      connectUserSchema,
      CONNECT_USER_READ_ATTRIBUTES,
    );
    if (item === undefined) return undefined;
    const { humanId, connectedAt, publicToken, reconnectRequired } = item;
    return {
      clientUserId,
      humanId: humanId === '' ? undefined : humanId,
      ...(reconnectRequired === true ? { reconnectRequired: true } : {}),
      // A connection shows as connectedAt (current generation) or a publicToken (v1), unless Human
      // API has since refused the user a token.
      connected: reconnectRequired !== true && (connectedAt !== undefined || (publicToken ?? '') !== ''),
    };
  }

  async recordConnectUser({ clientUserId, humanId, clientId, connected, now }: ConnectUserWrite): Promise<void> {
    const writeId = randomUUID();
    const written = await sendConditional('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { clientUserId },
          // On a deleted user's tombstone, the user connects again: the record no longer expires.
          UpdateExpression:
            'SET humanId = :humanId, clientId = if_not_exists(clientId, :clientId), ' +
            'createdAt = if_not_exists(createdAt, :now), updatedAt = :now, lastWriteId = :writeId' +
            (connected
              ? ', connectedAt = if_not_exists(connectedAt, :now) REMOVE reconnectRequired, purgeAt'
              : ' REMOVE purgeAt') +
            ' ADD version :one',
          // A user who must reconnect may come back as a new human at Human API (deleted there).
          ConditionExpression:
            '(attribute_not_exists(humanId) OR humanId = :humanId OR reconnectRequired = :yes) AND ' +
            '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId)',
          ExpressionAttributeValues: {
            ':humanId': humanId,
            ':clientId': clientId,
            ':now': now.toISOString(),
            ':writeId': writeId,
            ':one': 1,
            ':yes': true,
          },
          // Fine-grained access: the role may not have the record's other attributes returned.
          ReturnValues: 'NONE',
        }),
      ),
    );
    if (written !== undefined) return;
    // Our own write committed by an earlier attempt, or a record naming another humanId.
    const current = await this.getConnectUser(clientUserId);
    if (current?.humanId !== humanId) throw new HumanApiFailedError('Human API answered another humanId.');
  }

  markReconnectRequired(clientUserId: string, now: Date): Promise<void> {
    return this.mark(clientUserId, 'reconnectRequired = :yes', { ':yes': true }, now);
  }

  markAccessTokenRefused(clientUserId: string, now: Date): Promise<void> {
    return this.mark(clientUserId, 'accessTokenRefusedAt = :now', {}, now);
  }

  /** One marking write (`set`), on an existing record only: marking must not create one. */
  private async mark(clientUserId: string, set: string, values: Record<string, unknown>, now: Date): Promise<void> {
    await sendConditional('UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { clientUserId },
          UpdateExpression: `SET ${set}, updatedAt = :now, lastWriteId = :writeId ADD version :one`,
          ConditionExpression: 'attribute_exists(clientUserId)',
          ExpressionAttributeValues: { ...values, ':now': now.toISOString(), ':writeId': randomUUID(), ':one': 1 },
          ReturnValues: 'NONE',
        }),
      ),
    );
  }
}
