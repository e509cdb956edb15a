/**
 * Whether the token table answers: one strongly consistent read of a key no user has, naming the
 * key attribute alone, so the redrive's role may read nothing else (infra/outbox.ts).
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableProbe } from '../../domain/ports.js';
import { PROBE_KEY } from './attributes.js';
import { sendRequest } from './item.js';

/** Reads {@link PROBE_KEY}. */
export class DynamoDbTableProbe implements TableProbe {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async probe(): Promise<void> {
    await sendRequest('GetItem', () =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { clientUserId: PROBE_KEY },
          ConsistentRead: true,
          ProjectionExpression: 'clientUserId',
        }),
      ),
    );
  }
}
