/**
 * The one reader of the environment (docs/deploy.md#configuration): the functions' settings
 * (`readConfig`), the access-token reader's (`readReaderConfig`), and the variable rules local
 * mode's own settings use too (`Variables`), so a value valid in one place is valid in all.
 *
 * Every variable is validated once, when read, and a mistake is a {@link ConfigError} naming the
 * variable: a misconfigured deployment fails on its first cold start instead of answering odd
 * errors later.
 */
import { HUMAN_API_TIMEOUT_MS_RANGE, SECRET_TTL_SECONDS_RANGE, type WholeNumberRange } from './limits.js';

/** Validated settings shared by the Lambda functions. */
export interface Config {
  /** Human API client ID of this app (`HUMANAPI_CLIENT_ID`). */
  readonly clientId: string;
  /** Secrets Manager secret ID or ARN holding the app's client secret (`HUMANAPI_SECRET_ID`). */
  readonly secretId: string;
  /** Human API origin, without a trailing slash (`HUMANAPI_BASE_URL`). */
  readonly humanApiBaseUrl: string;
  /** Human API's current-generation auth origin, without a trailing slash (`HUMANAPI_AUTH_BASE_URL`). */
  readonly humanApiAuthBaseUrl: string;
  /** Human API's data API origin, without a trailing slash (`HUMANAPI_DATA_BASE_URL`; the data gateway's). */
  readonly humanApiDataBaseUrl: string;
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
  /** SQS queue of queued messages the drain rejected (`REJECTED_GRANTS_QUEUE_URL`; the drain's). */
  readonly rejectedGrantsQueueUrl: string | undefined;
  /** The outbox's dead-letter queue (`DEAD_LETTERS_QUEUE_URL` and `_ARN`; the redrive's). */
  readonly deadLetterQueue: { readonly url: string; readonly arn: string } | undefined;
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
/** Default origin of Human API's data API, which the data gateway calls (docs/design.md#human-api). */
export const DEFAULT_HUMANAPI_DATA_BASE_URL = 'https://api.humanapi.co';
/** Default Human API timeout: generous for a sign-in, well inside API Gateway's 30 s. */
export const DEFAULT_HUMANAPI_TIMEOUT_MS = 8000;
/** Default secret cache lifetime (docs/design.md#security-model). */
export const DEFAULT_SECRET_TTL_SECONDS = 300;

/** An environment: `process.env`, or what a test or local mode hands in. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Whether `hostname` (as `URL` parses it) is this machine: 127.0.0.0/8, `localhost` or `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The rules every variable is read with: trimmed, empty counts as unset, mistakes named. */
export class Variables {
  constructor(private readonly env: Environment) {}

  /** A set, non-empty string. */
  require(variable: string): string {
    const value = this.optional(variable);
    if (value === undefined) throw new ConfigError(variable, 'is required but not set');
    return value;
  }

