/**
 * Lambda entry of `DELETE /users/{clientUserId}`: deletes a user's tokens from the vault.
 * Wiring only; the work is in `domain/delete-user.ts`.
 */
import { createDynamoDbClients } from './adapters/aws-clients.js';
import { DynamoDbIdempotencyRecords } from './adapters/idempotency-records.js';
import { DynamoDbTombstones } from './adapters/token-table/tombstones.js';
import { readConfig } from './commons/config.js';
import { deleteUser } from './domain/delete-user.js';
import { createHttpHandler } from './http/http-handler.js';
import { refuseQuery, userOfPath } from './http/user-parameter.js';

const config = readConfig();
const { documents } = createDynamoDbClients();
const dependencies = {
  // The token table as a deletion sees it: it removes tokens, never reads one.
  tombstones: new DynamoDbTombstones(documents, config.tokensTableName),
  idempotencyRecords: new DynamoDbIdempotencyRecords(documents, config.idempotencyTableName),
};

/** The `deleteUser` Lambda handler (API Gateway HTTP API, payload 2.0). */
export const handler = createHttpHandler({
  jwtUserClaim: config.jwtUserClaim,
  handle: ({ caller, pathParameters, query }) => {
    refuseQuery(query);
    return deleteUser(userOfPath(pathParameters, caller), caller, dependencies);
  },
});
