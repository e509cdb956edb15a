/**
 * The Human Connect token backend as a CDK construct a team adds to any stack of its own app
 * (docs/deploy.md#in-your-own-cdk-app): the functions behind an HTTP API (http-api.ts), the token
 * and idempotency tables, the client secret, the outbox with its drain and redrive (outbox.ts),
 * the key (token-key.ts) and what watches it (key-watch.ts), Human API's notifications' secret
 * and queues (notifications.ts), alarms and a dashboard. The props and their checks are in
 * backend-props.ts; who may do what, in token-access.ts.
 */
import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, TOKEN_TABLE } from '../functions/commons/tables.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../functions/commons/telemetry.js';
import { ROUTES, type RouteFunctionName, routeKeyOf } from '../functions/contract/routes.js';
import { ConnectAlarms } from './alarms.js';
import { BackendFunction } from './backend-function.js';
import { type HumanConnectBackendProps, resolveBackendSettings } from './backend-props.js';
import { addClientSecret } from './client-secret.js';
import { ConnectDashboard } from './dashboard.js';
import { dataGatewayEnvironment } from './data-gateway.js';
import { addHttpApi } from './http-api.js';
import { TokenKeyWatch } from './key-watch.js';
import { addNotifications, grantNotificationsConsume } from './notifications.js';
import { addOutboxFunctions, addOutboxQueues } from './outbox.js';
import { refusePlaceholderClientId } from './placeholder-client-id.js';
import { grantRouteFunctions } from './route-grants.js';
import { tablePropsOf } from './tables.js';
import { type ClientSecretKeyed, grantAccessTokenRead } from './token-access.js';
import { encryptTableWithKey, readerPathOf, TokenKey } from './token-key.js';

/** A construct ID from a function name: `finishSession` → `FinishSession`. */
const constructIdOf = (functionName: string) => `${functionName[0]?.toUpperCase()}${functionName.slice(1)}`;

/**
 * The Human Connect token backend: the routes of functions/contract/routes.ts on an HTTP API
 * (docs/api.md), the token vault behind them, and its operations (docs/deploy.md).
 */
export class HumanConnectBackend extends Construct {
  /**
   * The customer-managed key of the tables, the outbox queues, the secret, the log groups and,
   * per record, the access tokens (docs/security.md).
   */
  readonly tokenKey: IKey;
  /** The IAM path of the roles that may decrypt access tokens (docs/security.md#who-can-decrypt). */
  readonly readerPath: string;
  /** The user token table (retained, PITR, deletion protection). */
  readonly tokenTable: TableV2;
  /** Powertools Idempotency records of `POST /sessions`. */
  readonly idempotencyTable: TableV2;
  /** The secret holding the app's client secret. */
  readonly clientSecret: ISecret;
  /** The ID or ARN the functions read the secret by (`put-secret-value --secret-id`). */
  readonly clientSecretId: string;
  /** The HTTP API. */
  readonly api: HttpApi;
  /** The API's `$default` stage. */
  readonly stage: HttpStage;
  /** The function of each route. */
  readonly routeFunctions: Readonly<Record<RouteFunctionName, BackendFunction>>;
  /** The outbox: grants whose token write failed (docs/design.md#outbox). */
  readonly outbox: Queue;
  /** Grants the drain could not write after 5 receives: redriven, alarmed on. */
  readonly outboxDeadLetters: Queue;
  /** Messages the drain can never apply: kept, alarmed on, never redriven. */
  readonly outboxRejectedGrants: Queue;
  /** Applies queued grants to the token table. */
  readonly drainOutbox: BackendFunction;
  /** Moves dead-lettered grants back to the outbox once the table answers. */
  readonly redriveOutbox: BackendFunction;
  /** The record of changes to the token key (key-watch.ts). */
  readonly tokenKeyChanges: Queue;
  /** Verified Human API notifications, as hints: the FIFO queue the team's consumers read (docs/notifications.md). */
  readonly notifications: Queue;
  /** Notifications a consumer failed 5 times: alarmed on. */
  readonly notificationsDeadLetters: Queue;
  /** The secret in the notification URL's path (generated; output its ARN, never its value). */
  readonly notificationsPathSecret: Secret;
  /** The alarms, all notifying `alarmTopicArn` when given. */
  readonly alarms: readonly Alarm[];
  /** The operators' dashboard (dashboard.ts). */
  readonly dashboard: Dashboard;

