/**
 * The one place that reads local mode's settings (docs/local-mode.md): every
 * environment variable and flag `npm start` uses, validated once, each
 * mistake a {@link ConfigError} naming the variable. Variables that are the
 * functions' own (docs/deploy.md#configuration) are validated by the
 * functions' own {@link readConfig}: at once, and again on the environment
 * local mode finally hands the handlers.
 */

import { resolve } from 'node:path';
import {
  type Config,
  ConfigError,
  DEFAULT_HUMANAPI_TIMEOUT_MS,
  DEFAULT_SECRET_TTL_SECONDS,
  readConfig,
  readNotificationsConfig,
} from '../functions/commons/config.js';
import { allowedOriginProblem } from '../functions/commons/cors-rules.js';
import { LOCAL_TABLE_NAMES } from './dynamodb.js';
import { type IamCredentials, LOCAL_IAM_ACCESS_KEY_ID, LOCAL_IAM_SECRET_ACCESS_KEY } from './iam-authorizer.js';
import { LOCAL_TOKEN_KEY_ID } from './kms.js';

/** Client ID of the app the sandbox knows (40 hex characters, like a real one). */
export const LOCAL_CLIENT_ID = '0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f';
/** Secret ID of the client secret in the local secret store. */
export const LOCAL_SECRET_ID = 'humanapi-connect/client-secret';
/** Secret ID of the notification URL's path secret in the local secret store (generated at the first start). */
export const LOCAL_NOTIFICATIONS_SECRET_ID = 'humanapi-connect/notifications-path-secret';
/** Audience of the development issuer's tokens unless `AUTH_AUDIENCE` says otherwise. */
export const LOCAL_AUTH_AUDIENCE = 'humanapi-connect-local';
/** Default port of the API (`PORT`). */
export const DEFAULT_API_PORT = 3000;
/** Default port of the example front end (`WEB_PORT`). */
export const DEFAULT_WEB_PORT = 3001;
/** The flag that keeps all state in memory instead of `.data/`. */
export const IN_MEMORY_FLAG = '--in-memory';

type Environment = Readonly<Record<string, string | undefined>>;

/** JWT mode's settings: all three of `AUTH_ISSUER`, `AUTH_AUDIENCE`, `AUTH_JWKS_URL` (docs/design.md#caller-identity). */
export interface JwtSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** Claim naming the caller (`AUTH_CLAIM`). @default 'sub' */
  readonly userClaim: string;
}

/** Local mode's validated settings. */
export interface LocalSettings {
  /** Keep DynamoDB, secrets and sandbox state in memory (`--in-memory`). */
  readonly inMemory: boolean;
  /** Port of the API (`PORT`); 0 picks a free one. */
  readonly apiPort: number;
  /** Port of the example front end (`WEB_PORT`); 0 picks a free one. */
  readonly webPort: number;
  /** Origins allowed cross-origin (`CORS_ALLOW_ORIGINS`); `undefined` means the front end's own two. */
  readonly corsAllowOrigins: readonly string[] | undefined;
  /** `HUMANAPI_CLIENT_ID`, or the sandbox's app. */
  readonly clientId: string;
  /** `HUMANAPI_SECRET_ID`, or the local secret store's default. */
  readonly secretId: string;
  /** `NOTIFICATIONS_SECRET_ID`: the notification URL's path secret in the local store. */
  readonly notificationsSecretId: string;
  /** A real (or other) Human API (`HUMANAPI_BASE_URL`); `undefined` means the sandbox serves it. */
  readonly humanApiBaseUrl: string | undefined;
  /** A real (or other) current-generation Human API (`HUMANAPI_AUTH_BASE_URL`); `undefined` means the sandbox serves it. */
  readonly humanApiAuthBaseUrl: string | undefined;
  /** Secret to store for a real Human API (`HUMANAPI_CLIENT_SECRET`). */
  readonly clientSecret: string | undefined;
  /** JWT mode, or `undefined` for "no JWT". */
  readonly jwt: JwtSettings | undefined;

