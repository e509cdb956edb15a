import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidBackendPropsError } from '../../infra/backend-props.js';
import type { ConnectBackendStackProps } from '../../infra/connect-backend-stack.js';
import { ConnectBackendStack } from '../../infra/connect-backend-stack.js';
import { ESM_REQUIRE_BANNER, FUNCTION_ESBUILD_OPTIONS } from '../../infra/function-bundling.js';
import { BASE_PROPS, logicalIdAt, onlyResource, type SynthesizedStack, synthesize } from './stack-fixture.js';

/** Logical IDs of the stateful resources: a change here replaces (or orphans) live data. */
const TOKEN_TABLE_ID = 'TokenTable3625D248';
const IDEMPOTENCY_TABLE_ID = 'IdempotencyTable22A5A209';
const CLIENT_SECRET_ID = 'ClientSecret6773D8CE';
const TOKEN_KEY_ID = 'TokenKey812BBFC4';

const region = { Ref: 'AWS::Region' };

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:humanapi/client-secret-AbC123';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:ops-alarms';

const JWT_PROPS: ConnectBackendStackProps = {
  ...BASE_PROPS,
  jwt: { issuer: 'https://issuer.example.com/', audience: ['connect-web', 'connect-ios'], claim: 'email' },
  secretTtl: Duration.seconds(60),
  humanApiBaseUrl: 'https://humanapi.example.com/',
  humanApiAuthBaseUrl: 'https://auth.humanapi.example.com/',
  humanApiDataBaseUrl: 'https://api.humanapi.example.com/',
  humanApiTimeout: Duration.seconds(5),
  throttle: { rateLimit: 20, burstLimit: 40 },
  logRetention: RetentionDays.THREE_MONTHS,
  alarmTopicArn: TOPIC_ARN,
};

/** esbuild runs twice through npx: seconds each, more on a loaded machine. */
const BUNDLING_TIMEOUT_MS = 120_000;

const getAtt = (id: string, attribute = 'Arn') => ({ 'Fn::GetAtt': [id, attribute] });

interface FunctionResource {
  readonly Properties: {
    readonly Environment: { readonly Variables: Record<string, unknown> };
    readonly Role: unknown;
    readonly [key: string]: unknown;
  };
}

type FunctionName =
  | 'FinishSession'
  | 'RecoverPublicToken'
  | 'ConnectTokens'
  | 'HumanData'
  | 'DeleteUser'
  | 'ReceiveNotification'
  | 'DrainOutbox'
  | 'RedriveOutbox';

/** The functions behind the HTTP API. */
const ROUTE_FUNCTIONS = [
  'FinishSession',
  'RecoverPublicToken',
  'ConnectTokens',
  'HumanData',
  'DeleteUser',
  'ReceiveNotification',
] as const;
/** The route functions of the token table, with the full time budget and the caller's identity: not the notifications receiver. */
const TOKEN_ROUTE_FUNCTIONS = ROUTE_FUNCTIONS.filter((name) => name !== 'ReceiveNotification');

function lambdaFunction(template: Template, name: FunctionName) {
  const id = logicalIdAt(template, `HumanConnectBackend/${name}/Function/Resource`);
  return { id, resource: template.toJSON().Resources[id] as FunctionResource };
}

function routeAuthorization(template: Template) {
  return Object.fromEntries(
    Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((route) => [
      route.Properties.RouteKey,
      { type: route.Properties.AuthorizationType, authorizer: route.Properties.AuthorizerId },
    ]),
  );
}

