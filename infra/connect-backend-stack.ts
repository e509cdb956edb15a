/**
 * The production deployment (docs/deploy.md): the functions behind an HTTP API (http-api.ts),
 * the token and idempotency tables, the client secret, the outbox with its drain (outbox.ts),
 * the key (token-key.ts), alarms and a dashboard. The props and their checks are in
 * stack-props.ts, the alarms in alarms.ts.
 */
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import {
  AttributeType,
  Billing,
  ProjectionType,
  TableGrants,
  type TablePropsV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { RECOVERY_READ_ATTRIBUTES, TOKEN_TABLE_KEY_ATTRIBUTES } from '../functions/adapters/token-table/attributes.js';
import {
  HUMAN_ID_INDEX_NAME,
  IDEMPOTENCY_TABLE,
  type KeyAttributeType,
  type TableDefinition,
  TOKEN_TABLE,
} from '../functions/commons/tables.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/telemetry.js';
import { ConnectAlarms } from './alarms.js';
import { addClientSecret } from './client-secret.js';
import { ConnectFunction } from './connect-function.js';
import { ConnectDashboard } from './dashboard.js';
import { FUNCTION_ENTRIES } from './function-bundling.js';
import { API_ROUTES, addHttpApi } from './http-api.js';
import { TokenKeyWatch } from './key-watch.js';
import { addOutboxDrain, addOutboxQueues, grantOutboxSend } from './outbox.js';
import { refusePlaceholderClientId } from './placeholder-client-id.js';
import { type ConnectBackendStackProps, resolveStackSettings } from './stack-props.js';
import {
  type ClientSecretKeyed,
  grantAccessTokenEncrypt,
  grantAccessTokenRead,
  grantClientSecretRead,
  grantConnectUserAccess,
  grantKeyThroughService,
  grantPublicTokenRecovery,
} from './token-access.js';
import { encryptTableWithKey, readerPathOf, TokenKey } from './token-key.js';

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

/**
 * The Human Connect token backend: `POST /sessions` (finishSession), `POST /public-tokens`
 * (recoverPublicToken) and `POST /connect-tokens` (connectTokens) on an HTTP API.
 */
export class ConnectBackendStack extends Stack {
  /**
   * The customer-managed key of the tables, the outbox queues, the secret, the log groups and,
   * per record, the access tokens (docs/security.md).
   */
  readonly tokenKey: IKey;
  /** The key and the readers it lets decrypt access tokens (docs/security.md#who-can-decrypt). */
  private readonly tokenKeyReaders: TokenKey;
  /** The client secret with its key, as the grants name them. */
  private readonly clientSecretKeyed: ClientSecretKeyed;
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
  /** `POST /connect-tokens`. */
  readonly connectTokens: ConnectFunction;
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
    this.tokenKeyReaders = new TokenKey(this, 'TokenKey', {
      existingKey: settings.tokenKey,
      alias: `alias/${this.stackName}/tokens`,
      readerPath: readerPathOf(this),
    });
    this.tokenKey = this.tokenKeyReaders.key;
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
    const queues = addOutboxQueues(this, this.tokenKey);
    this.outbox = queues.outbox;
    this.outboxDeadLetters = queues.deadLetters;

    this.clientSecret = addClientSecret(this, settings.clientSecret, this.tokenKey);
    this.clientSecretKeyed = {
      secret: this.clientSecret,
      key:
        settings.clientSecret === undefined
          ? this.tokenKey
          : settings.clientSecret.encryptionKeyArn === undefined
            ? undefined
            : Key.fromKeyArn(this, 'ClientSecretKey', settings.clientSecret.encryptionKeyArn),
    };

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
      invokedBy: 'http-api',
      entry: FUNCTION_ENTRIES.finishSession,
      description: 'POST /sessions: exchanges a Human Connect session token and stores the user tokens',
    });
    this.recoverPublicToken = new ConnectFunction(this, 'RecoverPublicToken', {
      ...functionProps,
      invokedBy: 'http-api',
      entry: FUNCTION_ENTRIES.recoverPublicToken,
      description: "POST /public-tokens: returns a returning user's stored or fresh publicToken",
    });
    this.connectTokens = new ConnectFunction(this, 'ConnectTokens', {
      ...functionProps,
      // Only this function calls Human API's current-generation auth origin.
      environment: { ...environment, HUMANAPI_AUTH_BASE_URL: settings.humanApiAuthBaseUrl },
      invokedBy: 'http-api',
      entry: FUNCTION_ENTRIES.connectTokens,
      description: 'POST /connect-tokens: mints the token a current-generation Human Connect opens with',
    });

    this.drainOutbox = addOutboxDrain(this, {
      ...functionProps,
      queues,
      key: this.tokenKey,
      tokenTable: this.tokenTable,
    });

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
    grantKeyThroughService(this.tokenKey, this.finishSession.role, 'dynamodb', { write: true });
    grantAccessTokenEncrypt(this.tokenKey, this.finishSession.role);
    // Recovery never sees an access token: attribute-level conditions on the table, Query on
    // humanId-index and nowhere else, and no KMS call of its own.
    grantPublicTokenRecovery(
      this.recoverPublicToken.role,
      this.tokenTable.tableArn,
      `${this.tokenTable.tableArn}/index/${HUMAN_ID_INDEX_NAME}`,
    );
    grantKeyThroughService(this.tokenKey, this.recoverPublicToken.role, 'dynamodb', { write: true });
    // connectTokens reads a user's humanId and connection markers and records them: attribute-level
    // conditions on the table alone, no index, no KMS call of its own.
    grantConnectUserAccess(this.connectTokens.role, this.tokenTable.tableArn);
    grantKeyThroughService(this.tokenKey, this.connectTokens.role, 'dynamodb', { write: true });
    for (const reader of [this.finishSession, this.recoverPublicToken, this.connectTokens]) {
      grantClientSecretRead(this.clientSecretKeyed, reader.role);
    }
    // finishSession queues grants (SendMessage only: it cannot receive them back).
    grantOutboxSend(queues, this.tokenKey, this.finishSession.role);

    // ---- HTTP API -----------------------------------------------------------
    ({ api: this.api, stage: this.stage } = addHttpApi(this, {
      settings,
      apiName: this.stackName,
      logKey: this.tokenKey,
      finishSession: this.finishSession,
      recoverPublicToken: this.recoverPublicToken,
      connectTokens: this.connectTokens,
    }));

    // ---- Alarms -------------------------------------------------------------
    // What the stack cannot prevent, it detects: changes to the key (key-watch.ts).
    const keyWatch = new TokenKeyWatch(this, 'TokenKeyWatch', { key: this.tokenKey });
    this.alarms = new ConnectAlarms(this, 'Alarms', {
      tokenKeyChanges: keyWatch.changes,
      api: this.api,
      functions: {
        FinishSession: this.finishSession,
        RecoverPublicToken: this.recoverPublicToken,
        ConnectTokens: this.connectTokens,
        DrainOutbox: this.drainOutbox,
      },
      alarmTopicArn: settings.alarmTopicArn,
      outboxDeadLetters: this.outboxDeadLetters,
    }).alarms;

    // ---- Dashboard ----------------------------------------------------------
    this.dashboard = new ConnectDashboard(this, 'Dashboard', {
      api: this.api,
      stage: this.stage,
      routes: API_ROUTES,
      functions: {
        FinishSession: this.finishSession,
        RecoverPublicToken: this.recoverPublicToken,
        ConnectTokens: this.connectTokens,
        DrainOutbox: this.drainOutbox,
      },
      outboxQueue: this.outbox,
      deadLetterQueue: this.outboxDeadLetters,
    }).dashboard;

    // ---- Outputs ------------------------------------------------------------
    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the API: POST {ApiUrl}/sessions, {ApiUrl}/public-tokens and {ApiUrl}/connect-tokens',
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
      new CfnOutput(this, 'ConnectTokensInvokeArn', {
        description: 'Grant execute-api:Invoke on this ARN to the back ends that may call POST /connect-tokens',
        value: this.api.arnForExecuteApi('POST', '/connect-tokens', '$default'),
      });
    }
  }

  /**
   * Lets a service of the team read access tokens with the reader module
   * (functions/reader/read-access-token.ts), in this stack, another stack of the app, or another
   * account (docs/security.md#granting-a-service): a role of this app is put under the backend's
   * reader path, a role imported by ARN is named in the key, table and secret policies. No role
   * of this stack holds it.
   */
  grantAccessTokenRead(grantee: IGrantable): void {
    grantAccessTokenRead(
      { tokenKey: this.tokenKeyReaders, tokenTable: this.tokenTable, clientSecret: this.clientSecretKeyed },
      grantee,
    );
  }
}