  /** Audience the development issuer signs for (`AUTH_AUDIENCE`). */
  readonly devAudience: string;
  /** DynamoDB table of token records (`TOKENS_TABLE_NAME`). */
  readonly tokensTableName: string;
  /** DynamoDB table of idempotency records (`IDEMPOTENCY_TABLE_NAME`). */
  readonly idempotencyTableName: string;
  /** `AWS_REGION` the SDK clients sign for, and the region local IAM checks signatures for. */
  readonly awsRegion: string;
  /** The local IAM principal (`LOCAL_IAM_ACCESS_KEY_ID` / `LOCAL_IAM_SECRET_ACCESS_KEY`). */
  readonly iamCredentials: IamCredentials;
  /** `POWERTOOLS_METRICS_DISABLED`: no EMF lines locally unless asked for. */
  readonly metricsDisabled: string;
  /**
   * What the terminal shows (`LOG_FORMAT`): `line`, one line per request, or `json`, the
   * functions' Powertools JSON logs as Lambda writes them. @default 'line'
   */
  readonly logFormat: LogFormat;
  /**
   * `POWERTOOLS_LOG_LEVEL` the functions get: as set, else `SILENT` in `line` format (the
   * request lines say what happened) and `INFO` in `json` format.
   */
  readonly functionLogLevel: string;
  /**
   * Which Human Connect the example page opens (`CONNECT_GENERATION`): `v1` (connect.js) or
   * `current` (humanapi-connect-client, tokens from `POST /connect-tokens`). @default 'v1'
   */
  readonly connectGeneration: ConnectGeneration;
  /**
   * A folder of built Lambda bundles (`LOCAL_HANDLER_BUNDLES_DIR`, absolute): each function whose
   * `<folder>/<functionName>/index.mjs` exists is loaded from there instead of its TypeScript
   * source, so tests can run the bytes a deploy ships. `undefined`: the sources.
   */
  readonly handlerBundlesDir?: string | undefined;
}

/** The values of `CONNECT_GENERATION`. */
export const CONNECT_GENERATIONS = ['v1', 'current'] as const;
/** Which Human Connect the example page opens. */
export type ConnectGeneration = (typeof CONNECT_GENERATIONS)[number];

function connectGeneration(env: Environment): ConnectGeneration {
  const raw = optional(env, 'CONNECT_GENERATION');
  if (raw === undefined) return 'v1';
  const generation = CONNECT_GENERATIONS.find((candidate) => candidate === raw.toLowerCase());
  if (generation === undefined) throw new ConfigError('CONNECT_GENERATION', `must be "v1" or "current", got "${raw}"`);
  return generation;
}

/** The values of `LOG_FORMAT`. */
export const LOG_FORMATS = ['line', 'json'] as const;
/** What local mode's terminal shows. */
export type LogFormat = (typeof LOG_FORMATS)[number];

function logFormat(env: Environment): LogFormat {
  const raw = optional(env, 'LOG_FORMAT');
  if (raw === undefined) return 'line';
  const format = LOG_FORMATS.find((candidate) => candidate === raw.toLowerCase());
  if (format === undefined) throw new ConfigError('LOG_FORMAT', `must be "line" or "json", got "${raw}"`);
  return format;
}

function handlerBundlesDir(env: Environment): string | undefined {
  const raw = optional(env, 'LOCAL_HANDLER_BUNDLES_DIR');
  return raw === undefined ? undefined : resolve(raw);
}

function optional(env: Environment, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function port(env: Environment, variable: string, fallback: number): number {
  const raw = optional(env, variable);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ConfigError(variable, `must be a port number from 0 to 65535, got "${raw}"`);
  }
  return value;
}

function httpUrl(variable: string, raw: string): string {
  if (!URL.canParse(raw) || !['http:', 'https:'].includes(new URL(raw).protocol)) {
    throw new ConfigError(variable, `must be an absolute http(s) URL, got "${raw}"`);
  }
  return raw;
}

function origins(env: Environment): readonly string[] | undefined {
  const raw = optional(env, 'CORS_ALLOW_ORIGINS');
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of list) {
    // The stack's own rule (no "*", scheme://host[:port] only), so local mode refuses what a deploy would.
    const problem = allowedOriginProblem(origin);
    if (problem !== undefined) throw new ConfigError('CORS_ALLOW_ORIGINS', problem);
  }
  return list;
}

