/**
 * A secret read with its rotation in mind (docs/notifications.md#rotation): `AWSCURRENT`, and
 * `AWSPREVIOUS` while the current version is younger than the grace period, so a value rotated
 * with `put-secret-value` keeps working until every sender has the new one. Both are cached for
 * `SECRET_TTL_SECONDS`; a refresh (after a refused value) re-reads at most once per
 * {@link MIN_REFRESH_INTERVAL_MS}, so refused requests cannot drive Secrets Manager reads.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { errorFields, logger } from '../commons/observability.js';
import { DependencyUnavailableError } from '../domain/errors.js';
import type { RotatingSecret } from '../domain/service-ports.js';

/** How long after a rotation the previous value is still accepted. */
export const PREVIOUS_VALUE_GRACE_MS = 7 * 24 * 3600 * 1000;
/** The shortest time between two reads a refresh may cause. */
export const MIN_REFRESH_INTERVAL_MS = 10_000;

/** Settings of {@link SecretsManagerRotatingSecret}. */
export interface RotatingSecretOptions {
  readonly client: SecretsManagerClient;
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Cache lifetime in seconds (`SECRET_TTL_SECONDS`; 0 reads every time). */
  readonly ttlSeconds: number;
  /** The usable value of a stored string (`undefined`: unusable). @default the trimmed string, if not empty */
  readonly parse?: (value: string) => string | undefined;
  readonly now?: () => number;
}

/** The values and when they were read. */
interface Cached {
  readonly values: readonly string[];
  readonly readAt: number;
}

const plain = (value: string) => (value.trim() === '' ? undefined : value.trim());

/** A rotating secret in Secrets Manager. */
export class SecretsManagerRotatingSecret implements RotatingSecret {
  private cached: Cached | undefined;
  private reading: Promise<Cached> | undefined;

  constructor(private readonly options: RotatingSecretOptions) {}

  async acceptedValues({ refresh = false }: { readonly refresh?: boolean } = {}): Promise<readonly string[]> {
    const { ttlSeconds, now = Date.now } = this.options;
    const cached = this.cached;
    const age = cached === undefined ? Number.POSITIVE_INFINITY : now() - cached.readAt;
    // A refresh reads unless the last read is very recent; it never serves values older than the TTL.
    const fresh = age < ttlSeconds * 1000 && (!refresh || age < MIN_REFRESH_INTERVAL_MS);
    if (cached !== undefined && fresh) return cached.values;
    // Concurrent requests share one read.
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    this.cached = await this.reading;
    return this.cached.values;
  }

  private async read(): Promise<Cached> {
    const { parse = plain, now = Date.now } = this.options;
    const [current, previous] = await Promise.all([this.version('AWSCURRENT'), this.version('AWSPREVIOUS')]);
    const currentValue = current?.SecretString === undefined ? undefined : parse(current.SecretString);
    if (currentValue === undefined) {
      logger.error('A rotating secret has no usable current value', { secretId: this.options.secretId });
      throw new DependencyUnavailableError('Secrets Manager');
    }
    const rotatedAt = current?.CreatedDate?.getTime() ?? 0;
    const previousValue =
      previous?.SecretString === undefined || now() - rotatedAt >= PREVIOUS_VALUE_GRACE_MS
        ? undefined
        : parse(previous.SecretString);
    return { values: previousValue === undefined ? [currentValue] : [currentValue, previousValue], readAt: now() };
  }

  /** One version stage; `undefined` when the secret has no such stage (a secret never rotated has no previous). */
  private async version(stage: 'AWSCURRENT' | 'AWSPREVIOUS') {
    try {
      return await this.options.client.send(
        new GetSecretValueCommand({ SecretId: this.options.secretId, VersionStage: stage }),
      );
    } catch (error) {
      if (stage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
      logger.error('Could not read a secret from Secrets Manager', { stage, ...errorFields(error) });
      throw new DependencyUnavailableError('Secrets Manager', { cause: error });
    }
  }
}
