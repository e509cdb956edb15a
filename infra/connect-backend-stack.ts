/**
 * The production deployment (docs/deploy.md): the two functions behind an HTTP
 * API, the token and idempotency tables, the client secret, and alarms. The
 * props and their checks are in stack-props.ts, the alarms in alarms.ts.
 */
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
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
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AttributeType,
  Billing,
  ProjectionType,
  TableGrants,
  type TablePropsV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '../functions/commons/cors-rules.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/observability.js';
import {
  HUMAN_ID_INDEX_NAME,
  IDEMPOTENCY_TABLE,
  type KeyAttributeType,
  type TableDefinition,
  TOKEN_TABLE,
} from '../functions/commons/tables.js';
import { RECOVERY_READ_ATTRIBUTES, TOKEN_TABLE_KEY_ATTRIBUTES } from '../functions/commons/token-attributes.js';
import { ConnectAlarms } from './alarms.js';
import { acknowledgeComplianceRule } from './compliance.js';
import { ConnectFunction } from './connect-function.js';
import { ConnectDashboard } from './dashboard.js';
import { FUNCTION_ENTRIES } from './function-bundling.js';
import { refusePlaceholderClientId } from './placeholder-client-id.js';
import { type ConnectBackendStackProps, resolveStackSettings } from './stack-props.js';
import {
  grantAccessTokenEncrypt,
  grantAccessTokenRead,
  grantPublicTokenRecovery,
  grantQueueKeyThroughSqs,
  grantTableKeyThroughDynamoDb,
} from './token-access.js';
import { encryptTableWithKey, TokenKey } from './token-key.js';

/** Time the drain has for one batch of 10 grants (each one UpdateItem, rarely a few more). */
export const OUTBOX_DRAIN_TIMEOUT_SECONDS = 30;
/** Receives after which a queued grant goes to the dead-letter queue (and the alarm goes off). */
export const OUTBOX_MAX_RECEIVE_COUNT = 5;