function jwtSettings(env: Environment): JwtSettings | undefined {
  const issuer = optional(env, 'AUTH_ISSUER');
  const audience = optional(env, 'AUTH_AUDIENCE');
  const jwksUrl = optional(env, 'AUTH_JWKS_URL');
  // AUTH_AUDIENCE alone only changes the development issuer's audience; an
  // issuer or a JWKS URL alone is half a JWT mode, a mistake to name.
  if (issuer === undefined && jwksUrl === undefined) return undefined;
  if (issuer === undefined) throw new ConfigError('AUTH_ISSUER', 'is required when AUTH_JWKS_URL is set');
  if (audience === undefined) throw new ConfigError('AUTH_AUDIENCE', 'is required when AUTH_ISSUER is set');
  if (jwksUrl === undefined) throw new ConfigError('AUTH_JWKS_URL', 'is required when AUTH_ISSUER is set');
  return {
    issuer,
    audience,
    jwksUrl: httpUrl('AUTH_JWKS_URL', jwksUrl),
    userClaim: optional(env, 'AUTH_CLAIM') ?? 'sub',
  };
}

/**
 * Reads and validates local mode's settings.
 *
 * @param env - the environment (`process.env`)
 * @param argv - the command line (`process.argv`), for `--in-memory`
 * @throws {ConfigError} naming the first missing or invalid variable
 */
export function readLocalSettings(env: Environment, argv: readonly string[] = []): LocalSettings {
  const jwt = jwtSettings(env);
  const format = logFormat(env);
  const settings: LocalSettings = {
    inMemory: argv.includes(IN_MEMORY_FLAG),
    apiPort: port(env, 'PORT', DEFAULT_API_PORT),
    webPort: port(env, 'WEB_PORT', DEFAULT_WEB_PORT),
    corsAllowOrigins: origins(env),
    clientId: optional(env, 'HUMANAPI_CLIENT_ID') ?? LOCAL_CLIENT_ID,
    secretId: optional(env, 'HUMANAPI_SECRET_ID') ?? LOCAL_SECRET_ID,
    notificationsSecretId: optional(env, 'NOTIFICATIONS_SECRET_ID') ?? LOCAL_NOTIFICATIONS_SECRET_ID,
    humanApiBaseUrl: optional(env, 'HUMANAPI_BASE_URL'),
    humanApiAuthBaseUrl: optional(env, 'HUMANAPI_AUTH_BASE_URL'),
    clientSecret: optional(env, 'HUMANAPI_CLIENT_SECRET'),
    jwt,

    devAudience: optional(env, 'AUTH_AUDIENCE') ?? LOCAL_AUTH_AUDIENCE,
    tokensTableName: optional(env, 'TOKENS_TABLE_NAME') ?? LOCAL_TABLE_NAMES.tokens,
    idempotencyTableName: optional(env, 'IDEMPOTENCY_TABLE_NAME') ?? LOCAL_TABLE_NAMES.idempotency,
    awsRegion: optional(env, 'AWS_REGION') ?? 'us-east-1',
    metricsDisabled: optional(env, 'POWERTOOLS_METRICS_DISABLED') ?? 'true',
    iamCredentials: {
      accessKeyId: optional(env, 'LOCAL_IAM_ACCESS_KEY_ID') ?? LOCAL_IAM_ACCESS_KEY_ID,
      secretAccessKey: optional(env, 'LOCAL_IAM_SECRET_ACCESS_KEY') ?? LOCAL_IAM_SECRET_ACCESS_KEY,
    },
    logFormat: format,
    connectGeneration: connectGeneration(env),
    handlerBundlesDir: handlerBundlesDir(env),
    functionLogLevel: optional(env, 'POWERTOOLS_LOG_LEVEL') ?? (format === 'line' ? 'SILENT' : 'INFO'),
  };
  // The functions' own variables (HUMANAPI_BASE_URL, HUMANAPI_TIMEOUT_MS, SECRET_TTL_SECONDS, …)
  // are checked by the functions' own rules, now, before a port is bound. The outbox queue's URL
  // names the SQS stand-in's port, bound later: a stand-in URL of the same form is checked here.
  readConfig({ ...env, ...functionVariables(settings), OUTBOX_QUEUE_URL: 'http://127.0.0.1/000000000000/outbox' });
  readNotificationsConfig({
    ...env,
    ...functionVariables(settings),
    NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1/000000000000/notifications.fifo',
  });
  refuseUnworkableHumanApi(env);
  return settings;
}

