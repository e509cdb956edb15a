/**
 * Cold-start reference: a Lambda entry that only creates the AWS SDK clients
 * the functions create (DynamoDB, its document client, Secrets Manager), with
 * the functions' own factory and settings, and answers at once. Bundled with
 * the stack's esbuild options, it is the floor a function that talks to these
 * services cannot go below.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  createDocumentClient,
  createDynamoDbClient,
  createSecretsManagerClient,
} from '../functions/adapters/aws-clients.js';

const dynamoDb = createDynamoDbClient();

/** The clients, exported so the bundler keeps them. */
export const clients = {
  dynamoDb,
  documentClient: createDocumentClient(dynamoDb),
  secretsManager: createSecretsManagerClient(),
};

/** Answers 200 without doing anything. */
export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => ({ statusCode: 200 });