  /** A string, or `undefined` when unset or empty. */
  optional(variable: string): string | undefined {
    const value = this.env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  /** A whole number within `range`, or `fallback` when unset. */
  integer(variable: string, fallback: number, { min, max }: WholeNumberRange): number {
    const raw = this.optional(variable);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(variable, `must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  }

  /** An absolute http(s) URL (an AWS endpoint, a queue URL). */
  httpUrl(variable: string): string {
    const raw = this.require(variable);
    if (!URL.canParse(raw) || !['https:', 'http:'].includes(new URL(raw).protocol)) {
      throw new ConfigError(variable, `must be an absolute http(s) URL, got "${raw}"`);
    }
    return raw;
  }

  /**
   * A Human API origin, `fallback` when unset, without a trailing slash: https, or plain http to
   * this machine only (local mode's sandbox), since requests carry the client secret or a token.
   */
  humanApiUrl(variable: string, fallback: string): string {
    const raw = this.optional(variable) ?? fallback;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(variable, `must be an absolute URL, got "${raw}"`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new ConfigError(variable, `must be an https URL (http only on a loopback host), got "${raw}"`);
    }
    return raw.replace(/\/+$/, '');
  }
}

/**
 * Reads and validates the functions' environment.
 *
 * @param env - the environment to read; `process.env` unless a test passes its own
 * @throws {ConfigError} naming the first missing or invalid variable
 */
export function readConfig(env: Environment = process.env): Config {
  const variables = new Variables(env);
  return {
    clientId: variables.require('HUMANAPI_CLIENT_ID'),
    secretId: variables.require('HUMANAPI_SECRET_ID'),
    humanApiBaseUrl: variables.humanApiUrl('HUMANAPI_BASE_URL', DEFAULT_HUMANAPI_BASE_URL),
    humanApiAuthBaseUrl: variables.humanApiUrl('HUMANAPI_AUTH_BASE_URL', DEFAULT_HUMANAPI_AUTH_BASE_URL),
    humanApiDataBaseUrl: variables.humanApiUrl('HUMANAPI_DATA_BASE_URL', DEFAULT_HUMANAPI_DATA_BASE_URL),
    humanApiTimeoutMs: variables.integer(
      'HUMANAPI_TIMEOUT_MS',
      DEFAULT_HUMANAPI_TIMEOUT_MS,
      HUMAN_API_TIMEOUT_MS_RANGE,
    ),
    tokensTableName: variables.require('TOKENS_TABLE_NAME'),
    idempotencyTableName: variables.require('IDEMPOTENCY_TABLE_NAME'),
    secretTtlSeconds: variables.integer('SECRET_TTL_SECONDS', DEFAULT_SECRET_TTL_SECONDS, SECRET_TTL_SECONDS_RANGE),
    tokenKeyId: variables.require('TOKEN_KEY_ID'),
    outboxQueueUrl: variables.httpUrl('OUTBOX_QUEUE_URL'),
    rejectedGrantsQueueUrl: variables.optional('REJECTED_GRANTS_QUEUE_URL'),
    deadLetterQueue:
      variables.optional('DEAD_LETTERS_QUEUE_URL') === undefined
        ? undefined
        : { url: variables.httpUrl('DEAD_LETTERS_QUEUE_URL'), arn: variables.require('DEAD_LETTERS_QUEUE_ARN') },
    jwtUserClaim: variables.optional('JWT_USER_CLAIM'),
  };
}

/** The access-token reader's settings: the table and key now, minting's when first needed. */
export interface ReaderConfig {
  /** `TOKENS_TABLE_NAME`. */
  readonly tableName: () => string;
  /** `TOKEN_KEY_ID`, when set: decrypting can do without it (KMS reads the key from the ciphertext). */
  readonly keyId: string | undefined;
  /** What minting a current-generation access token takes (`HUMANAPI_*`, `SECRET_TTL_SECONDS`). */
  readonly minting: () => {
    /** `HUMANAPI_CLIENT_ID`: the app a token is minted for. */
    readonly clientId: string;
    /** `HUMANAPI_SECRET_ID`: the secret holding the client secret that mints. */
    readonly secretId: string;
    /** `SECRET_TTL_SECONDS`: how long the client secret is cached. */
    readonly secretTtlSeconds: number;
    /** `HUMANAPI_AUTH_BASE_URL`: the current generation's auth origin. */
    readonly humanApiAuthBaseUrl: string;
    /** `HUMANAPI_TIMEOUT_MS`: how long a mint may take. */
    readonly humanApiTimeoutMs: number;
    /** `TOKEN_KEY_ID`: the key a minted token is stored under. */
    readonly keyId: string;
  };
}

/**
 * Reads the access-token reader's environment, each group when first needed: a reader of v1
 * users only never needs the current generation's settings. The rules are the functions'.
 */
export function readReaderConfig(env: Environment = process.env): ReaderConfig {
  const variables = new Variables(env);
  const keyId = variables.optional('TOKEN_KEY_ID');
  return {
    tableName: () => variables.require('TOKENS_TABLE_NAME'),
    keyId,
    minting: () => ({
      clientId: variables.require('HUMANAPI_CLIENT_ID'),
      secretId: variables.require('HUMANAPI_SECRET_ID'),
      secretTtlSeconds: variables.integer('SECRET_TTL_SECONDS', DEFAULT_SECRET_TTL_SECONDS, SECRET_TTL_SECONDS_RANGE),
      humanApiAuthBaseUrl: variables.humanApiUrl('HUMANAPI_AUTH_BASE_URL', DEFAULT_HUMANAPI_AUTH_BASE_URL),
      humanApiTimeoutMs: variables.integer(
        'HUMANAPI_TIMEOUT_MS',
        DEFAULT_HUMANAPI_TIMEOUT_MS,
        HUMAN_API_TIMEOUT_MS_RANGE,
      ),
      // Minted tokens are encrypted with it, so minting needs it.
      keyId: variables.require('TOKEN_KEY_ID'),
    }),
  };
}

/** The notifications receiver's settings (docs/notifications.md). */
export interface NotificationsConfig {
  /** The URL's path secret (`NOTIFICATIONS_SECRET_ID`). */
  readonly pathSecretId: string;
  /** The app's client secret, which signs notifications (`HUMANAPI_SECRET_ID`). */
  readonly clientSecretId: string;
  /** The SQS FIFO queue the notifications go to (`NOTIFICATIONS_QUEUE_URL`). */
  readonly queueUrl: string;
  /** How long both secrets are cached (`SECRET_TTL_SECONDS`). */
  readonly secretTtlSeconds: number;
}

/**
 * Reads the notifications receiver's environment: only what it uses (it touches no table, no key
 * and no Human API endpoint), with the functions' rules.
 *
 * @throws {ConfigError} naming the first missing or invalid variable
 */
export function readNotificationsConfig(env: Environment = process.env): NotificationsConfig {
  const variables = new Variables(env);
  return {
    pathSecretId: variables.require('NOTIFICATIONS_SECRET_ID'),
    clientSecretId: variables.require('HUMANAPI_SECRET_ID'),
    queueUrl: variables.httpUrl('NOTIFICATIONS_QUEUE_URL'),
    secretTtlSeconds: variables.integer('SECRET_TTL_SECONDS', DEFAULT_SECRET_TTL_SECONDS, SECRET_TTL_SECONDS_RANGE),
  };
}
