/** The bare finish's DynamoDB requests through an AWS SDK v3 client (the SDK subjects share it). */
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDbCall } from '../bare-finish.js';

/** {@link DynamoDbCall} over `client`. */
export const sdkDynamoDbCall =
  (client: DynamoDBClient): DynamoDbCall =>
  (operation: 'PutItem' | 'UpdateItem', input: object) =>
    operation === 'PutItem'
      ? client.send(new PutItemCommand(input as PutItemCommand['input']))
      : client.send(new UpdateItemCommand(input as UpdateItemCommand['input']));