describe('ConnectBackendStack without jwt (IAM mode, created secret)', () => {
  let synthesized: SynthesizedStack;
  let template: Template;

  beforeAll(() => {
    synthesized = synthesize(BASE_PROPS, { bundle: true });
    template = synthesized.template;
  }, BUNDLING_TIMEOUT_MS);

  it('keeps the logical IDs of the token table, idempotency table and secret', () => {
    expect(logicalIdAt(template, 'HumanConnectBackend/TokenTable/Resource')).toBe(TOKEN_TABLE_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/IdempotencyTable/Resource')).toBe(IDEMPOTENCY_TABLE_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/ClientSecret/Resource')).toBe(CLIENT_SECRET_ID);
  });

  it('creates the token table from the shared definition: on-demand, PITR, deletion protection, retained', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: {
        KeySchema: [{ AttributeName: 'clientUserId', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'clientUserId', AttributeType: 'S' },
          { AttributeName: 'humanId', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'humanId-index',
            KeySchema: [{ AttributeName: 'humanId', KeyType: 'HASH' }],
            // Only what recovery reads; the keys clientUserId and humanId are always projected.
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: ['clientId', 'publicToken', 'publicTokenIssuedAt', 'version'],
            },
          },
        ],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { KMSMasterKeyId: getAtt(TOKEN_KEY_ID) },
          }),
        ],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    const tokenTable = template.toJSON().Resources[TOKEN_TABLE_ID];
    expect(tokenTable.Properties.KeySchema).toEqual([{ AttributeName: 'clientUserId', KeyType: 'HASH' }]);
  });

  it('creates the idempotency table keyed by id with TTL on expiration, on-demand', () => {
    const table = template.toJSON().Resources[IDEMPOTENCY_TABLE_ID];

    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('creates a retained secret holding only the empty placeholder', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { SecretString: '{"clientSecret":""}' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(template.findResources('AWS::SecretsManager::RotationSchedule')).toEqual({});
  });

  it('runs the HTTP functions on nodejs24.x, arm64, 512 MB, with 21 s: two 8 s Human API calls and 5 s of storage', () => {
    for (const name of TOKEN_ROUTE_FUNCTIONS) {
      const { resource } = lambdaFunction(template, name);

      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Handler: 'index.handler',
        Timeout: 21,
        LoggingConfig: {
          LogFormat: 'JSON',
          ApplicationLogLevel: 'INFO',
          LogGroup: { Ref: logicalIdAt(template, `HumanConnectBackend/${name}/LogGroup/Resource`) },
        },
      });
    }
  });

  it('configures the functions through the environment, without JWT_USER_CLAIM', () => {
    const queue = (name: string) => ({ Ref: logicalIdAt(template, `HumanConnectBackend/${name}/Resource`) });
    const ownVariables: Record<string, Record<string, unknown>> = {
      FinishSession: {},
      RecoverPublicToken: {},
      DeleteUser: {},
      DrainOutbox: { REJECTED_GRANTS_QUEUE_URL: queue('OutboxRejectedGrants') },
      RedriveOutbox: {
        DEAD_LETTERS_QUEUE_URL: queue('OutboxDeadLetters'),
        DEAD_LETTERS_QUEUE_ARN: getAtt(logicalIdAt(template, 'HumanConnectBackend/OutboxDeadLetters/Resource')),
      },
    };
    for (const name of ['FinishSession', 'RecoverPublicToken', 'DeleteUser', 'DrainOutbox', 'RedriveOutbox'] as const) {
      const { resource } = lambdaFunction(template, name);

      expect(resource.Properties.Environment.Variables).toEqual({
        ...ownVariables[name],
        HUMANAPI_CLIENT_ID: 'c'.repeat(40),
        HUMANAPI_SECRET_ID: { Ref: CLIENT_SECRET_ID },
        HUMANAPI_BASE_URL: 'https://user.humanapi.co',
        HUMANAPI_TIMEOUT_MS: '8000',
        TOKENS_TABLE_NAME: { Ref: TOKEN_TABLE_ID },
        IDEMPOTENCY_TABLE_NAME: { Ref: IDEMPOTENCY_TABLE_ID },
        SECRET_TTL_SECONDS: '300',
        TOKEN_KEY_ID: getAtt(TOKEN_KEY_ID),
        OUTBOX_QUEUE_URL: { Ref: logicalIdAt(template, 'HumanConnectBackend/Outbox/Resource') },
        POWERTOOLS_SERVICE_NAME: 'humanapi-connect',
        POWERTOOLS_METRICS_NAMESPACE: 'HumanConnect',
      });
    }
  });

  it('tells the data gateway, and only it, Human API\u2019s data origin, and its auth origin to mint with', () => {
    expect(lambdaFunction(template, 'HumanData').resource.Properties.Environment.Variables).toEqual({
      HUMANAPI_CLIENT_ID: 'c'.repeat(40),
      HUMANAPI_SECRET_ID: { Ref: CLIENT_SECRET_ID },
      HUMANAPI_BASE_URL: 'https://user.humanapi.co',
      HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co',
      HUMANAPI_DATA_BASE_URL: 'https://api.humanapi.co',
      HUMANAPI_TIMEOUT_MS: '8000',
      TOKENS_TABLE_NAME: { Ref: TOKEN_TABLE_ID },
      IDEMPOTENCY_TABLE_NAME: { Ref: IDEMPOTENCY_TABLE_ID },
      SECRET_TTL_SECONDS: '300',
      TOKEN_KEY_ID: getAtt(TOKEN_KEY_ID),
      OUTBOX_QUEUE_URL: { Ref: logicalIdAt(template, 'HumanConnectBackend/Outbox/Resource') },
      POWERTOOLS_SERVICE_NAME: 'humanapi-connect',
      POWERTOOLS_METRICS_NAMESPACE: 'HumanConnect',
    });
  });

  it('puts the data gateway\u2019s role, and no other function\u2019s, under the reader path the key policy requires', () => {
    const paths = Object.fromEntries(
      ['FinishSession', 'RecoverPublicToken', 'ConnectTokens', 'HumanData', 'DrainOutbox', 'RedriveOutbox'].map(
        (name) => [
          name,
          template.toJSON().Resources[logicalIdAt(template, `HumanConnectBackend/${name}/Role/Resource`)].Properties
            .Path,
        ],
      ),
    );

    expect(paths).toEqual({
      FinishSession: undefined,
      RecoverPublicToken: undefined,
      ConnectTokens: undefined,
      HumanData: '/humanapi-connect/HumanConnectBackend/access-token-readers/',
      DrainOutbox: undefined,
      RedriveOutbox: undefined,
    });
  });

  it('tells connectTokens Human API\u2019s auth origin', () => {
    expect(lambdaFunction(template, 'ConnectTokens').resource.Properties.Environment.Variables).toEqual({
      HUMANAPI_CLIENT_ID: 'c'.repeat(40),
      HUMANAPI_SECRET_ID: { Ref: CLIENT_SECRET_ID },
      HUMANAPI_BASE_URL: 'https://user.humanapi.co',
      HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co',
      HUMANAPI_TIMEOUT_MS: '8000',
      TOKENS_TABLE_NAME: { Ref: TOKEN_TABLE_ID },
      IDEMPOTENCY_TABLE_NAME: { Ref: IDEMPOTENCY_TABLE_ID },
      SECRET_TTL_SECONDS: '300',
      TOKEN_KEY_ID: getAtt(TOKEN_KEY_ID),
      OUTBOX_QUEUE_URL: { Ref: logicalIdAt(template, 'HumanConnectBackend/Outbox/Resource') },
      POWERTOOLS_SERVICE_NAME: 'humanapi-connect',
      POWERTOOLS_METRICS_NAMESPACE: 'HumanConnect',
    });
  });

  it('keeps every log group for one month by default and deletes it with the stack', () => {
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));

    // The eight functions' and the API's access logs.
    expect(logGroups).toHaveLength(9);
    for (const logGroup of logGroups) {
      expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    }
  });

  it('creates a retained customer-managed key with rotation and an alias (who may use it: test/infra/access/)', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/HumanConnectBackend/tokens',
      TargetKeyId: getAtt(TOKEN_KEY_ID),
    });
  });

  it('encrypts the idempotency table, the secret and every log group with the key', () => {
    const idempotency = template.toJSON().Resources[IDEMPOTENCY_TABLE_ID];
    expect(idempotency.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    expect(idempotency.Properties.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: getAtt(TOKEN_KEY_ID) });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: getAtt(TOKEN_KEY_ID) });
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.KmsKeyId).toEqual(getAtt(TOKEN_KEY_ID));
    }
  });

  it('reserves 50 concurrent executions for each function', () => {
    for (const name of [...ROUTE_FUNCTIONS, 'DrainOutbox', 'RedriveOutbox'] as const) {
      expect(lambdaFunction(template, name).resource.Properties.ReservedConcurrentExecutions).toBe(50);
    }
  });

  it('gives the roles no AWS managed policy and no other policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
    }
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toHaveLength(8);
  });

  it('lets deleteUser write tombstones and remove idempotency records, naming what it may, reading no token, no key, no secret', () => {
    const role = logicalIdAt(template, 'HumanConnectBackend/DeleteUser/Role/Resource');
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((candidate) =>
      JSON.stringify(candidate.Properties.Roles).includes(role),
    );
    const statements = policy?.Properties.PolicyDocument.Statement as { Action: unknown; Condition?: unknown }[];
    const table = (id: string) => ({ Resource: getAtt(id), Effect: 'Allow' });

    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: getAtt(logicalIdAt(template, 'HumanConnectBackend/DeleteUser/LogGroup/Resource')),
      },
      { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      {
        ...table(TOKEN_TABLE_ID),
        Action: 'dynamodb:GetItem',
        Condition: {
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [
              'clientUserId',
              'humanId',
              'accessTokenIssuedAt',
              'publicTokenIssuedAt',
              'mintedAccessTokenIssuedAt',
              'exchangedAt',
              'deletedAt',
              'lastWriteId',
              'version',
              'idempotencyRecords',
            ],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      },
      {
        ...table(TOKEN_TABLE_ID),
        Action: 'dynamodb:UpdateItem',
        Condition: {
          // Token attributes are named to be removed; nothing is ever returned.
          'ForAllValues:StringEquals': {
            'dynamodb:Attributes': [
              'clientUserId',
              'humanId',
              'clientId',
              'accessToken',
              'accessTokenCiphertext',
              'mintedAccessTokenCiphertext',
              'mintedAccessTokenExpiresAt',
              'mintedAccessTokenIssuedAt',
              'accessTokenIssuedAt',
              'publicToken',
              'publicTokenIssuedAt',
              'exchangedAt',
              'connectedAt',
              'reconnectRequired',
              'accessTokenRefusedAt',
              'createdAt',
              'deletedAt',
              'purgeAt',
              'updatedAt',
              'lastWriteId',
              'version',
            ],
          },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
      {
        ...table(IDEMPOTENCY_TABLE_ID),
        Action: 'dynamodb:DeleteItem',
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'status'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
    ]);
  });

  it('answers CORS preflights for the allowed origins with the methods and headers local mode uses', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: ['https://app.example.com', 'http://localhost:3001'],
        AllowMethods: ['POST', 'GET', 'DELETE'],
        AllowHeaders: ['content-type', 'authorization'],
        // A page reads the data gateway's paging headers.
        ExposeHeaders: ['x-total-count', 'link'],
        MaxAge: 600,
        AllowCredentials: Match.absent(),
      },
    });
  });

  it('leaves POST /sessions and POST /notifications/{secret} open and requires AWS_IAM on every other route', () => {
    expect(routeAuthorization(template)).toEqual({
      'POST /sessions': { type: 'NONE', authorizer: undefined },
      'POST /public-tokens': { type: 'AWS_IAM', authorizer: undefined },
      'POST /connect-tokens': { type: 'AWS_IAM', authorizer: undefined },
      'GET /users/{clientUserId}/human/{path+}': { type: 'AWS_IAM', authorizer: undefined },
      'DELETE /users/{clientUserId}': { type: 'AWS_IAM', authorizer: undefined },
      'POST /notifications/{secret}': { type: 'NONE', authorizer: undefined },
    });
    expect(template.findResources('AWS::ApiGatewayV2::Authorizer')).toEqual({});
  });

  it('routes each path to its own function with payload format 2.0', () => {
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));

    expect(integrations.map((integration) => integration.Properties.IntegrationUri).sort()).toEqual(
      [
        getAtt(lambdaFunction(template, 'FinishSession').id),
        getAtt(lambdaFunction(template, 'RecoverPublicToken').id),
        getAtt(lambdaFunction(template, 'ConnectTokens').id),
        getAtt(lambdaFunction(template, 'HumanData').id),
        getAtt(lambdaFunction(template, 'DeleteUser').id),
        getAtt(lambdaFunction(template, 'ReceiveNotification').id),
      ].sort(),
    );
    for (const integration of integrations) {
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    }
  });

  it('serves a $default stage with throttling and JSON access logs to its own log group', () => {
    const { resource } = onlyResource(template, 'AWS::ApiGatewayV2::Stage');
    const properties = (resource as { Properties: Record<string, unknown> }).Properties;
    const accessLogs = properties.AccessLogSettings as { DestinationArn: unknown; Format: string };

    expect(properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    expect(accessLogs.DestinationArn).toEqual(getAtt(logicalIdAt(template, 'HumanConnectBackend/AccessLogs/Resource')));
    const format = JSON.parse(accessLogs.Format) as Record<string, string>;
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      integrationError: '$context.integrationErrorMessage',
    });
    expect(accessLogs.Format).not.toMatch(/header|body|claims/i);
  });

  it('alarms on the 5xx rate, Human API failures and throttles, with no action when no topic is given', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(15);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });

  it('alarms when more than 5 % of at least 10 requests answer 5xx in two consecutive periods', () => {
    const apiId = onlyResource(template, 'AWS::ApiGatewayV2::Api').id;

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests >= 10, 100 * FILL(errors, 0) / requests, 0)', ReturnData: true }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/ApiGateway',
              MetricName: '5xx',
              Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
            },
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/ApiGateway',
              MetricName: 'Count',
              Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
            },
          }),
        }),
      ]),
    });
  });

  it('alarms on the HumanApiFailure metric as Powertools Metrics publishes it', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'HumanConnect',
      MetricName: 'HumanApiFailure',
      Dimensions: [{ Name: 'service', Value: 'humanapi-connect' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms on the data gateway\u2019s upstream failures as Powertools Metrics publishes them', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'HumanConnect',
      MetricName: 'HumanDataUpstreamFailures',
      Dimensions: [{ Name: 'service', Value: 'humanapi-connect' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('keeps the fifteen alarms in one Alarms construct', () => {
    const paths = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) =>
      String(alarm.Metadata['aws:cdk:path']).replace('/Default/', '/'),
    );

    expect(paths.sort()).toEqual([
      'HumanConnectBackend/Alarms/ConnectTokensThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/DeleteUserThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/DrainOutboxThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/FinishSessionThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/HumanApiFailureAlarm/Resource',
      'HumanConnectBackend/Alarms/HumanDataFailureAlarm/Resource',
      'HumanConnectBackend/Alarms/HumanDataThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/NotificationsDeadLettersAlarm/Resource',
      'HumanConnectBackend/Alarms/OutboxDeadLettersAlarm/Resource',
      'HumanConnectBackend/Alarms/OutboxRejectedGrantsAlarm/Resource',
      'HumanConnectBackend/Alarms/ReceiveNotificationThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/RecoverPublicTokenThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/RedriveOutboxThrottlesAlarm/Resource',
      'HumanConnectBackend/Alarms/ServerErrorRateAlarm/Resource',
      'HumanConnectBackend/Alarms/TokenKeyChangedAlarm/Resource',
    ]);
  });

  it('alarms on throttles of each function', () => {
    for (const name of [...ROUTE_FUNCTIONS, 'DrainOutbox', 'RedriveOutbox'] as const) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: lambdaFunction(template, name).id } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('outputs the API URL, the secret to set, the table, the key, the reader path, the key-change queue, the notifications\u2019 and an invoke ARN per IAM route', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(Object.keys(outputs).sort()).toEqual([
      'AccessTokenReaderPath',
      'ApiUrl',
      'ClientSecretId',
      'ConnectTokensInvokeArn',
      'DeleteUserInvokeArn',
      'HumanDataInvokeArn',
      'NotificationsDeadLettersQueueUrl',
      'NotificationsQueueArn',
      'NotificationsQueueUrl',
      'NotificationsSecretArn',
      'NotificationsUrlPrefix',
      'RecoverPublicTokenInvokeArn',
      'TokenKeyArn',
      'TokenKeyChangesQueueUrl',
      'TokenTableArn',
      'TokenTableName',
    ]);
    expect(outputs.AccessTokenReaderPath?.Value).toBe('/humanapi-connect/HumanConnectBackend/access-token-readers/');
    expect(outputs.ApiUrl?.Value).toEqual(getAtt(onlyResource(template, 'AWS::ApiGatewayV2::Api').id, 'ApiEndpoint'));
    expect(outputs.ClientSecretId?.Value).toEqual({ Ref: CLIENT_SECRET_ID });
    expect(JSON.stringify(outputs.RecoverPublicTokenInvokeArn?.Value)).toContain('/$default/POST/public-tokens');
    expect(JSON.stringify(outputs.HumanDataInvokeArn?.Value)).toContain('/$default/GET/users/*/human/*');
    expect(JSON.stringify(outputs.DeleteUserInvokeArn?.Value)).toContain('/$default/DELETE/users/*');
    expect(outputs.ConnectTokensInvokeArn?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          region,
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: onlyResource(template, 'AWS::ApiGatewayV2::Api').id },
          '/$default/POST/connect-tokens',
        ],
      ],
    });
  });

  describe('bundles', () => {
    function bundleOf(name: FunctionName) {
      const { resource } = lambdaFunction(template, name);
      // The asset's S3 key is `<hash>.zip`; the assembly holds it as `asset.<hash>/`.
      const { S3Key } = resource.Properties.Code as { S3Key: string };
      const directory = join(synthesized.assemblyDirectory, `asset.${S3Key.replace(/\.zip$/, '')}`);
      return { directory, code: readFileSync(join(directory, 'index.mjs'), 'utf8') };
    }

    it('ships each function as a minified ESM bundle with the require banner and a linked source map', () => {
      for (const name of ROUTE_FUNCTIONS) {
        const { directory, code } = bundleOf(name);

        expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
        expect(code.trimEnd()).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map$/);
        expect(existsSync(join(directory, 'index.mjs.map'))).toBe(true);
        expect(code).toMatch(/export\s*\{[^}]*as handler/);
        // Minified: a few very long lines (template literals keep theirs), not one statement per line.
        expect(code.split('\n').length).toBeLessThan(100);
      }
    });

    it('bundles the AWS SDK and every other dependency but the declared never-loaded modules', () => {
      for (const name of TOKEN_ROUTE_FUNCTIONS) {
        const { code } = bundleOf(name);
        const staticImports = [...code.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((match) => match[1] ?? '');
        const dynamicImports = [...code.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1] ?? '');

        expect(staticImports.length).toBeGreaterThan(0);
        expect(staticImports.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
        const external: readonly string[] = FUNCTION_ESBUILD_OPTIONS.external;
        expect(dynamicImports.filter((specifier) => !isBuiltin(specifier) && !external.includes(specifier))).toEqual(
          [],
        );
        expect(code).toContain('DynamoDBClient');
      }
    });
  });
});

