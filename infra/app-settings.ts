/**
 * Turns CDK context (`cdk.json`'s `context`, or `cdk deploy -c key=value`)
 * into typed stack props. Pure: `infra/app.ts` reads the context and passes a
 * getter, so this is the only translation and the app entry the only reader.
 *
 * Values from `cdk.json` may be JSON numbers and arrays; values from `-c` are
 * always strings, so lists are also accepted comma-separated and numbers as
 * digits. An empty string counts as not set.
 */
import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ExistingSecret, HumanConnectBackendProps, JwtAuthorizerProps } from './backend-props.js';

/** Name of the stack when context `stackName` is not set. */
export const DEFAULT_STACK_NAME = 'HumanConnectBackend';

/** Every context key the app reads. */
export const CONTEXT_KEYS = [
  'stackName',
  'clientId',
  'allowedOrigins',
  'secretName',
  'secretArn',
  'secretKeyArn',
  'jwtIssuer',
  'jwtAudience',
  'jwtClaim',
  'secretTtlSeconds',
  'humanApiBaseUrl',
  'humanApiAuthBaseUrl',
  'humanApiDataBaseUrl',
  'humanApiTimeoutMs',
  'throttleRateLimit',
  'throttleBurstLimit',
  'logRetentionDays',
  'alarmTopicArn',
] as const;

/** A context key the app reads. */
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** A missing or malformed context value. */
export class ContextError extends Error {
  /** The context key at fault. */
  readonly key: ContextKey;

  constructor(key: ContextKey, problem: string) {
    super(`Context value ${key} ${problem}`);
    this.name = 'ContextError';
    this.key = key;
  }
}

/** What the app builds: the stack's name and props. */
export interface AppSettings {
  readonly stackName: string;
  readonly props: HumanConnectBackendProps;
}

type ContextGetter = (key: ContextKey) => unknown;

function optionalString(get: ContextGetter, key: ContextKey): string | undefined {
  const value = get(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ContextError(key, `must be a string, got ${JSON.stringify(value)}`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function requiredString(get: ContextGetter, key: ContextKey): string {
  const value = optionalString(get, key);
  if (value === undefined) throw new ContextError(key, 'is required (set it in cdk.json or with -c)');
  return value;
}

function optionalList(get: ContextGetter, key: ContextKey): string[] | undefined {
  const value = get(key);
  if (value === undefined || value === null) return undefined;
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? value
        : undefined;
  if (items === undefined) {
    throw new ContextError(key, `must be a list of strings or a comma-separated string, got ${JSON.stringify(value)}`);
  }
  const trimmed = items.map((item) => item.trim()).filter((item) => item !== '');
  return trimmed.length === 0 ? undefined : trimmed;
}

function optionalWholeNumber(get: ContextGetter, key: ContextKey): number | undefined {
  const value = get(key);
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw new ContextError(key, `must be a whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}

const RETENTION_DAYS = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

function optionalRetention(get: ContextGetter): RetentionDays | undefined {
  const days = optionalWholeNumber(get, 'logRetentionDays');
  if (days === undefined) return undefined;
  if (!RETENTION_DAYS.has(days)) {
    throw new ContextError(
      'logRetentionDays',
      `must be a CloudWatch Logs retention (${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')}), got ${days}`,
    );
  }
  return days as RetentionDays;
}

function optionalSecret(get: ContextGetter): ExistingSecret | undefined {
  const secretName = optionalString(get, 'secretName');
  const secretArn = optionalString(get, 'secretArn');
  const secretKeyArn = optionalString(get, 'secretKeyArn');
  if (secretName !== undefined && secretArn !== undefined) {
    throw new ContextError('secretArn', 'and secretName are exclusive: name the secret one way');
  }
  if (secretName === undefined && secretArn === undefined) {
    if (secretKeyArn !== undefined) throw new ContextError('secretKeyArn', 'needs secretName or secretArn');
    return undefined;
  }
  const key = secretKeyArn === undefined ? {} : { encryptionKeyArn: secretKeyArn };
  return secretName !== undefined ? { secretName, ...key } : { secretCompleteArn: secretArn ?? '', ...key };
}

function optionalJwt(get: ContextGetter): JwtAuthorizerProps | undefined {
  const issuer = optionalString(get, 'jwtIssuer');
  const audience = optionalList(get, 'jwtAudience');
  const claim = optionalString(get, 'jwtClaim');
  if (issuer === undefined) {
    if (audience !== undefined) throw new ContextError('jwtAudience', 'needs jwtIssuer');
    if (claim !== undefined) throw new ContextError('jwtClaim', 'needs jwtIssuer');
    return undefined;
  }
  if (audience === undefined) throw new ContextError('jwtAudience', 'is required with jwtIssuer');
  return { issuer, audience, ...(claim === undefined ? {} : { claim }) };
}

function optionalThrottle(get: ContextGetter): HumanConnectBackendProps['throttle'] {
  const rateLimit = optionalWholeNumber(get, 'throttleRateLimit');
  const burstLimit = optionalWholeNumber(get, 'throttleBurstLimit');
  if (rateLimit === undefined && burstLimit === undefined) return undefined;
  if (rateLimit === undefined) throw new ContextError('throttleRateLimit', 'is required with throttleBurstLimit');
  if (burstLimit === undefined) throw new ContextError('throttleBurstLimit', 'is required with throttleRateLimit');
  return { rateLimit, burstLimit };
}

/**
 * Reads the app's settings from CDK context.
 *
 * @param get - returns the context value of a key (`(key) => app.node.tryGetContext(key)`)
 * @throws {ContextError} naming the first missing or malformed key; the stack
 *   itself then checks the values (origins, URLs, ranges)
 */
export function appSettingsFromContext(get: ContextGetter): AppSettings {
  const secretTtlSeconds = optionalWholeNumber(get, 'secretTtlSeconds');
  const humanApiTimeoutMs = optionalWholeNumber(get, 'humanApiTimeoutMs');
  const clientSecret = optionalSecret(get);
  const jwt = optionalJwt(get);
  const humanApiBaseUrl = optionalString(get, 'humanApiBaseUrl');
  const humanApiAuthBaseUrl = optionalString(get, 'humanApiAuthBaseUrl');
  const humanApiDataBaseUrl = optionalString(get, 'humanApiDataBaseUrl');
  const throttle = optionalThrottle(get);
  const logRetention = optionalRetention(get);
  const alarmTopicArn = optionalString(get, 'alarmTopicArn');
  const allowedOrigins = optionalList(get, 'allowedOrigins');
  if (allowedOrigins === undefined) throw new ContextError('allowedOrigins', 'is required: list the front end origins');
  return {
    stackName: optionalString(get, 'stackName') ?? DEFAULT_STACK_NAME,
    props: {
      clientId: requiredString(get, 'clientId'),
      allowedOrigins,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(jwt === undefined ? {} : { jwt }),
      ...(secretTtlSeconds === undefined ? {} : { secretTtl: Duration.seconds(secretTtlSeconds) }),
      ...(humanApiBaseUrl === undefined ? {} : { humanApiBaseUrl }),
      ...(humanApiAuthBaseUrl === undefined ? {} : { humanApiAuthBaseUrl }),
      ...(humanApiDataBaseUrl === undefined ? {} : { humanApiDataBaseUrl }),
      ...(humanApiTimeoutMs === undefined ? {} : { humanApiTimeout: Duration.millis(humanApiTimeoutMs) }),
      ...(throttle === undefined ? {} : { throttle }),
      ...(logRetention === undefined ? {} : { logRetention }),
      ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    },
  };
}
