/**
 * The production deployment (docs/api.md–6): the two functions behind an HTTP
 * API, the token and idempotency tables, the client secret, and alarms.
 */
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, MathExpression, Metric, Stats, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, type TablePropsV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  DEFAULT_HUMANAPI_BASE_URL,
  DEFAULT_HUMANAPI_TIMEOUT_MS,
  DEFAULT_SECRET_TTL_SECONDS,
} from '../functions/commons/config.js';
import { HUMAN_API_FAILURE_METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/observability.js';
import {
  HUMAN_ID_INDEX_NAME,
  IDEMPOTENCY_TABLE,
  type KeyAttributeType,
  type TableDefinition,
  TOKEN_TABLE,
} from '../functions/commons/tables.js';
import { functionTimeoutSeconds } from '../functions/commons/time-budget.js';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '../local/cors.js';
import { ConnectFunction } from './connect-function.js';
import { FUNCTION_ENTRIES } from './function-bundling.js';

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

/** An existing secret: by name (same account and region) or by complete ARN. */
export type ExistingSecret = { readonly secretName: string } | { readonly secretCompleteArn: string };

/** Throttling of the API's `$default` stage (all routes together). */
export interface ApiThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst. */
  readonly burstLimit: number;
}

/** Props of {@link ConnectBackendStack}. */
export interface ConnectBackendStackProps extends StackProps {
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
   * Put an HTTP API JWT authorizer on both routes, the user being claim `claim`.
   * @default no JWT: `POST /sessions` is open and `POST /public-tokens` requires AWS IAM (SigV4)
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
}

/** Stack props that cannot work. */
export class InvalidStackPropsError extends Error {
  constructor(prop: string, problem: string, options?: ErrorOptions) {
    super(`ConnectBackendStack prop ${prop} ${problem}`, options);
    this.name = 'InvalidStackPropsError';
  }
}

/** Default `$default` stage throttling: ample for sign-ins, a ceiling on abuse and cost. */
export const DEFAULT_THROTTLE: ApiThrottleProps = { rateLimit: 100, burstLimit: 200 };
/** Default log retention. */
export const DEFAULT_LOG_RETENTION = RetentionDays.ONE_MONTH;
/** Default JWT claim naming the user (docs/design.md#security-model). */
export const DEFAULT_JWT_CLAIM = 'sub';
/** Placeholder value of a secret the stack creates: the functions answer 503 until ops set the real one. */
export const CLIENT_SECRET_PLACEHOLDER = '{"clientSecret":""}';

/** Alarm tuning: evaluated over 5-minute periods. */
const ALARM_PERIOD = Duration.minutes(5);
/** 5xx rate (percent of requests) that alarms, in 2 consecutive periods. */
const SERVER_ERROR_RATE_PERCENT = 5;
/** Below this many requests in a period the 5xx rate is not judged (one failure would be ≥ 10 %). */
const SERVER_ERROR_RATE_MIN_REQUESTS = 10;
/** Human API failures (5xx, timeouts, refused credentials, broken answers) per period that alarm. */
const HUMAN_API_FAILURES_PER_PERIOD = 5;

const ATTRIBUTE_TYPES: Record<KeyAttributeType, AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

/** The key schema, indexes and TTL of a shared table definition as `TableV2` props. */
function tablePropsOf(definition: TableDefinition): TablePropsV2 {
  const key = (attribute: TableDefinition['partitionKey']) => ({
    name: attribute.name,
    type: ATTRIBUTE_TYPES[attribute.type],
  });
  return {
    partitionKey: key(definition.partitionKey),
    globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      indexName: index.indexName,
      partitionKey: key(index.partitionKey),
    })),
    ...(definition.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: definition.timeToLiveAttribute }),
  };
}

function requireText(prop: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidStackPropsError(prop, 'must not be empty');
  return trimmed;
}

function requireOrigins(origins: readonly string[]): string[] {
  if (origins.length === 0) throw new InvalidStackPropsError('allowedOrigins', 'needs at least one origin');
  return origins.map((origin) => {
    if (origin.includes('*')) {
      throw new InvalidStackPropsError('allowedOrigins', `must list exact origins, not "${origin}" (no "*")`);
    }
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new InvalidStackPropsError('allowedOrigins', `has "${origin}", which is not an origin`);
    }
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      throw new InvalidStackPropsError(
        'allowedOrigins',
        `has "${origin}"; write scheme://host[:port] with no path or trailing slash, e.g. "${parsed.origin}"`,
      );
    }
    return origin;
  });
}

