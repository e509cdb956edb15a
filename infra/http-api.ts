/**
 * The HTTP API of the stack (docs/api.md): `POST /sessions` to finishSession,
 * `POST /public-tokens` to recoverPublicToken and `POST /connect-tokens` to connectTokens on a `$default` stage with CORS, throttling,
 * per-route metrics and a JSON access log. The constructs are added to the stack's own scope
 * (`HttpApi`, `DefaultStage`, `AccessLogs`), as they were when the stack built them itself.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
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
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_MAX_AGE_SECONDS } from '../functions/commons/cors-rules.js';
import type { ConnectFunction } from './connect-function.js';
import type { StackSettings } from './stack-props.js';

/** The routes, as the dashboard and alarms name them. */
export const API_ROUTES = ['POST /sessions', 'POST /public-tokens', 'POST /connect-tokens'] as const;

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

/** Props of {@link addHttpApi}. */
export interface HttpApiProps {
  readonly settings: StackSettings;
  /** The name of the API (the stack's name). */
  readonly apiName: string;
  /** The key of the access log group. */
  readonly logKey: IKey;
  readonly finishSession: ConnectFunction;
  readonly recoverPublicToken: ConnectFunction;
  readonly connectTokens: ConnectFunction;
}

/** The API and its `$default` stage. */
export interface ConnectHttpApi {
  readonly api: HttpApi;
  readonly stage: HttpStage;
}

/**
 * Adds the API to `scope` (the stack). Without `settings.jwt`, `POST /sessions` is open and
 * `POST /public-tokens` and `POST /connect-tokens` take AWS_IAM; with it, all three take the JWT authorizer
 * (docs/design.md#security-model).
 */
export function addHttpApi(
  scope: Construct,
  { settings, apiName, logKey, finishSession, recoverPublicToken, connectTokens }: HttpApiProps,
): ConnectHttpApi {
  const api = new HttpApi(scope, 'HttpApi', {
    apiName,
    description: 'Human Connect token backend',
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: settings.allowedOrigins,
      allowMethods: CORS_ALLOW_METHODS.map((method) => CorsHttpMethod[method]),
      allowHeaders: [...CORS_ALLOW_HEADERS],
      maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
    },
  });
  const accessLogs = new LogGroup(scope, 'AccessLogs', {
    retention: settings.logRetention,
    encryptionKey: logKey,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = new HttpStage(scope, 'DefaultStage', {
    httpApi: api,
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
  // One authorizer for the routes a trusted back end may call: they name the user in the body.
  const trustedCallerAuthorizer: IHttpRouteAuthorizer = jwtAuthorizer ?? new HttpIamAuthorizer();

  const [sessionsRoute] = api.addRoutes({
    path: '/sessions',
    methods: [HttpMethod.POST],
    integration: new HttpLambdaIntegration('FinishSessionIntegration', finishSession.function),
    ...(sessionsAuthorizer === undefined ? {} : { authorizer: sessionsAuthorizer }),
  });
  api.addRoutes({
    path: '/public-tokens',
    methods: [HttpMethod.POST],
    integration: new HttpLambdaIntegration('RecoverPublicTokenIntegration', recoverPublicToken.function),
    authorizer: trustedCallerAuthorizer,
  });
  api.addRoutes({
    path: '/connect-tokens',
    methods: [HttpMethod.POST],
    integration: new HttpLambdaIntegration('ConnectTokensIntegration', connectTokens.function),
    authorizer: trustedCallerAuthorizer,
  });
  if (sessionsAuthorizer === undefined && sessionsRoute !== undefined) {
    Validations.of(sessionsRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Without the jwt prop, POST /sessions is open by design (docs/design.md#security-model): the caller proves itself with the single-use Human Connect session token, which Human API checks together with the client secret only this backend holds. Set jwt to require a signed-in user.',
    });
  }
  return { api, stage };
}
