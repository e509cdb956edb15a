/**
 * The backend's DynamoDB tables as CDK props, from the shared definitions
 * (functions/commons/tables.ts) that local mode creates its tables from too.
 */
import { AttributeType, ProjectionType, type TablePropsV2 } from 'aws-cdk-lib/aws-dynamodb';
import { RECOVERY_READ_ATTRIBUTES, TOKEN_TABLE_KEY_ATTRIBUTES } from '../functions/adapters/token-table/attributes.js';
import { HUMAN_ID_INDEX_NAME, type KeyAttributeType, type TableDefinition } from '../functions/commons/tables.js';

const ATTRIBUTE_TYPES: Record<KeyAttributeType, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

/** The key schema, indexes and TTL of a shared table definition as `TableV2` props. */
export function tablePropsOf(definition: TableDefinition): TablePropsV2 {
  const key = (attribute: TableDefinition['partitionKey']) => ({
    name: attribute.name,
    type: ATTRIBUTE_TYPES[attribute.type],
  });
  return {
    partitionKey: key(definition.partitionKey),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: key(index.partitionKey),
      // The humanId index serves public-token recovery only: it projects what recovery reads,
      // never an access token (docs/security.md).
      ...(index.indexName === HUMAN_ID_INDEX_NAME
        ? {
            projectionType: ProjectionType.INCLUDE,
            nonKeyAttributes: RECOVERY_READ_ATTRIBUTES.filter(
              (name) => !(TOKEN_TABLE_KEY_ATTRIBUTES as readonly string[]).includes(name),
            ),
          }
        : {}),
    })),
    ...(definition.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: definition.timeToLiveAttribute }),
  };
}
