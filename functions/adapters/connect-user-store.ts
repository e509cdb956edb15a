/**
 * What `/connect-tokens` reads and writes in the token table (docs/design.md#storage-and-integrity):
 * the user's humanId and whether the user connected, never an access token. Reads project only
 * those attributes, so this function's role needs no access to the access-token attributes
 * (docs/design.md#security-model).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { HumanApiFailedError } from '../commons/errors.js';
import { parseTokenItem, sendToDynamoDb } from './dynamodb-requests.js';

/**
 * Every attribute `/connect-tokens` reads (its `ProjectionExpression`): a v1 record shows a
 * connection by its publicToken. The stack allows this function's role these and no others
 * (infra/token-access.ts).
 */
export const CONNECT_USER_READ_ATTRIBUTES = ['clientUserId', 'humanId', 'connectedAt', 'publicToken'] as const;

/**
 * Every attribute `/connect-tokens` names in its write (key, update and condition expressions);
 * the stack allows this function's role these and no others (infra/token-access.ts).
 */
export const CONNECT_USER_WRITE_ATTRIBUTES = [
  'clientUserId',
  'humanId',
  'clientId',
  'createdAt',
  'updatedAt',
  'lastWriteId',
  'connectedAt',
  'version',
] as const;

/** The attributes read. */
const connectUserSchema = z.object({
  clientUserId: z.string(),
  humanId: z.optional(z.string()),
  connectedAt: z.optional(z.string()),
  publicToken: z.optional(z.string()),
});

/** A user as `/connect-tokens` sees the record. */
export interface ConnectUser {
  readonly clientUserId: string;
  /** Human API's ID for the user, once known. */
  readonly humanId: string | undefined;
  /** Whether the record shows the user connected: `connectedAt`, or tokens of a v1 connection. */
  readonly connected: boolean;
}

/** What {@link ConnectUserStore.recordConnectUser} writes. */
export interface ConnectUserWrite {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly clientId: string;
  /** Set `connectedAt` (kept once set). */
  readonly connected: boolean;
  readonly now: Date;
}

/** The token-table operations of `/connect-tokens`. */
export interface ConnectUserStore {
  /** Reads the user's humanId and connection state (strongly consistent). */
  getConnectUser(clientUserId: string): Promise<ConnectUser | undefined>;
  /**
   * Records the user's humanId: creates a record without tokens (`createdAt`, `updatedAt`,
   * `version` 1), or on an existing record sets what is missing, keeping every token. `version` is
   * added to exactly once per call, even when the SDK retries a committed write.
   *
   * @throws {HumanApiFailedError} when the record holds another humanId (Human API answered inconsistently)
   */
  recordConnectUser(write: ConnectUserWrite): Promise<void>;
}

/** Creates the store over a document client and the token table's name. */
export function createConnectUserStore(client: DynamoDBDocumentClient, tableName: string): ConnectUserStore {
  async function getConnectUser(clientUserId: string): Promise<ConnectUser | undefined> {
    const output = await sendToDynamoDb('GetItem', () =>
      client.send(
        new GetCommand({
          TableName: tableName,
          Key: { clientUserId },
          ConsistentRead: true,
          // Fine-grained access: the role may read these attributes only, so the read must name them.
          ProjectionExpression: CONNECT_USER_READ_ATTRIBUTES.join(', '),
        }),
      ),
    );
    const item = parseTokenItem(connectUserSchema, 'GetItem', output.Item);
    if (item === undefined) return undefined;
    const { humanId, connectedAt, publicToken } = item;
    return {
      clientUserId,
      humanId: humanId === '' ? undefined : humanId,
      connected: connectedAt !== undefined || (publicToken !== undefined && publicToken !== ''),
    };
  }

  return {
    getConnectUser,

    async recordConnectUser({ clientUserId, humanId, clientId, connected, now }) {
      const writeId = randomUUID();
      try {
        await sendToDynamoDb('UpdateItem', () =>
          client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { clientUserId },
              UpdateExpression:
                'SET humanId = :humanId, clientId = if_not_exists(clientId, :clientId), ' +
                'createdAt = if_not_exists(createdAt, :now), updatedAt = :now, lastWriteId = :writeId' +
                (connected ? ', connectedAt = if_not_exists(connectedAt, :now)' : '') +
                ' ADD version :one',
              ConditionExpression:
                '(attribute_not_exists(humanId) OR humanId = :humanId) AND ' +
                '(attribute_not_exists(lastWriteId) OR lastWriteId <> :writeId)',
              ExpressionAttributeValues: {
                ':humanId': humanId,
                ':clientId': clientId,
                ':now': now.toISOString(),
                ':writeId': writeId,
                ':one': 1,
              },
              // Fine-grained access: the role may not have the record's other attributes returned.
              ReturnValues: 'NONE',
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Our own write committed by an earlier attempt, or a record naming another humanId.
        const current = await getConnectUser(clientUserId);
        if (current?.humanId !== humanId) throw new HumanApiFailedError('Human API answered another humanId.');
      }
    },
  };
}
