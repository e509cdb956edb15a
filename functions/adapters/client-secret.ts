/**
 * The app's Human API client secret, read from Secrets Manager through
 * Powertools' `SecretsProvider` and cached for `SECRET_TTL_SECONDS`.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DependencyUnavailableError } from '../commons/errors.js';
import { errorFields, logger } from '../commons/observability.js';

/** Reads the client secret; `refresh` bypasses the cache (after Human API refused it). */
export interface ClientSecretSource {
  getClientSecret(options?: { readonly refresh?: boolean }): Promise<string>;
}

/** Settings of {@link createClientSecretSource}. */
export interface ClientSecretSourceOptions {
  /** The provider (inject one with your own SDK client in tests). */
  readonly provider: SecretsProvider;
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Cache lifetime in seconds. */
  readonly ttlSeconds: number;
}

/** The secret is `{"clientSecret":"…"}` or, accepted too, the plain secret string. */
export function parseClientSecret(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed === '' ? undefined : trimmed;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null && 'clientSecret' in parsed) {
      const { clientSecret } = parsed;
      if (typeof clientSecret === 'string' && clientSecret !== '') return clientSecret;
    }
  } catch {
    // Not JSON after all: treated as unusable below, never echoed.
  }
  return undefined;
}

/**
 * Creates a cached client-secret source. Concurrent refreshes share one read,
 * so a rotation under load costs one Secrets Manager call, not one per request.
 */
export function createClientSecretSource({
  provider,
  secretId,
  ttlSeconds,
}: ClientSecretSourceOptions): ClientSecretSource {
  let refreshing: Promise<string> | undefined;

  const read = async (forceFetch: boolean): Promise<string> => {
    let value: unknown;
    try {
      value = await provider.get(secretId, { maxAge: ttlSeconds, forceFetch });
    } catch (error) {
      logger.error('Could not read the client secret from Secrets Manager', errorFields(error));
      throw new DependencyUnavailableError('Secrets Manager', { cause: error });
    }
    const clientSecret = typeof value === 'string' ? parseClientSecret(value) : undefined;
    if (clientSecret === undefined) {
      logger.error('The client secret is empty or not {"clientSecret":"..."}');
      throw new DependencyUnavailableError('Secrets Manager');
    }
    return clientSecret;
  };

  return {
    getClientSecret({ refresh = false } = {}) {
      if (!refresh) return refreshing ?? read(false);
      refreshing ??= read(true).finally(() => {
        refreshing = undefined;
      });
      return refreshing;
    },
  };
}
