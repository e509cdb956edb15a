/**
 * What each route's function may do: exactly the calls it makes, on exactly the resources it
 * touches (docs/security.md#who-can-decrypt), proven by effect in the access suite
 * (test/infra/access/).
 */
import { TableGrants, type TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { HUMAN_ID_INDEX_NAME } from '../functions/commons/tables.js';
import type { RouteFunctionName } from '../functions/contract/routes.js';
import type { BackendFunction } from './backend-function.js';
import { grantDataGateway } from './data-gateway.js';
import { grantQueueSend } from './outbox.js';
import { grantConnectUserAccess, grantPublicTokenRecovery, grantUserDeletion } from './table-grants.js';
import {
  type AccessTokenResources,
  type ClientSecretKeyed,
  grantAccessTokenEncrypt,
  grantClientSecretRead,
  grantKeyThroughService,
} from './token-access.js';

/** The backend's resources the route functions use. */
export interface RouteResources {
  readonly tokenTable: TableV2;
  readonly idempotencyTable: TableV2;
  readonly tokenKey: IKey;
  readonly outbox: Queue;
  readonly clientSecret: ClientSecretKeyed;
  /** What a reader of access tokens is granted on (the data gateway is one). */
  readonly accessTokens: AccessTokenResources;
  readonly notifications: Queue;
  readonly notificationsPathSecret: Secret;
}

/** Grants each route's function exactly what it uses. */
export function grantRouteFunctions(
  functions: Readonly<Record<RouteFunctionName, BackendFunction>>,
  resources: RouteResources,
): void {
  const { finishSession, recoverPublicToken, connectTokens, humanData, deleteUser, receiveNotification } = functions;
  const { tokenTable, idempotencyTable, tokenKey, outbox, clientSecret } = resources;
  // The token table's own grants also cover `index/*` (it has an index): these name the table alone.
  // GetItem: when the upsert's condition keeps a newer record (or its own committed retry), it is read back.
  TableGrants.fromTable(tokenTable, [], false).actions(finishSession.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
  idempotencyTable.grants.actions(
    finishSession.role,
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  );
  grantAccessTokenEncrypt(tokenKey, finishSession.role);
  grantQueueSend(outbox, tokenKey, finishSession.role);
  // Recovery never sees an access token: attribute-level conditions, Query on humanId-index alone.
  grantPublicTokenRecovery(
    recoverPublicToken.role,
    tokenTable.tableArn,
    `${tokenTable.tableArn}/index/${HUMAN_ID_INDEX_NAME}`,
  );
  // connectTokens reads and records a user's humanId and connection markers: attribute-level conditions.
  grantConnectUserAccess(connectTokens.role, tokenTable.tableArn);
  for (const fn of [finishSession, recoverPublicToken, connectTokens]) {
    grantKeyThroughService(tokenKey, fn.role, 'dynamodb', { write: true });
    grantClientSecretRead(clientSecret, fn.role);
  }
  // The one function that decrypts access tokens, as a reader (data-gateway.ts).
  grantDataGateway(resources.accessTokens, humanData.role);
  // deleteUser writes tombstones and removes idempotency records: attribute-level conditions on
  // both tables, nothing returned, no KMS key of its own and no secret (it never calls Human API).
  grantUserDeletion(deleteUser.role, tokenTable.tableArn, idempotencyTable.tableArn);
  grantKeyThroughService(tokenKey, deleteUser.role, 'dynamodb', { write: true });
  // The notifications receiver: both secrets (the client secret checks signatures) and sending to
  // its queue; nothing of the token table, no token key use but through Secrets Manager and SQS.
  grantClientSecretRead({ secret: resources.notificationsPathSecret, key: tokenKey }, receiveNotification.role);
  grantClientSecretRead(clientSecret, receiveNotification.role);
  grantQueueSend(resources.notifications, tokenKey, receiveNotification.role);
}
