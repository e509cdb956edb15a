/**
 * The props of {@link HumanConnectBackend} and their validation: every value is checked once,
 * before any construct exists, and a mistake is an {@link InvalidBackendPropsError} naming the
 * prop (docs/deploy.md#configuration).
 */
import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DEFAULT_HUMANAPI_AUTH_BASE_URL,
  DEFAULT_HUMANAPI_BASE_URL,
  DEFAULT_HUMANAPI_DATA_BASE_URL,
  DEFAULT_HUMANAPI_TIMEOUT_MS,
  DEFAULT_SECRET_TTL_SECONDS,
} from '../functions/commons/config.js';
import { HUMAN_API_TIMEOUT_MS_RANGE, SECRET_TTL_SECONDS_RANGE } from '../functions/commons/limits.js';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import {
  InvalidBackendPropsError,
  KMS_KEY_ARN,
  requireHttpUrl,
  requireOrigins,
  requirePattern,
  requireText,
  requireWholeNumber,
  SECRET_COMPLETE_ARN,
  SNS_TOPIC_ARN,
} from './prop-rules.js';

export { InvalidBackendPropsError } from './prop-rules.js';

/** HTTP API JWT authorizer settings (docs/design.md#security-model). */
export interface JwtAuthorizerProps {
  /** Token issuer URL (`iss`), e.g. `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_XXXX`. */
  readonly issuer: string;
  /** Accepted audiences (`aud`, or `client_id` for Cognito access tokens); at least one. */
  readonly audience: readonly string[];
  /**
   * Claim naming the user; must equal the `clientUserId` the front end gives Human Connect.
   * @default 'sub'
   */
  readonly claim?: string;
}

/**
 * An existing secret: by name (same account and region) or by complete ARN, and the
 * customer-managed key it is encrypted with, if any (the functions then need that key through
 * Secrets Manager; a secret under `aws/secretsmanager` needs nothing).
 */
export type ExistingSecret = ({ readonly secretName: string } | { readonly secretCompleteArn: string }) & {
  /** ARN of the secret's customer-managed KMS key. @default the secret uses `aws/secretsmanager` */
  readonly encryptionKeyArn?: string;
};

/** Throttling of the API's `$default` stage (all routes together). */
export interface ApiThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst. */
  readonly burstLimit: number;
}

/** Props of `HumanConnectBackend` (human-connect-backend.ts). */
export interface HumanConnectBackendProps {
  /** The app's Human API client ID (`HUMANAPI_CLIENT_ID`). */
  readonly clientId: string;
  /**
   * Browser origins allowed to call the API (CORS), e.g. `https://app.example.com`.
   * At least one; `*` is refused.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * An existing Secrets Manager secret holding `{"clientSecret":"…"}`, by name
   * or by complete ARN (with its 6-character suffix).
   * @default a new secret holding the placeholder `{"clientSecret":""}`, retained
   *   when the stack is deleted; set its value with `aws secretsmanager put-secret-value`
   */
  readonly clientSecret?: ExistingSecret;
  /**
   * Put an HTTP API JWT authorizer on every route, the user being claim `claim`.
   * @default no JWT: `POST /sessions` is open, the other routes but `/notifications` require AWS
   *   IAM (SigV4): grant callers with `grantIamRoutes`
   */
  readonly jwt?: JwtAuthorizerProps;
  /**
   * How long the functions cache the client secret (whole seconds, 0 to 1 day).
   * @default Duration.seconds(300)
   */
  readonly secretTtl?: Duration;
  /**
   * Human API origin.
   * @default 'https://user.humanapi.co'
   */
  readonly humanApiBaseUrl?: string;
  /**
   * Human API's current-generation auth origin, where `POST /connect-tokens` mints Connect tokens
   * (`HUMANAPI_AUTH_BASE_URL`).
   * @default 'https://auth.humanapi.co'
   */
  readonly humanApiAuthBaseUrl?: string;
  /**
   * Human API's data API origin, which the data gateway (`GET /users/{clientUserId}/human/{path+}`)
   * calls with the user's access token (`HUMANAPI_DATA_BASE_URL`): https, or http on a loopback host.
   * @default 'https://api.humanapi.co'
   */
  readonly humanApiDataBaseUrl?: string;
  /**
   * Time allowed for one Human API call (whole milliseconds, 100 ms to 12 s);
   * the Lambda timeout is derived from it.
   * @default Duration.millis(8000)
   */
  readonly humanApiTimeout?: Duration;
  /**
   * Throttling of the API's `$default` stage.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ApiThrottleProps;
  /**
   * Retention of the functions' logs and the API's access logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * ARN of an SNS topic notified when an alarm goes off and when it recovers.
   * @default no notifications (the alarms are still created)
   */
  readonly alarmTopicArn?: string;
  /**
   * The customer-managed KMS key that encrypts the access tokens, the tables, the outbox, the
   * secret the stack creates and the log groups. Its policy is yours: it must carry the
   * statements docs/security.md#a-key-of-your-own prints (the access suite checks them).
   * @default a new key with rotation on, retained when the stack is deleted
   */
  readonly tokenKey?: IKey;
  /**
   * Reserved concurrency of each function (whole number, 1 to 1000): a ceiling on cost and on
   * load passed to Human API, and a floor other functions of the account cannot take.
   * @default 50
   */
  readonly reservedConcurrency?: number;
}

/** Default `$default` stage throttling: ample for sign-ins, a ceiling on abuse and cost. */
export const DEFAULT_THROTTLE: ApiThrottleProps = { rateLimit: 100, burstLimit: 200 };
/** Default log retention. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;
/** Default reserved concurrency per function: well above the default throttle's need (100 rps × ~0.3 s). */
export const DEFAULT_RESERVED_CONCURRENCY = 50;
/** Default JWT claim naming the user (docs/design.md#security-model). */
export const DEFAULT_JWT_CLAIM = 'sub';