describe('ConnectBackendStack with jwt', () => {
  let template: Template;

  beforeAll(() => {
    template = synthesize(JWT_PROPS).template;
  });

  it('keeps the logical IDs of the token table, idempotency table and secret', () => {
    expect(logicalIdAt(template, 'HumanConnectBackend/TokenTable/Resource')).toBe(TOKEN_TABLE_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/IdempotencyTable/Resource')).toBe(IDEMPOTENCY_TABLE_ID);
    expect(logicalIdAt(template, 'HumanConnectBackend/ClientSecret/Resource')).toBe(CLIENT_SECRET_ID);
  });

  it('puts one JWT authorizer on every route but Human API\u2019s notifications', () => {
    const authorizer = onlyResource(template, 'AWS::ApiGatewayV2::Authorizer');

    expect((authorizer.resource as { Properties: unknown }).Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['connect-web', 'connect-ios'] },
    });
    expect(routeAuthorization(template)).toEqual({
      'POST /sessions': { type: 'JWT', authorizer: { Ref: authorizer.id } },
      'POST /public-tokens': { type: 'JWT', authorizer: { Ref: authorizer.id } },
      'POST /connect-tokens': { type: 'JWT', authorizer: { Ref: authorizer.id } },
      'GET /users/{clientUserId}/human/{path+}': { type: 'JWT', authorizer: { Ref: authorizer.id } },
      'DELETE /users/{clientUserId}': { type: 'JWT', authorizer: { Ref: authorizer.id } },
      // Human API can carry no JWT: the notification URL's secret proves it, in either mode.
      'POST /notifications/{secret}': { type: 'NONE', authorizer: undefined },
    });
  });

  it('tells the functions the user claim and the custom settings', () => {
    for (const name of TOKEN_ROUTE_FUNCTIONS) {
      const { resource } = lambdaFunction(template, name);

      expect(resource.Properties.Environment.Variables).toMatchObject({
        JWT_USER_CLAIM: 'email',
        SECRET_TTL_SECONDS: '60',
        HUMANAPI_BASE_URL: 'https://humanapi.example.com',
        HUMANAPI_TIMEOUT_MS: '5000',
      });
      expect(resource.Properties.Timeout).toBe(15);
    }
    expect(
      lambdaFunction(template, 'ConnectTokens').resource.Properties.Environment.Variables.HUMANAPI_AUTH_BASE_URL,
    ).toBe('https://auth.humanapi.example.com');
    expect(lambdaFunction(template, 'HumanData').resource.Properties.Environment.Variables).toMatchObject({
      HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.example.com',
      HUMANAPI_DATA_BASE_URL: 'https://api.humanapi.example.com',
    });
  });

  it('applies the throttle and log retention props', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    }
  });

  it('notifies the alarm topic when each alarm goes off and when it recovers', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(15);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([TOPIC_ARN]);
      expect(alarm.Properties.OKActions).toEqual([TOPIC_ARN]);
    }
  });

  it('outputs no IAM invoke ARN', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual([
      'AccessTokenReaderPath',
      'ApiUrl',
      'ClientSecretId',
      'NotificationsDeadLettersQueueUrl',
      'NotificationsQueueArn',
      'NotificationsQueueUrl',
      'NotificationsSecretArn',
      'NotificationsUrlPrefix',
      'TokenKeyArn',
      'TokenKeyChangesQueueUrl',
      'TokenTableArn',
      'TokenTableName',
    ]);
  });
});