/**
 * Refuses Human API settings that start but cannot work (docs/local-mode.md#the-terminal), once
 * each variable is well formed. The sandbox plays any `HUMANAPI_CLIENT_ID` and keeps a secret of
 * its own under `HUMANAPI_SECRET_ID`, so both work with it; what cannot work is a Human API other
 * than the sandbox without this app's credentials, or a credential only such an API would use.
 *
 * @throws {ConfigError} naming the variable to set or unset
 */
function refuseUnworkableHumanApi(env: Environment): void {
  const baseUrl = optional(env, 'HUMANAPI_BASE_URL');
  const clientId = optional(env, 'HUMANAPI_CLIENT_ID');
  const clientSecret = optional(env, 'HUMANAPI_CLIENT_SECRET');
  if (baseUrl === undefined) {
    // The sandbox writes its own secret to the local store at start: a given one would be ignored.
    if (clientSecret !== undefined) {
      throw new ConfigError(
        'HUMANAPI_CLIENT_SECRET',
        'is used only with HUMANAPI_BASE_URL: the sandbox has a secret of its own (unset it, or set HUMANAPI_BASE_URL and HUMANAPI_CLIENT_ID for a real Human API)',
      );
    }
    // The current generation's calls would carry the v1 sandbox's secret to that service.
    if (optional(env, 'HUMANAPI_AUTH_BASE_URL') !== undefined) {
      throw new ConfigError(
        'HUMANAPI_AUTH_BASE_URL',
        "is used only with HUMANAPI_BASE_URL: with the v1 sandbox the functions hold the sandbox's secret, which no other auth service accepts (unset it, or set HUMANAPI_BASE_URL, HUMANAPI_CLIENT_ID and HUMANAPI_CLIENT_SECRET too)",
      );
    }
    return;
  }
  if (clientId === undefined && clientSecret === undefined) {
    throw new ConfigError(
      'HUMANAPI_CLIENT_ID',
      "(and HUMANAPI_CLIENT_SECRET) is required when HUMANAPI_BASE_URL is set: a Human API other than the sandbox needs your app's clientId and secret",
    );
  }
  if (clientId === undefined) {
    throw new ConfigError(
      'HUMANAPI_CLIENT_ID',
      "is required when HUMANAPI_BASE_URL is set: the default is the sandbox's app, which only the sandbox knows",
    );
  }
  // Without it the functions read a secret that is not there (503), or one an earlier sandbox run left.
  if (clientSecret === undefined) {
    throw new ConfigError(
      'HUMANAPI_CLIENT_SECRET',
      'is required when HUMANAPI_BASE_URL is set: without it the local secret store holds no secret of your app, so no request could succeed',
    );
  }
}

/** The functions' variables local mode decides (the rest pass through as set). */
function functionVariables(settings: LocalSettings): Record<string, string> {
  return {
    HUMANAPI_CLIENT_ID: settings.clientId,
    HUMANAPI_SECRET_ID: settings.secretId,
    NOTIFICATIONS_SECRET_ID: settings.notificationsSecretId,
    TOKENS_TABLE_NAME: settings.tokensTableName,
    IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
    TOKEN_KEY_ID: LOCAL_TOKEN_KEY_ID,
  };
}

/** Where local mode's stand-ins of AWS and Human API listen, once started. */
export interface LocalEndpoints {
  readonly humanApiBaseUrl: string;
  /** The current-generation sandbox, when it serves (otherwise `HUMANAPI_AUTH_BASE_URL` passes through). */
  readonly humanApiAuthBaseUrl?: string | undefined;
  /** The data API sandbox, when it serves (otherwise `HUMANAPI_DATA_BASE_URL` passes through). */
  readonly humanApiDataBaseUrl?: string | undefined;
  readonly dynamoDbEndpoint: string;
  readonly secretsManagerEndpoint: string;
  readonly kmsEndpoint: string;
  readonly sqsEndpoint: string;
  readonly outboxQueueUrl: string;
  /** Where the drain sets aside the messages it can never apply. */
  readonly rejectedGrantsQueueUrl: string;
  /** The outbox's dead-letter queue, which the redrive moves back. */
  readonly deadLetters: { readonly url: string; readonly arn: string };
  /** The notifications queue (docs/notifications.md). */
  readonly notificationsQueueUrl: string;
}