/** The props once checked: defaults applied, URLs trimmed, durations as numbers. */
export interface BackendSettings {
  readonly clientId: string;
  readonly allowedOrigins: string[];
  readonly clientSecret: ExistingSecret | undefined;
  readonly jwt: Required<JwtAuthorizerProps> | undefined;
  readonly secretTtlSeconds: number;
  readonly humanApiBaseUrl: string;
  readonly humanApiAuthBaseUrl: string;
  readonly humanApiDataBaseUrl: string;
  readonly humanApiTimeoutMs: number;
  readonly lambdaTimeout: Duration;
  readonly throttle: ApiThrottleProps;
  readonly logRetention: RetentionDays;
  readonly alarmTopicArn: string | undefined;
  readonly tokenKey: IKey | undefined;
  readonly reservedConcurrency: number;
}

function resolveSecret(secret: ExistingSecret | undefined): ExistingSecret | undefined {
  if (secret === undefined) return undefined;
  const key =
    secret.encryptionKeyArn === undefined
      ? {}
      : {
          encryptionKeyArn: requirePattern(
            'clientSecret.encryptionKeyArn',
            secret.encryptionKeyArn,
            KMS_KEY_ARN,
            'a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)',
          ),
        };
  if ('secretName' in secret) return { secretName: requireText('clientSecret.secretName', secret.secretName), ...key };
  return {
    ...key,
    secretCompleteArn: requirePattern(
      'clientSecret.secretCompleteArn',
      secret.secretCompleteArn,
      SECRET_COMPLETE_ARN,
      'a complete secret ARN ending in the 6-character suffix (or give secretName instead)',
    ),
  };
}

function resolveJwt(jwt: JwtAuthorizerProps | undefined): Required<JwtAuthorizerProps> | undefined {
  if (jwt === undefined) return undefined;
  if (jwt.audience.length === 0) throw new InvalidBackendPropsError('jwt.audience', 'needs at least one audience');
  return {
    issuer: requireHttpUrl('jwt.issuer', jwt.issuer, { httpsOnly: true }),
    audience: jwt.audience.map((audience) => requireText('jwt.audience', audience)),
    claim: requireText('jwt.claim', jwt.claim ?? DEFAULT_JWT_CLAIM),
  };
}

/** Lambda timeout for a Human API timeout, or a props error naming the limit. */
function lambdaTimeoutFor(humanApiTimeoutMs: number): Duration {
  requireWholeNumber('humanApiTimeout', humanApiTimeoutMs, HUMAN_API_TIMEOUT_MS_RANGE, 'milliseconds');
  return Duration.seconds(functionTimeoutSeconds(humanApiTimeoutMs));
}

/**
 * Checks the props and applies the defaults.
 *
 * @throws {InvalidBackendPropsError} naming the first prop that cannot work
 */
export function resolveBackendSettings(props: HumanConnectBackendProps): BackendSettings {
  const humanApiTimeoutMs = props.humanApiTimeout?.toMilliseconds({ integral: false }) ?? DEFAULT_HUMANAPI_TIMEOUT_MS;
  const throttle = props.throttle ?? DEFAULT_THROTTLE;
  return {
    clientId: requireText('clientId', props.clientId),
    allowedOrigins: requireOrigins(props.allowedOrigins),
    clientSecret: resolveSecret(props.clientSecret),
    jwt: resolveJwt(props.jwt),
    secretTtlSeconds: requireWholeNumber(
      'secretTtl',
      props.secretTtl?.toSeconds({ integral: false }) ?? DEFAULT_SECRET_TTL_SECONDS,
      SECRET_TTL_SECONDS_RANGE,
      'seconds',
    ),
    humanApiBaseUrl: requireHttpUrl('humanApiBaseUrl', props.humanApiBaseUrl ?? DEFAULT_HUMANAPI_BASE_URL, {
      httpsOnly: 'except-loopback',
    }).replace(/\/+$/, ''),
    // The body carries the client secret: https, or http to this machine only (local tests).
    humanApiAuthBaseUrl: requireHttpUrl(
      'humanApiAuthBaseUrl',
      props.humanApiAuthBaseUrl ?? DEFAULT_HUMANAPI_AUTH_BASE_URL,
      { httpsOnly: 'except-loopback' },
    ).replace(/\/+$/, ''),
    // The request carries a user's access token: the same rule.
    humanApiDataBaseUrl: requireHttpUrl(
      'humanApiDataBaseUrl',
      props.humanApiDataBaseUrl ?? DEFAULT_HUMANAPI_DATA_BASE_URL,
      { httpsOnly: 'except-loopback' },
    ).replace(/\/+$/, ''),
    humanApiTimeoutMs,
    lambdaTimeout: lambdaTimeoutFor(humanApiTimeoutMs),
    throttle: {
      rateLimit: requireWholeNumber(
        'throttle.rateLimit',
        throttle.rateLimit,
        { min: 1, max: 10_000 },
        'requests per second',
      ),
      burstLimit: requireWholeNumber('throttle.burstLimit', throttle.burstLimit, { min: 1, max: 5_000 }, 'requests'),
    },
    logRetention: props.logRetention ?? DEFAULT_LOG_RETENTION,
    alarmTopicArn:
      props.alarmTopicArn === undefined
        ? undefined
        : requirePattern('alarmTopicArn', props.alarmTopicArn, SNS_TOPIC_ARN, 'an SNS topic ARN'),
    tokenKey: props.tokenKey,
    reservedConcurrency: requireWholeNumber(
      'reservedConcurrency',
      props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
      { min: 1, max: 1000 },
      'executions',
    ),
  };
}