describe('ConnectBackendStack with an existing secret', () => {
  /** The secrets the stack creates: with an existing client secret, only the notifications' path secret. */
  const createdSecrets = (template: Template) =>
    Object.values(template.findResources('AWS::SecretsManager::Secret')).map((secret) =>
      String(secret.Metadata['aws:cdk:path']).replace('/Default/', '/'),
    );

  it('hands the functions a secret given by complete ARN, and creates none (reading it: test/infra/access/)', () => {
    const { template } = synthesize({ ...BASE_PROPS, clientSecret: { secretCompleteArn: SECRET_ARN } });

    expect(createdSecrets(template)).toEqual(['HumanConnectBackend/NotificationsPathSecret/Resource']);
    expect(lambdaFunction(template, 'FinishSession').resource.Properties.Environment.Variables.HUMANAPI_SECRET_ID).toBe(
      SECRET_ARN,
    );
  });

  it('hands the functions a secret given by name, and creates none (reading it: test/infra/access/)', () => {
    const { template } = synthesize({ ...BASE_PROPS, clientSecret: { secretName: 'humanapi/client-secret' } });

    expect(createdSecrets(template)).toEqual(['HumanConnectBackend/NotificationsPathSecret/Resource']);
    expect(
      lambdaFunction(template, 'RecoverPublicToken').resource.Properties.Environment.Variables.HUMANAPI_SECRET_ID,
    ).toBe('humanapi/client-secret');
  });
});

