/** Cold-start floor of `recoverPublicToken`: its one request (GetItem by clientUserId) over signed `node:http`. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readConfig } from '../../functions/commons/config.js';
import { createAwsJsonCaller } from '../floor-http.js';

const config = readConfig();
const dynamoDb = createAwsJsonCaller('dynamodb', 'AWS_ENDPOINT_URL_DYNAMODB', '1.0');

/** Answers the stored publicToken of the event's clientUserId. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { clientUserId } = JSON.parse(event.body ?? '{}') as { clientUserId: string };
  const { Item } = await dynamoDb('DynamoDB_20120810.GetItem', {
    TableName: config.tokensTableName,
    Key: { clientUserId: { S: clientUserId } },
    ProjectionExpression: 'humanId, publicToken',
  });
  return { statusCode: Item === undefined ? 404 : 200, body: JSON.stringify(Item ?? {}) };
};
