/**
 * The one place that reads the functions' environment (docs/deploy.md#configuration).
 *
 * `readConfig()` validates every variable once, at module load of each Lambda
 * entry, and throws a {@link ConfigError} naming the offending variable, so a
 * misconfigured deployment fails on its first cold start instead of answering
 * odd errors later.
 */
import { HUMAN_API_TIMEOUT_MS_RANGE, SECRET_TTL_SECONDS_RANGE, type WholeNumberRange } from './limits.js';

/** Validated settings shared by both Lambda handlers. */
export interface Config {
  /** Human API client ID of this app (`HUMANAPI_CLIENT_ID`). */
  readonly clientId: string;
  /** Secrets Manager secret ID or ARN holding the app's client secret (`HUMANAPI_SECRET_ID`). */
  readonly secretId: string;
  /** Human API origin, without a trailing slash (`HUMANAPI_BASE_URL`). */
  readonly humanApiBaseUrl: string;
  /** Human API's current-generation auth origin, without a trailing slash (`HUMANAPI_AUTH_BASE_URL`). */
  readonly humanApiAuthBaseUrl: string;
  /** Time allowed for one Human API call (`HUMANAPI_TIMEOUT_MS`). */
  readonly humanApiTimeoutMs: number;
  /** DynamoDB table of user token records (`TOKENS_TABLE_NAME`). */
  readonly tokensTableName: string;
  /** DynamoDB table of idempotency records (`IDEMPOTENCY_TABLE_NAME`). */
  readonly idempotencyTableName: string;
  /** How long the client secret is cached (`SECRET_TTL_SECONDS`). */
  readonly secretTtlSeconds: number;
  /** KMS key (ID, ARN or alias) the access tokens are encrypted with (`TOKEN_KEY_ID`). */
  readonly tokenKeyId: string;
  /** SQS queue of grants whose write failed (`OUTBOX_QUEUE_URL`, docs/design.md#outbox). */
  readonly outboxQueueUrl: string;
  /**
   * JWT claim naming the caller (`JWT_USER_CLAIM`); set only when the HTTP API
   * has a JWT authorizer. `undefined` means "no JWT" identity mode.
   */
  readonly jwtUserClaim: string | undefined;
}

/** A missing or invalid environment variable. */
export class ConfigError extends Error {
  /** The variable at fault. */
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`Environment variable ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** Default Human API origin (docs/design.md#human-api). */
export const DEFAULT_HUMANAPI_BASE_URL = 'https://user.humanapi.co';
/** Default origin of Human API's current-generation token endpoint (docs/design.md#human-api). */
export const DEFAULT_HUMANAPI_AUTH_BASE_URL = 'https://auth.humanapi.co';
/** Default Human API timeout: generous for a sign-in, well inside API Gateway's 30 s. */
export const DEFAULT_HUMANAPI_TIMEOUT_MS = 8000;
/** Default secret cache lifetime (docs/design.md#security-model). */
export const DEFAULT_SECRET_TTL_SECONDS = 300;

type Environment = Readonly<Record<string, string | undefined>>;

function requireString(env: Environment, variable: string): string {
  const value = env[variable]?.trim();
  if (value === undefined || value === '') {
    throw new ConfigError(variable, 'is required but not set');
  }
  return value;
}

function optionalString(env: Environment, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function optionalInteger(env: Environment, variable: string, fallback: number, { min, max }: WholeNumberRange): number {
  const raw = optionalString(env, variable);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(variable, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Whether `hostname` (as `URL` parses it) is this machine: 127.0.0.0/8, `localhost` or `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function requireHttpUrl(env: Environment, variable: string): string {
  const raw = requireString(env, variable);
  if (!URL.canParse(raw) || !['https:', 'http:'].includes(new URL(raw).protocol)) {
    throw new ConfigError(variable, `must be an absolute http(s) URL, got "${raw}"`);
  }
  return raw;
}

function optionalHttpUrl(env: Environment, variable: string, fallback: string): string {
  const raw = optionalString(env, variable) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `must be an absolute URL, got "${raw}"`);
  }
  // Plain http only to this machine (local mode's sandbox): the body carries the client secret.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new ConfigError(variable, `must be an https URL (http only on a loopback host), got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/**
 * Reads and validates the environment.
 *
 * @param env - the environment to read; `process.env` unless a test passes its own
 * @throws {ConfigError} naming the first missing or invalid variable
 */
export function readConfig(env: Environment = process.env): Config {
  return {
    clientId: requireString(env, 'HUMANAPI_CLIENT_ID'),
    secretId: requireString(env, 'HUMANAPI_SECRET_ID'),
    humanApiBaseUrl: optionalHttpUrl(env, 'HUMANAPI_BASE_URL', DEFAULT_HUMANAPI_BASE_URL),
    humanApiAuthBaseUrl: optionalHttpUrl(env, 'HUMANAPI_AUTH_BASE_URL', DEFAULT_HUMANAPI_AUTH_BASE_URL),
    humanApiTimeoutMs: optionalInteger(
      env,
      'HUMANAPI_TIMEOUT_MS',
      DEFAULT_HUMANAPI_TIMEOUT_MS,
      HUMAN_API_TIMEOUT_MS_RANGE,
    ),
    tokensTableName: requireString(env, 'TOKENS_TABLE_NAME'),
    idempotencyTableName: requireString(env, 'IDEMPOTENCY_TABLE_NAME'),
    secretTtlSeconds: optionalInteger(env, 'SECRET_TTL_SECONDS', DEFAULT_SECRET_TTL_SECONDS, SECRET_TTL_SECONDS_RANGE),
    tokenKeyId: requireString(env, 'TOKEN_KEY_ID'),
    outboxQueueUrl: requireHttpUrl(env, 'OUTBOX_QUEUE_URL'),
    jwtUserClaim: optionalString(env, 'JWT_USER_CLAIM'),
  };
}