describe('ConnectBackendStack with a key given by prop', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';

  it('creates no key and encrypts the tables, the secret and the logs with the given one', () => {
    // An imported key is its ARN, a plain string: any scope can hold the import.
    const tokenKey = Key.fromKeyArn(new Stack(), 'GivenKey', KEY_ARN);
    const { template } = synthesize({ ...BASE_PROPS, tokenKey });

    expect(template.findResources('AWS::KMS::Key')).toEqual({});
    const table = template.toJSON().Resources[TOKEN_TABLE_ID];
    expect(table.Properties.Replicas[0].SSESpecification).toEqual({ KMSMasterKeyId: KEY_ARN });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: KEY_ARN });
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.KmsKeyId).toBe(KEY_ARN);
    }
    expect(lambdaFunction(template, 'FinishSession').resource.Properties.Environment.Variables.TOKEN_KEY_ID).toBe(
      KEY_ARN,
    );
  });
});

describe('ConnectBackendStack reserved concurrency', () => {
  it('reserves the executions the prop asks for', () => {
    const { template } = synthesize({ ...BASE_PROPS, reservedConcurrency: 7 });

    expect(lambdaFunction(template, 'RecoverPublicToken').resource.Properties.ReservedConcurrentExecutions).toBe(7);
  });
});

