/**
 * The data gateway's place in the stack (docs/security.md#who-can-decrypt): the one function of
 * the backend that decrypts access tokens. Its role is a reader granted as a team's service is
 * (under the reader path the key policy requires; the reader's table reads, the minted token's
 * write, decrypt and encrypt of per-record ciphertexts, the client secret to mint with), plus the
 * mark of a user who must connect again; its environment names Human API's auth and data origins.
 */
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { RECONNECT_MARK_ATTRIBUTES } from '../functions/adapters/token-table/attributes.js';
import type { BackendSettings } from './backend-props.js';
import { grantOnAttributes } from './table-grants.js';
import { type AccessTokenResources, grantAccessTokenRead } from './token-access.js';

/** The gateway's variables beside the functions' own: it mints access tokens and calls the data API. */
export function dataGatewayEnvironment(settings: BackendSettings): Record<string, string> {
  return {
    HUMANAPI_AUTH_BASE_URL: settings.humanApiAuthBaseUrl,
    HUMANAPI_DATA_BASE_URL: settings.humanApiDataBaseUrl,
  };
}

/**
 * Grants the gateway's role what the reader needs, and `UpdateItem` of the reconnect mark's
 * attributes only ({@link RECONNECT_MARK_ATTRIBUTES}, returning nothing), so `/connect-tokens`
 * offers Connect again once Human API refused the user's token.
 */
export function grantDataGateway(resources: AccessTokenResources, role: IGrantable): void {
  grantAccessTokenRead(resources, role);
  grantOnAttributes(role, {
    actions: ['dynamodb:UpdateItem'],
    resourceArns: [resources.tokenTable.tableArn],
    attributes: RECONNECT_MARK_ATTRIBUTES,
    returnValues: 'NONE',
  });
}
