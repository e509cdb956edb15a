/**
 * Cold-start floor of the data gateway (`humanData`): its first invocation's three requests over
 * signed `node:http`, nothing else: the record (`GetItem`), its access token (`Decrypt` with the
 * record's context), and Human API's page with it (`GET /v1/human/{path}`).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readConfig } from '../../functions/commons/config.js';
import { createAwsJsonCaller, get } from '../floor-http.js';

const config = readConfig();
const dynamoDb = createAwsJsonCaller('dynamodb', 'AWS_ENDPOINT_URL_DYNAMODB', '1.0');
const kms = createAwsJsonCaller('kms', 'AWS_ENDPOINT_URL_KMS', '1.1');

/** Answers Human API's page for the event's user and path. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { clientUserId = '', path = '' } = event.pathParameters ?? {};
  const { Item } = (await dynamoDb('DynamoDB_20120810.GetItem', {
    TableName: config.tokensTableName,
    Key: { clientUserId: { S: clientUserId } },
    ProjectionExpression: 'accessTokenCiphertext',
  })) as { Item?: { accessTokenCiphertext?: { S: string } } };
  const ciphertext = Item?.accessTokenCiphertext?.S;
  if (ciphertext === undefined) return { statusCode: 404, body: '{}' };
  const { Plaintext } = await kms('TrentService.Decrypt', {
    CiphertextBlob: ciphertext,
    EncryptionContext: { clientUserId },
  });
  const accessToken = Buffer.from(String(Plaintext), 'base64').toString('utf8');
  const query = event.rawQueryString === '' ? '' : `?${event.rawQueryString}`;
  const answer = await get(new URL(`${config.humanApiDataBaseUrl}/v1/human/${path}${query}`), {
    authorization: `Bearer ${accessToken}`,
    accept: 'application/json',
  });
  return { statusCode: answer.status, body: answer.text };
};