describe('ConnectBackendStack props that cannot work', () => {
  it('refuses them before building anything (every rule: backend-props.test.ts)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    expect(() => new ConnectBackendStack(app, 'HumanConnectBackend', { ...BASE_PROPS, allowedOrigins: ['*'] })).toThrow(
      InvalidBackendPropsError,
    );
  });
});

describe('the token key watch', () => {
  const { template } = synthesize(BASE_PROPS);

  it('matches changes of the key\u2019s policy, disabling, deletion and rotation, and grants made by a person or role', () => {
    const rule = logicalIdAt(template, 'HumanConnectBackend/TokenKeyWatch/Rule/Resource');

    expect(template.toJSON().Resources[rule].Properties.EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['kms.amazonaws.com'],
        resources: { ARN: [getAtt(TOKEN_KEY_ID)] },
        $or: [
          { eventName: ['PutKeyPolicy', 'DisableKey', 'ScheduleKeyDeletion', 'DisableKeyRotation'] },
          { eventName: ['CreateGrant'], userIdentity: { invokedBy: [{ exists: false }] } },
        ],
      },
    });
  });

  it('keeps each change 14 days in a queue and alarms while one is there', () => {
    const changes = logicalIdAt(template, 'HumanConnectBackend/TokenKeyWatch/Changes/Resource');

    expect(template.toJSON().Resources[changes].Properties).toEqual({
      MessageRetentionPeriod: 1_209_600,
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [changes, 'QueueName'] } }],
      Threshold: 1,
    });
  });
});
