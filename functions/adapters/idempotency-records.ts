/**
 * The idempotency table as a deletion sees it (docs/design.md#deleting-a-user): records removed by
 * id, never read. Each removal is a conditional `DeleteItem` that returns nothing (the record holds
 * a publicToken); its condition tells a finished record from one whose finish is still running,
 * which Powertools would write again on completing it.
 */
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IDEMPOTENCY_STATUS_ATTRIBUTE } from '../commons/tables.js';
import type { IdempotencyRecordRemover } from '../domain/ports.js';
import { sendConditional } from './token-table/item.js';

/** Powertools Idempotency's state of a finished record (its `IdempotencyRecordStatus.COMPLETED`). */
export const COMPLETED_STATUS = 'COMPLETED';

/** Removes idempotency records by id. */
export class DynamoDbIdempotencyRecords implements IdempotencyRecordRemover {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async remove(id: string): Promise<'completed' | 'in progress' | 'absent'> {
    if (await this.delete(id, '#status = :completed')) return 'completed';
    return (await this.delete(id, 'attribute_exists(id)')) ? 'in progress' : 'absent';
  }

  /** One conditional delete; whether it removed the record. */
  private async delete(id: string, condition: string): Promise<boolean> {
    const usesStatus = condition.includes('#status');
    const output = await sendConditional('DeleteItem', () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { id },
          ConditionExpression: condition,
          ...(usesStatus
            ? {
                // `status` is a DynamoDB reserved word.
                ExpressionAttributeNames: { '#status': IDEMPOTENCY_STATUS_ATTRIBUTE },
                ExpressionAttributeValues: { ':completed': COMPLETED_STATUS },
              }
            : {}),
          ReturnValues: 'NONE',
        }),
      ),
    );
    return output !== undefined;
  }
}