/** Placeholder value of a secret the stack creates: the functions answer 503 until ops set the real one. */
export const CLIENT_SECRET_PLACEHOLDER = '{"clientSecret":""}';

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
      // The humanId index serves public-token recovery only: it projects what recovery reads,
      // never an access token (docs/security.md).
      ...(index.indexName === HUMAN_ID_INDEX_NAME
        ? {
            projectionType: ProjectionType.INCLUDE,
            nonKeyAttributes: RECOVERY_READ_ATTRIBUTES.filter(
              (name) => !(TOKEN_TABLE_KEY_ATTRIBUTES as readonly string[]).includes(name),
            ),
          }
        : {}),
    })),
    ...(definition.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: definition.timeToLiveAttribute }),
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
  /**
   * The customer-managed key of the tables, the outbox queues, the secret, the log groups and,
   * per record, the access tokens (docs/security.md).
   */
  readonly tokenKey: IKey;
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
  /** The outbox: grants whose token write failed (docs/design.md#outbox). */
  readonly outbox: Queue;
  /** Grants the drain could not apply after 5 receives; alarmed on. */
  readonly outboxDeadLetters: Queue;
  /** Applies queued grants to the token table. */
  readonly drainOutbox: ConnectFunction;
  /** The alarms, all notifying `alarmTopicArn` when given. */
  readonly alarms: readonly Alarm[];
  /** The operators' dashboard (dashboard.ts). */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ConnectBackendStackProps) {
    super(scope, id, props);
    const settings = resolveStackSettings(props);

    // ---- Data -------------------------------------------------------------
    this.tokenKey = new TokenKey(this, 'TokenKey', {
      existingKey: settings.tokenKey,
      alias: `alias/${this.stackName}/tokens`,
    }).key;
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
    encryptTableWithKey(this.tokenTable, this.tokenKey);
    encryptTableWithKey(this.idempotencyTable, this.tokenKey);

    // The outbox (docs/design.md#outbox): 14 days to drain, then a dead-letter queue after 5 receives.
    this.outboxDeadLetters = new Queue(this, 'OutboxDeadLetters', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.tokenKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.outbox = new Queue(this, 'Outbox', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.tokenKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Six times the drain's timeout, as Lambda's SQS event source asks.
      visibilityTimeout: Duration.seconds(6 * OUTBOX_DRAIN_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.outboxDeadLetters, maxReceiveCount: OUTBOX_MAX_RECEIVE_COUNT },
    });

    if (settings.clientSecret === undefined) {
      const secret = new Secret(this, 'ClientSecret', {
        description: 'Human API client secret of the Human Connect backend: {"clientSecret":"..."}',
        // Set once; CloudFormation rewrites it only if this placeholder changes, so ops' value survives updates.
        secretStringValue: SecretValue.unsafePlainText(CLIENT_SECRET_PLACEHOLDER),
        encryptionKey: this.tokenKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const noRotation =
        'Human API client secrets are issued in the Human API developer portal, which offers no API a rotation Lambda could call. Ops rotate by hand with put-secret-value (docs/deploy.md#the-client-secret); the functions pick the new value up without a redeploy.';
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: noRotation });
      acknowledgeComplianceRule(secret, 'SecretsManagerRotationEnabled', noRotation);
      this.clientSecret = secret;
    } else if ('secretName' in settings.clientSecret) {
      this.clientSecret = Secret.fromSecretNameV2(this, 'ImportedClientSecret', settings.clientSecret.secretName);
    } else {
      this.clientSecret = Secret.fromSecretCompleteArn(
        this,
        'ImportedClientSecret',
        settings.clientSecret.secretCompleteArn,
      );
    }

    // ---- Functions ----------------------------------------------------------
    // Name-imported secrets have no full ARN; GetSecretValue takes the name then.
    const secretId = this.clientSecret.secretFullArn ?? this.clientSecret.secretName;
    const environment: Record<string, string> = {
      HUMANAPI_CLIENT_ID: refusePlaceholderClientId(this, settings.clientId),
      HUMANAPI_SECRET_ID: secretId,
      HUMANAPI_BASE_URL: settings.humanApiBaseUrl,
      HUMANAPI_TIMEOUT_MS: String(settings.humanApiTimeoutMs),
      TOKENS_TABLE_NAME: this.tokenTable.tableName,
      IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
      SECRET_TTL_SECONDS: String(settings.secretTtlSeconds),
      TOKEN_KEY_ID: this.tokenKey.keyArn,
      OUTBOX_QUEUE_URL: this.outbox.queueUrl,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(settings.jwt === undefined ? {} : { JWT_USER_CLAIM: settings.jwt.claim }),
    };
    const functionProps = {
      environment,
      timeout: settings.lambdaTimeout,
      logRetention: settings.logRetention,
      logKey: this.tokenKey,
      reservedConcurrency: settings.reservedConcurrency,
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

    this.drainOutbox = new ConnectFunction(this, 'DrainOutbox', {
      ...functionProps,
      timeout: Duration.seconds(OUTBOX_DRAIN_TIMEOUT_SECONDS),
      entry: FUNCTION_ENTRIES.drainOutbox,
      description: 'Outbox: applies queued token grants to the token table, newest token wins',
    });
    // Consume only (receive, delete, change visibility); failed records are reported one by one.
    this.drainOutbox.function.addEventSource(
      new SqsEventSource(this.outbox, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // Exactly the calls each function makes (functions/adapters/token-store.ts,
    // Powertools' DynamoDBPersistenceLayer), on exactly the resources it touches.
    // The token table's own grants also cover `index/*` (it has an index), which
    // neither function needs there: these grants name the table alone.
    const tokenTableOnly = TableGrants.fromTable(this.tokenTable, [], false);
    // GetItem: when the upsert's condition keeps a newer record (or its own committed retry), it is read back.
    tokenTableOnly.actions(this.finishSession.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    this.idempotencyTable.grants.actions(
      this.finishSession.role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    grantTableKeyThroughDynamoDb(this.tokenKey, this.finishSession.role, { write: true });
    grantAccessTokenEncrypt(this.tokenKey, this.finishSession.role);
    // Recovery never sees an access token: attribute-level conditions on the table, Query on
    // humanId-index and nowhere else, and no KMS call of its own.
    grantPublicTokenRecovery(
      this.recoverPublicToken.role,
      this.tokenTable.tableArn,
      `${this.tokenTable.tableArn}/index/${HUMAN_ID_INDEX_NAME}`,
    );
    grantTableKeyThroughDynamoDb(this.tokenKey, this.recoverPublicToken.role, { write: true });
    this.clientSecret.grantRead(this.finishSession.role);
    this.clientSecret.grantRead(this.recoverPublicToken.role);
    // finishSession queues grants (SendMessage only: it cannot receive them back).
    grantQueueKeyThroughSqs(this.tokenKey, this.finishSession.role, { send: true });
    Grant.addToPrincipal({
      grantee: this.finishSession.role,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.outbox.queueArn],
    });
    // The drain writes queued grants with the same upsert (UpdateItem, and GetItem on a lost condition).
    tokenTableOnly.actions(this.drainOutbox.role, 'dynamodb:UpdateItem', 'dynamodb:GetItem');
    grantTableKeyThroughDynamoDb(this.tokenKey, this.drainOutbox.role, { write: true });

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
      encryptionKey: this.tokenKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: settings.throttle,
      // Per-route Count, 4xx, 5xx and Latency for the dashboard (dashboard.ts).
      detailedMetricsEnabled: true,
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
    this.alarms = new ConnectAlarms(this, 'Alarms', {
      api: this.api,
      functions: {
        FinishSession: this.finishSession,
        RecoverPublicToken: this.recoverPublicToken,
        DrainOutbox: this.drainOutbox,
      },
      alarmTopicArn: settings.alarmTopicArn,
      outboxDeadLetters: this.outboxDeadLetters,
    }).alarms;

    // ---- Dashboard ----------------------------------------------------------
    this.dashboard = new ConnectDashboard(this, 'Dashboard', {
      api: this.api,
      stage: this.stage,
      routes: ['POST /sessions', 'POST /public-tokens'],
      functions: { FinishSession: this.finishSession, RecoverPublicToken: this.recoverPublicToken },
    }).dashboard;

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

  /**
   * Lets a service of the team read access tokens with the reader module
   * (functions/reader/read-access-token.ts): `GetItem` on the token table and `kms:Decrypt` of
   * per-record ciphertexts, whose encryption context names the record (docs/security.md).
   * No role of this stack holds it.
   */
  grantAccessTokenRead(grantee: IGrantable): void {
    grantAccessTokenRead(this.tokenKey, this.tokenTable.tableArn, grantee);
  }
}
