/**
 * `humanapi-connect-backend/client`: what a team's own services use (docs/api.md#the-service-client).
 *
 * - {@link createConnectBackendClient}: the backend's IAM routes, SigV4-signed, typed from the
 *   schemas that define the API, the data gateway among them (`humanData`, `humanDataPages`);
 * - {@link readAccessToken} / {@link createAccessTokenReader}: a user's access token, for a
 *   service granted with `grantAccessTokenRead` (docs/security.md#granting-a-service);
 * - {@link notificationHintSchema}: a message of the notifications queue, for a consumer granted
 *   with `grantNotificationsConsume` (docs/notifications.md#consuming-notifications).
 */
export type { ConnectSessionToken, Problem, UserDeletion, UserPublicToken } from '../functions/contract/answers.js';
export type {
  ActivitySummary,
  HeartRateReading,
  HumanDataAnswers,
  HumanProfile,
  HumanRecord,
  HumanSource,
  SleepSummary,
} from '../functions/contract/human-data-records.js';
export { type NotificationHint, notificationHintSchema } from '../functions/contract/notifications.js';
export type { ConnectTokenRequest, PublicTokenRequest } from '../functions/contract/requests.js';
export {
  type AccessTokenReader,
  type AccessTokenReaderOptions,
  AccessTokenUndecryptableError,
  createAccessTokenReader,
  MINTED_TOKEN_MIN_REMAINING_MS,
  NotConnectedError,
  type ReadAccessToken,
  readAccessToken,
  TokenRecordNotFoundError,
} from '../functions/reader/read-access-token.js';
export {
  type ConnectBackendClient,
  type ConnectBackendClientOptions,
  ConnectBackendError,
  createConnectBackendClient,
} from './backend-client.js';
export { DEFAULT_MAX_PAGES, type HumanDataOf, type HumanDataPage, type HumanDataQuery } from './human-data.js';