/**
 * Writes the functions' environment from local mode's settings (the handlers
 * read it at import), then validates it with the functions' own
 * {@link readConfig}, so a bad functions variable (say `HUMANAPI_TIMEOUT_MS`)
 * stops local mode with the same error a cold start would give.
 *
 * @param env - written in place: the handler modules read `process.env`
 * @returns the functions' validated configuration
 * @throws {ConfigError} naming the first invalid functions variable
 */
export function applyFunctionEnvironment(
  env: NodeJS.ProcessEnv,
  settings: LocalSettings,
  endpoints: LocalEndpoints,
): Config {
  Object.assign(env, {
    // The stack always sets these two; so does local mode, so a bundle sees every variable a
    // deployed one does (test/integration/deployed-bundles.test.ts).
    HUMANAPI_TIMEOUT_MS: env.HUMANAPI_TIMEOUT_MS ?? String(DEFAULT_HUMANAPI_TIMEOUT_MS),
    SECRET_TTL_SECONDS: env.SECRET_TTL_SECONDS ?? String(DEFAULT_SECRET_TTL_SECONDS),
    ...functionVariables(settings),
    HUMANAPI_BASE_URL: endpoints.humanApiBaseUrl,
    ...(endpoints.humanApiAuthBaseUrl === undefined ? {} : { HUMANAPI_AUTH_BASE_URL: endpoints.humanApiAuthBaseUrl }),
    ...(endpoints.humanApiDataBaseUrl === undefined ? {} : { HUMANAPI_DATA_BASE_URL: endpoints.humanApiDataBaseUrl }),
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManagerEndpoint,
    AWS_ENDPOINT_URL_KMS: endpoints.kmsEndpoint,
    AWS_ENDPOINT_URL_SQS: endpoints.sqsEndpoint,
    OUTBOX_QUEUE_URL: endpoints.outboxQueueUrl,
    REJECTED_GRANTS_QUEUE_URL: endpoints.rejectedGrantsQueueUrl,
    DEAD_LETTERS_QUEUE_URL: endpoints.deadLetters.url,
    DEAD_LETTERS_QUEUE_ARN: endpoints.deadLetters.arn,
    NOTIFICATIONS_QUEUE_URL: endpoints.notificationsQueueUrl,
    AWS_REGION: settings.awsRegion,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: 'finishSession',
    POWERTOOLS_METRICS_DISABLED: settings.metricsDisabled,
    POWERTOOLS_LOG_LEVEL: settings.functionLogLevel,
    // No X-Ray daemon locally: the tracer would only warn.
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  if (settings.jwt === undefined) delete env.JWT_USER_CLAIM;
  else env.JWT_USER_CLAIM = settings.jwt.userClaim;
  // Local credentials only: a developer's AWS session must never reach the stand-ins' signers.
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  readNotificationsConfig(env);
  return readConfig(env);
}

/** What a running local mode adds to the functions' environment for a team's own service. */
export interface LocalApi {
  /** The API's URL (`LocalMode.apiUrl`). */
  readonly apiUrl: string;
  /** The principal that may sign the IAM routes; `undefined` in JWT mode. */
  readonly iamCredentials: IamCredentials | undefined;
  /** The data API sandbox's base URL while it serves (`LocalMode.humanApiDataBaseUrl`). */
  readonly humanApiDataBaseUrl: string | undefined;
}

/**
 * The environment a team's own service needs to run the package's client (the access-token
 * reader, or the AWS SDK itself) against a running local mode
 * (docs/local-mode.md#running-your-own-service-against-local-mode): the very values
 * {@link applyFunctionEnvironment} handed the functions, read back from `env` and the `config` it
 * returned, plus the API's URL and the IAM principal that signs its IAM routes. The IAM pair is
 * named apart from `AWS_ACCESS_KEY_ID`: locally the API's caller and the SDK's are different
 * principals.
 *
 * @param env - the environment {@link applyFunctionEnvironment} wrote
 * @param config - what it returned
 * @returns the variables, in the order they are shown
 */
export function serviceEnvironment(env: Environment, config: Config, api: LocalApi): Record<string, string> {
  const written = (variable: string): string => {
    const value = env[variable];
    if (value === undefined) throw new Error(`${variable} was not handed to the functions`);
    return value;
  };
  return {
    AWS_REGION: written('AWS_REGION'),
    AWS_ACCESS_KEY_ID: written('AWS_ACCESS_KEY_ID'),
    AWS_SECRET_ACCESS_KEY: written('AWS_SECRET_ACCESS_KEY'),
    // Cleared for the functions; emptied here, so a developer's profile or session in the
    // service's shell does not win over the local credentials (the SDK prefers AWS_PROFILE).
    AWS_PROFILE: '',
    AWS_SESSION_TOKEN: '',
    AWS_ENDPOINT_URL_DYNAMODB: written('AWS_ENDPOINT_URL_DYNAMODB'),
    AWS_ENDPOINT_URL_KMS: written('AWS_ENDPOINT_URL_KMS'),
    AWS_ENDPOINT_URL_SECRETS_MANAGER: written('AWS_ENDPOINT_URL_SECRETS_MANAGER'),
    AWS_ENDPOINT_URL_SQS: written('AWS_ENDPOINT_URL_SQS'),
    TOKENS_TABLE_NAME: config.tokensTableName,
    TOKEN_KEY_ID: config.tokenKeyId,
    HUMANAPI_CLIENT_ID: config.clientId,
    HUMANAPI_SECRET_ID: config.secretId,
    HUMANAPI_AUTH_BASE_URL: config.humanApiAuthBaseUrl,
    ...(api.humanApiDataBaseUrl === undefined ? {} : { HUMANAPI_DATA_BASE_URL: api.humanApiDataBaseUrl }),
    // The team's consumer of notifications reads this queue (docs/notifications.md#consuming-notifications).
    NOTIFICATIONS_QUEUE_URL: written('NOTIFICATIONS_QUEUE_URL'),
    HUMANCONNECT_API_URL: api.apiUrl,
    ...(api.iamCredentials === undefined
      ? {}
      : {
          HUMANCONNECT_IAM_ACCESS_KEY_ID: api.iamCredentials.accessKeyId,
          HUMANCONNECT_IAM_SECRET_ACCESS_KEY: api.iamCredentials.secretAccessKey,
        }),
  };
}

/** A value as POSIX sh reads it: bare when it is plain, else single-quoted. */
function shellValue(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The service environment as a file of `NAME=value` lines, for `set -a; . <file>; set +a`, a
 * dotenv loader or `docker run --env-file`.
 */
export function serviceEnvironmentFile(variables: Readonly<Record<string, string>>): string {
  return [
    '# Local mode for your own service (docs/local-mode.md#running-your-own-service-against-local-mode).',
    '# Rewritten at every npm start: the endpoints change ports. Load it with: set -a; . .data/local-aws.env; set +a',
    ...Object.entries(variables).map(([name, value]) => `${name}=${shellValue(value)}`),
    '',
  ].join('\n');
}

/** The banner's lines of the service environment: related variables share an `export` line. */
const EXPORT_LINES = [
  ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  ['AWS_PROFILE', 'AWS_SESSION_TOKEN'],
  ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_KMS'],
  ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_SQS'],
  ['TOKENS_TABLE_NAME', 'TOKEN_KEY_ID'],
  ['HUMANAPI_CLIENT_ID', 'HUMANAPI_SECRET_ID'],
  ['HUMANAPI_AUTH_BASE_URL'],
  ['HUMANAPI_DATA_BASE_URL'],
  ['NOTIFICATIONS_QUEUE_URL'],
  ['HUMANCONNECT_API_URL'],
  ['HUMANCONNECT_IAM_ACCESS_KEY_ID', 'HUMANCONNECT_IAM_SECRET_ACCESS_KEY'],
] as const;

/** The service environment as `export` lines to paste into a shell. */
export function serviceEnvironmentExports(variables: Readonly<Record<string, string>>): string[] {
  return EXPORT_LINES.flatMap((names) => {
    const present = names.filter((name) => variables[name] !== undefined);
    return present.length === 0
      ? []
      : [`export ${present.map((name) => `${name}=${shellValue(variables[name] ?? '')}`).join(' ')}`];
  });
}