  private readonly tokenKeyReaders: TokenKey;
  private readonly clientSecretKeyed: ClientSecretKeyed;

  /** @throws {InvalidBackendPropsError} naming the first prop that cannot work */
  constructor(scope: Construct, id: string, props: HumanConnectBackendProps) {
    super(scope, id);
    const settings = resolveBackendSettings(props);
    const backendId = Names.uniqueId(this);

    // ---- Data -------------------------------------------------------------
    this.readerPath = readerPathOf(this);
    this.tokenKeyReaders = new TokenKey(this, 'TokenKey', {
      existingKey: settings.tokenKey,
      alias: `alias/${backendId}/tokens`,
      readerPath: this.readerPath,
    });
    this.tokenKey = this.tokenKeyReaders.key;
    this.tokenTable = new TableV2(this, 'TokenTable', {
      ...tablePropsOf(TOKEN_TABLE),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No PITR and no retention: records expire after an hour and only short-circuit replays.
    this.idempotencyTable = new TableV2(this, 'IdempotencyTable', {
      ...tablePropsOf(IDEMPOTENCY_TABLE),
      billing: Billing.onDemand(),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    encryptTableWithKey(this.tokenTable, this.tokenKey);
    encryptTableWithKey(this.idempotencyTable, this.tokenKey);

    const queues = addOutboxQueues(this, this.tokenKey);
    this.outbox = queues.outbox;
    this.outboxDeadLetters = queues.deadLetters;
    this.outboxRejectedGrants = queues.rejected;
    ({
      queue: this.notifications,
      deadLetters: this.notificationsDeadLetters,
      pathSecret: this.notificationsPathSecret,
    } = addNotifications(this, this.tokenKey));

    this.clientSecret = addClientSecret(this, settings.clientSecret, this.tokenKey);
    const givenSecretKey = settings.clientSecret?.encryptionKeyArn;
    this.clientSecretKeyed = {
      secret: this.clientSecret,
      key:
        settings.clientSecret === undefined
          ? this.tokenKey
          : givenSecretKey === undefined
            ? undefined
            : Key.fromKeyArn(this, 'ClientSecretKey', givenSecretKey),
    };
    // Name-imported secrets have no full ARN; GetSecretValue takes the name then.
    this.clientSecretId = this.clientSecret.secretFullArn ?? this.clientSecret.secretName;

    // ---- Functions ----------------------------------------------------------
    const environment: Record<string, string> = {
      HUMANAPI_CLIENT_ID: refusePlaceholderClientId(this, settings.clientId),
      HUMANAPI_SECRET_ID: this.clientSecretId,
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
    // Only connectTokens and the data gateway call Human API's current-generation auth origin.
    const extraEnvironment: Partial<Record<RouteFunctionName, Record<string, string>>> = {
      connectTokens: { HUMANAPI_AUTH_BASE_URL: settings.humanApiAuthBaseUrl },
      humanData: dataGatewayEnvironment(settings),
    };
    // The notifications receiver knows only its secrets and its queue: no table, key or Human API URL.
    const ownEnvironment: Partial<Record<RouteFunctionName, Record<string, string>>> = {
      receiveNotification: {
        NOTIFICATIONS_SECRET_ID: this.notificationsPathSecret.secretArn,
        NOTIFICATIONS_QUEUE_URL: this.notifications.queueUrl,
        HUMANAPI_SECRET_ID: this.clientSecretId,
        SECRET_TTL_SECONDS: String(settings.secretTtlSeconds),
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
    };
    // Human API waits 3 s for a notification's 200: a slow dependency must end in the receiver's
    // own 503 (Human API retries), never in a Lambda timeout.
    const timeoutOf: Partial<Record<RouteFunctionName, Duration>> = { receiveNotification: Duration.seconds(10) };
    this.routeFunctions = Object.fromEntries(
      ROUTES.map(({ functionName, ...route }) => [
        functionName,
        new BackendFunction(this, constructIdOf(functionName), {
          ...functionProps,
          environment: ownEnvironment[functionName] ?? { ...environment, ...extraEnvironment[functionName] },
          timeout: timeoutOf[functionName] ?? functionProps.timeout,
          invokedBy: 'http-api',
          functionName,
          // What it does, for the console: the route table's own words.
          description: `${routeKeyOf(route)}: ${route.summary}`,
        }),
      ]),
    ) as Record<RouteFunctionName, BackendFunction>;
    ({ drain: this.drainOutbox, redrive: this.redriveOutbox } = addOutboxFunctions(this, {
      ...functionProps,
      queues,
      key: this.tokenKey,
      tokenTable: this.tokenTable,
    }));
    grantRouteFunctions(this.routeFunctions, {
      tokenTable: this.tokenTable,
      idempotencyTable: this.idempotencyTable,
      tokenKey: this.tokenKey,
      outbox: this.outbox,
      clientSecret: this.clientSecretKeyed,
      accessTokens: this.accessTokenResources(),
      notifications: this.notifications,
      notificationsPathSecret: this.notificationsPathSecret,
    });

    // ---- HTTP API, detection, alarms, dashboard ------------------------------
    ({ api: this.api, stage: this.stage } = addHttpApi(this, {
      settings,
      apiName: backendId,
      logKey: this.tokenKey,
      functions: this.routeFunctions,
    }));
    // What the backend cannot prevent, it detects: changes to the key.
    this.tokenKeyChanges = new TokenKeyWatch(this, 'TokenKeyWatch', { key: this.tokenKey }).changes;
    const watched = {
      ...Object.fromEntries(Object.entries(this.routeFunctions).map(([name, fn]) => [constructIdOf(name), fn])),
      DrainOutbox: this.drainOutbox,
      RedriveOutbox: this.redriveOutbox,
    };
    this.alarms = new ConnectAlarms(this, 'Alarms', {
      api: this.api,
      functions: watched,
      alarmTopicArn: settings.alarmTopicArn,
      outboxDeadLetters: this.outboxDeadLetters,
      outboxRejectedGrants: this.outboxRejectedGrants,
      tokenKeyChanges: this.tokenKeyChanges,
      notificationsDeadLetters: this.notificationsDeadLetters,
    }).alarms;
    this.dashboard = new ConnectDashboard(this, 'Dashboard', {
      api: this.api,
      stage: this.stage,
      routes: ROUTES.map(routeKeyOf),
      functions: watched,
      outboxQueue: this.outbox,
      deadLetterQueue: this.outboxDeadLetters,
    }).dashboard;
  }

  /**
   * Lets `grantee` (a consumer of the team's, in this account) read the notifications queue
   * (docs/notifications.md#consuming-notifications): receive, delete and change the visibility of
   * its messages, with the queue key through SQS. Nothing of the token table or its tokens: the
   * consumer re-fetches through the data gateway.
   */
  grantNotificationsConsume(grantee: IGrantable): void {
    grantNotificationsConsume({ queue: this.notifications }, this.tokenKey, grantee);
  }

  /**
   * Lets a service of the team read access tokens with the reader module
   * (functions/reader/read-access-token.ts), in this stack, another stack of the app, or another
   * account (docs/security.md#granting-a-service): a role of this app is put under the backend's
   * reader path, a role imported by ARN is named in the key, table and secret policies. Of the
   * backend's functions, only the data gateway holds it.
   */
  grantAccessTokenRead(grantee: IGrantable): void {
    grantAccessTokenRead(this.accessTokenResources(), grantee);
  }

  private accessTokenResources() {
    return { tokenKey: this.tokenKeyReaders, tokenTable: this.tokenTable, clientSecret: this.clientSecretKeyed };
  }

  /**
   * Lets `grantee` (the team's app back end) call the routes that require AWS IAM without a JWT
   * authorizer (docs/api.md#identity-modes): `execute-api:Invoke` on each, or on the ones named.
   * With the `jwt` prop these routes take a JWT instead, and the grant changes nothing.
   */
  grantIamRoutes(grantee: IGrantable, ...functionNames: RouteFunctionName[]): void {
    const routes = ROUTES.filter(
      (route) => route.caller === 'iam' && (functionNames.length === 0 || functionNames.includes(route.functionName)),
    );
    Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: routes.map((route) =>
        this.api.arnForExecuteApi(route.method, route.path.replace(/\{[^}]+\}/g, '*'), this.stage.stageName),
      ),
    });
  }

  /** The base URL of the API (`{ApiUrl}/sessions`, …). */
  get apiUrl(): string {
    return this.api.apiEndpoint;
  }
}
