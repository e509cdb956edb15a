/**
 * The HTTP API of the backend (docs/api.md): every route of the route table
 * (functions/contract/routes.ts) to its function, on a `$default` stage with CORS, throttling,
 * per-route metrics and a JSON access log. The constructs are added to the backend's own scope
 * (`HttpApi`, `DefaultStage`, `AccessLogs`), so their logical IDs are those the stack always had.
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
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '../functions/commons/cors-rules.js';
import { ROUTES, type Route, type RouteFunctionName, routeKeyOf } from '../functions/contract/routes.js';
import type { BackendFunction } from './backend-function.js';
import type { BackendSettings } from './backend-props.js';

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
  readonly settings: BackendSettings;
  /** The name of the API. */
  readonly apiName: string;
  /** The key of the access log group. */
  readonly logKey: IKey;
  /** The function of each route. */
  readonly functions: Readonly<Record<RouteFunctionName, BackendFunction>>;
}

/** The API and its `$default` stage. */
export interface ConnectHttpApi {
  readonly api: HttpApi;
  readonly stage: HttpStage;
}

/** The name of an integration's construct: the route's function, PascalCase, e.g. `FinishSessionIntegration`. */
const integrationIdOf = (functionName: string) =>
  `${functionName[0]?.toUpperCase()}${functionName.slice(1)}Integration`;

/**
 * Adds the API to `scope` (the backend). Without `settings.jwt`, an `open` route takes no
 * authorizer and an `iam` route takes AWS_IAM; with it, both take the JWT authorizer; a `none`
 * route never takes one (docs/design.md#security-model).
 */
export function addHttpApi(scope: Construct, { settings, apiName, logKey, functions }: HttpApiProps): ConnectHttpApi {
  const api = new HttpApi(scope, 'HttpApi', {
    apiName,
    description: 'Human Connect token backend',
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: settings.allowedOrigins,
      allowMethods: CORS_ALLOW_METHODS.map((method) => CorsHttpMethod[method]),
      allowHeaders: [...CORS_ALLOW_HEADERS],
      exposeHeaders: [...CORS_EXPOSE_HEADERS],
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
  // One IAM authorizer for the routes a trusted back end may call.
  const iamAuthorizer = new HttpIamAuthorizer();
  const authorizerOf = (caller: Route['caller']): IHttpRouteAuthorizer | undefined =>
    caller === 'none' ? undefined : (jwtAuthorizer ?? (caller === 'iam' ? iamAuthorizer : undefined));

  for (const route of ROUTES) {
    const authorizer = authorizerOf(route.caller);
    const [added] = api.addRoutes({
      path: route.path,
      methods: [HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(
        integrationIdOf(route.functionName),
        functions[route.functionName].function,
      ),
      ...(authorizer === undefined ? {} : { authorizer }),
    });
    if (authorizer === undefined && added !== undefined) {
      const reason = OPEN_ROUTE_REASON[route.functionName];
      if (reason === undefined) throw new Error(`${routeKeyOf(route)} has no authorizer and no reason to be open`);
      Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    }
  }
  return { api, stage };
}

/** Why a route without an authorizer is open, by its function (docs/design.md#security-model). */
const OPEN_ROUTE_REASON: Readonly<Partial<Record<RouteFunctionName, string>>> = {
  finishSession:
    'Without the jwt prop, POST /sessions is open by design (docs/design.md#security-model): the caller proves itself with the single-use Human Connect session token, which Human API checks together with the client secret only this backend holds. Set jwt to require a signed-in user.',
  receiveNotification:
    'POST /notifications/{secret} is called by Human API, which can carry neither a JWT nor an AWS signature: the caller proves itself with the secret in the URL path (generated per deployment, compared in constant time) and, when Human API signs, with X-HumanAPI-Signature (docs/notifications.md#verification).',
};