function requireHttpUrl(prop: string, value: string, { httpsOnly }: { httpsOnly: boolean }): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidStackPropsError(prop, `must be an absolute URL, got "${value}"`);
  }
  const allowed = httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(parsed.protocol)) {
    throw new InvalidStackPropsError(prop, `must be an ${httpsOnly ? 'https' : 'http(s)'} URL, got "${value}"`);
  }
  return value;
}

function requireWholeNumber(prop: string, value: number, min: number, max: number, unit: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidStackPropsError(prop, `must be a whole number of ${unit} from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`. */
const SECRET_COMPLETE_ARN = /^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
/** `arn:<partition>:sns:<region>:<account>:<topic>`. */
const SNS_TOPIC_ARN = /^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]+$/;

function requirePattern(prop: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new InvalidStackPropsError(prop, `must be ${what}, got "${value}"`);
  return value;
}

function requireSecretCompleteArn(arn: string): string {
  return requirePattern(
    'clientSecret.secretCompleteArn',
    arn,
    SECRET_COMPLETE_ARN,
    'a complete secret ARN ending in the 6-character suffix (or give secretName instead)',
  );
}

/** Lambda timeout for a Human API timeout, or a props error naming the limit. */
function lambdaTimeoutFor(humanApiTimeoutMs: number): Duration {
  requireWholeNumber('humanApiTimeout', humanApiTimeoutMs, 100, 25_000, 'milliseconds');
  try {
    return Duration.seconds(functionTimeoutSeconds(humanApiTimeoutMs));
  } catch (error) {
    const reason = error instanceof RangeError ? error.message : 'leaves no valid Lambda timeout';
    throw new InvalidStackPropsError('humanApiTimeout', `is too long: ${reason}`, { cause: error });
  }
}

/** Settings checked once, before any construct exists. */
interface ResolvedSettings {
  readonly clientId: string;
  readonly allowedOrigins: string[];
  readonly jwt: Required<JwtAuthorizerProps> | undefined;
  readonly secretTtlSeconds: number;
  readonly humanApiBaseUrl: string;
  readonly humanApiTimeoutMs: number;
  readonly lambdaTimeout: Duration;
  readonly throttle: ApiThrottleProps;
  readonly logRetention: RetentionDays;
  readonly alarmTopicArn: string | undefined;
}

function resolveSettings(props: ConnectBackendStackProps): ResolvedSettings {
  const humanApiTimeoutMs = props.humanApiTimeout?.toMilliseconds({ integral: false }) ?? DEFAULT_HUMANAPI_TIMEOUT_MS;
  const throttle = props.throttle ?? DEFAULT_THROTTLE;
  const jwt =
    props.jwt === undefined
      ? undefined
      : {
          issuer: requireHttpUrl('jwt.issuer', props.jwt.issuer, { httpsOnly: true }),
          audience: (() => {
            if (props.jwt.audience.length === 0) {
              throw new InvalidStackPropsError('jwt.audience', 'needs at least one audience');
            }
            return props.jwt.audience.map((audience) => requireText('jwt.audience', audience));
          })(),
          claim: requireText('jwt.claim', props.jwt.claim ?? DEFAULT_JWT_CLAIM),
        };
  return {
    clientId: requireText('clientId', props.clientId),
    allowedOrigins: requireOrigins(props.allowedOrigins),
    jwt,
    secretTtlSeconds: requireWholeNumber(
      'secretTtl',
      props.secretTtl?.toSeconds({ integral: false }) ?? DEFAULT_SECRET_TTL_SECONDS,
      0,
      86_400,
      'seconds',
    ),
    humanApiBaseUrl: requireHttpUrl('humanApiBaseUrl', props.humanApiBaseUrl ?? DEFAULT_HUMANAPI_BASE_URL, {
      httpsOnly: false,
    }).replace(/\/+$/, ''),
    humanApiTimeoutMs,
    lambdaTimeout: lambdaTimeoutFor(humanApiTimeoutMs),
    throttle: {
      rateLimit: requireWholeNumber('throttle.rateLimit', throttle.rateLimit, 1, 10_000, 'requests per second'),
      burstLimit: requireWholeNumber('throttle.burstLimit', throttle.burstLimit, 1, 5_000, 'requests'),
    },
    logRetention: props.logRetention ?? DEFAULT_LOG_RETENTION,
    alarmTopicArn:
      props.alarmTopicArn === undefined
        ? undefined
        : requirePattern('alarmTopicArn', props.alarmTopicArn, SNS_TOPIC_ARN, 'an SNS topic ARN'),
  };
}

/** HTTP API access log: one JSON object per request, no headers, no bodies, no tokens. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatencyMs: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatencyMs: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    error: '$context.error.message',
    authorizerError: '$context.authorizer.error',
    iamCaller: '$context.identity.userArn',
  }),
);

/**
 * The Human Connect token backend: `POST /sessions` (finishSession) and
 * `POST /public-tokens` (recoverPublicToken) on an HTTP API.
 */
export class ConnectBackendStack extends Stack {
  /** The user token table (retained, PITR, deletion protection). */
  readonly tokenTable: TableV2;
  /** Powertools Idempotency records of `POST /sessions`. */
  readonly idempotencyTable: TableV2;
  /** The secret holding the app's client secret. */
  readonly clientSecret: ISecret;
  /** The HTTP API. */
  readonly api: HttpApi;
  /** The API's `$default` stage. */
  readonly stage: HttpStage;
  /** `POST /sessions`. */
  readonly finishSession: ConnectFunction;
  /** `POST /public-tokens`. */
  readonly recoverPublicToken: ConnectFunction;
  /** The alarms, all notifying `alarmTopicArn` when given. */
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ConnectBackendStackProps) {
    super(scope, id, props);
    const settings = resolveSettings(props);

    // ---- Data -------------------------------------------------------------
    this.tokenTable = new TableV2(this, 'TokenTable', {
      ...tablePropsOf(TOKEN_TABLE),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No PITR and no retention: records expire after an hour and only
    // short-circuit replays, so there is nothing worth restoring or keeping.
    this.idempotencyTable = new TableV2(this, 'IdempotencyTable', {
      ...tablePropsOf(IDEMPOTENCY_TABLE),
      billing: Billing.onDemand(),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    if (props.clientSecret === undefined) {
      const secret = new Secret(this, 'ClientSecret', {
        description: 'Human API client secret of the Human Connect backend: {"clientSecret":"..."}',
        // Set once; CloudFormation rewrites it only if this placeholder changes, so ops' value survives updates.
        secretStringValue: SecretValue.unsafePlainText(CLIENT_SECRET_PLACEHOLDER),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Human API client secrets are issued in the Human API developer portal, which offers no API a rotation Lambda could call. Ops rotate by hand with put-secret-value (docs/deploy.md#the-client-secret); the functions pick the new value up without a redeploy.',
      });
      this.clientSecret = secret;
    } else if ('secretName' in props.clientSecret) {
      this.clientSecret = Secret.fromSecretNameV2(
        this,
        'ImportedClientSecret',
        requireText('clientSecret.secretName', props.clientSecret.secretName),
      );
    } else {
      this.clientSecret = Secret.fromSecretCompleteArn(
        this,
        'ImportedClientSecret',
        requireSecretCompleteArn(props.clientSecret.secretCompleteArn),
      );
    }

    // ---- Functions ----------------------------------------------------------
    // Name-imported secrets have no full ARN; GetSecretValue takes the name then.
    const secretId = this.clientSecret.secretFullArn ?? this.clientSecret.secretName;
    const environment: Record<string, string> = {
      HUMANAPI_CLIENT_ID: settings.clientId,
      HUMANAPI_SECRET_ID: secretId,
      HUMANAPI_BASE_URL: settings.humanApiBaseUrl,
      HUMANAPI_TIMEOUT_MS: String(settings.humanApiTimeoutMs),
      TOKENS_TABLE_NAME: this.tokenTable.tableName,
      IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
      SECRET_TTL_SECONDS: String(settings.secretTtlSeconds),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(settings.jwt === undefined ? {} : { JWT_USER_CLAIM: settings.jwt.claim }),
    };
    const functionProps = {
      environment,
      timeout: settings.lambdaTimeout,
      logRetention: settings.logRetention,
    };
    this.finishSession = new ConnectFunction(this, 'FinishSession', {
      ...functionProps,
      entry: FUNCTION_ENTRIES.finishSession,
      description: 'POST /sessions: exchanges a Human Connect session token and stores the user tokens',
    });
    this.recoverPublicToken = new ConnectFunction(this, 'RecoverPublicToken', {
      ...functionProps,
      entry: FUNCTION_ENTRIES.recoverPublicToken,
      description: "POST /public-tokens: returns a returning user's stored or fresh publicToken",
    });

    // Exactly the calls each function makes (functions/commons/clients/token-store.ts,
    // Powertools' DynamoDBPersistenceLayer), on exactly the resources it touches.
    // GetItem: when the upsert's condition keeps a newer record (or its own committed retry), it is read back.
    Grant.addToPrincipal({
      grantee: this.finishSession.role,
      actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resourceArns: [this.tokenTable.tableArn],
    });
    Grant.addToPrincipal({
      grantee: this.finishSession.role,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.idempotencyTable.tableArn],
    });
    Grant.addToPrincipal({
      grantee: this.recoverPublicToken.role,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.tokenTable.tableArn],
    });
    Grant.addToPrincipal({
      grantee: this.recoverPublicToken.role,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.tokenTable.tableArn}/index/${HUMAN_ID_INDEX_NAME}`],
    });
    this.clientSecret.grantRead(this.finishSession.role);
    this.clientSecret.grantRead(this.recoverPublicToken.role);

    // ---- HTTP API -----------------------------------------------------------
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'Human Connect token backend',
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: settings.allowedOrigins,
        allowMethods: CORS_ALLOW_METHODS.map((method) => CorsHttpMethod[method]),
        allowHeaders: [...CORS_ALLOW_HEADERS],
        maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      },
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
    });

    const jwtAuthorizer =
      settings.jwt === undefined
        ? undefined
        : new HttpJwtAuthorizer('JwtAuthorizer', settings.jwt.issuer, { jwtAudience: [...settings.jwt.audience] });
    const sessionsAuthorizer: IHttpRouteAuthorizer | undefined = jwtAuthorizer;
    const publicTokensAuthorizer: IHttpRouteAuthorizer = jwtAuthorizer ?? new HttpIamAuthorizer();

    const [sessionsRoute] = this.api.addRoutes({
      path: '/sessions',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('FinishSessionIntegration', this.finishSession.function),
      ...(sessionsAuthorizer === undefined ? {} : { authorizer: sessionsAuthorizer }),
    });
    this.api.addRoutes({
      path: '/public-tokens',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('RecoverPublicTokenIntegration', this.recoverPublicToken.function),
      authorizer: publicTokensAuthorizer,
    });
    if (sessionsAuthorizer === undefined && sessionsRoute !== undefined) {
      Validations.of(sessionsRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Without the jwt prop, POST /sessions is open by design (docs/design.md#security-model): the caller proves itself with the single-use Human Connect session token, which Human API checks together with the client secret only this backend holds. Set jwt to require a signed-in user.',
      });
    }

    // ---- Alarms -------------------------------------------------------------
    const serverErrorRate = new MathExpression({
      expression: `IF(requests >= ${SERVER_ERROR_RATE_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`,
      usingMetrics: {
        errors: this.api.metricServerError({ period: ALARM_PERIOD, statistic: Stats.SUM }),
        requests: this.api.metricCount({ period: ALARM_PERIOD, statistic: Stats.SUM }),
      },
      period: ALARM_PERIOD,
      label: '5xx responses (% of requests)',
    });
    const humanApiFailures = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: HUMAN_API_FAILURE_METRIC,
      // Powertools Metrics adds the service as its default dimension.
      dimensionsMap: { service: SERVICE_NAME },
      statistic: Stats.SUM,
      period: ALARM_PERIOD,
    });
    this.alarms = [
      new Alarm(this, 'ServerErrorRateAlarm', {
        alarmDescription: `More than ${SERVER_ERROR_RATE_PERCENT} % of API requests answered 5xx in two consecutive 5-minute periods (periods with fewer than ${SERVER_ERROR_RATE_MIN_REQUESTS} requests are not judged).`,
        metric: serverErrorRate,
        threshold: SERVER_ERROR_RATE_PERCENT,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'HumanApiFailureAlarm', {
        alarmDescription: `Human API failed (5xx, timeout, refused credentials or broken answer) at least ${HUMAN_API_FAILURES_PER_PERIOD} times in 5 minutes.`,
        metric: humanApiFailures,
        threshold: HUMAN_API_FAILURES_PER_PERIOD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ...[this.finishSession, this.recoverPublicToken].map(
        (connectFunction) =>
          new Alarm(connectFunction, 'ThrottlesAlarm', {
            alarmDescription:
              'Lambda throttled invocations of this function (account or function concurrency exhausted).',
            metric: connectFunction.function.metricThrottles({ period: ALARM_PERIOD, statistic: Stats.SUM }),
            threshold: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
      ),
    ];
    if (settings.alarmTopicArn !== undefined) {
      const action = new SnsAction(Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn));
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    // ---- Outputs ------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API: POST {ApiUrl}/sessions and {ApiUrl}/public-tokens',
      value: this.api.apiEndpoint,
    });
    new CfnOutput(this, 'ClientSecretId', {
      description: 'Secret to set with aws secretsmanager put-secret-value --secret-id <this>',
      value: secretId,
    });
    new CfnOutput(this, 'TokenTableName', {
      description: 'DynamoDB table of user token records (retained when the stack is deleted)',
      value: this.tokenTable.tableName,
    });
    if (settings.jwt === undefined) {
      new CfnOutput(this, 'PublicTokensInvokeArn', {
        description: 'Grant execute-api:Invoke on this ARN to the back ends that may call POST /public-tokens',
        value: this.api.arnForExecuteApi('POST', '/public-tokens', '$default'),
      });
    }
  }
}
