import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_TABLE, TOKEN_TABLE } from '../../functions/commons/tables.js';
import { createTableInput } from '../../local/dynamodb.js';

describe('createTableInput (local tables from the stack\u2019s definitions)', () => {
  it('creates the token table keyed by clientUserId with the humanId GSI', () => {
    expect(createTableInput('tokens', TOKEN_TABLE)).toEqual({
      TableName: 'tokens',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'clientUserId', AttributeType: 'S' },
        { AttributeName: 'humanId', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'clientUserId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'humanId-index',
          KeySchema: [{ AttributeName: 'humanId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('creates the idempotency table keyed by id, without indexes', () => {
    const input = createTableInput('idempotency', IDEMPOTENCY_TABLE);

    expect(input.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(input).not.toHaveProperty('GlobalSecondaryIndexes');
  });
});
