/**
 * The app's Human API client secret, read from Secrets Manager through Powertools'
 * `SecretsProvider` and cached for `SECRET_TTL_SECONDS` (docs/deploy.md#the-client-secret).
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Config } from '../commons/config.js';
import { errorFields, logger } from '../commons/observability.js';
import { DependencyUnavailableError } from '../domain/errors.js';
import type { ClientSecretSource } from '../domain/service-ports.js';
import { createSecretsManagerClient } from './aws-clients.js';
import { parseClientSecret } from './client-secret-value.js';

/** Settings of {@link SecretsManagerClientSecret}. */
export interface ClientSecretOptions {
  /** The provider (inject one with your own SDK client in tests). */
  readonly provider: SecretsProvider;
  /** Secret name or ARN. */
  readonly secretId: string;
  /** Cache lifetime in seconds. */
  readonly ttlSeconds: number;
}

/**
 * The cached client secret. Concurrent refreshes share one read, so a rotation under load costs
 * one Secrets Manager call, not one per request.
 */
export class SecretsManagerClientSecret implements ClientSecretSource {
  private refreshing: Promise<string> | undefined;

  constructor(private readonly options: ClientSecretOptions) {}

  /** The functions' client secret: `HUMANAPI_SECRET_ID`, cached `SECRET_TTL_SECONDS`. */
  static fromConfig(config: Config): SecretsManagerClientSecret {
    return new SecretsManagerClientSecret({
      provider: new SecretsProvider({ awsSdkV3Client: createSecretsManagerClient() }),
      secretId: config.secretId,
      ttlSeconds: config.secretTtlSeconds,
    });
  }

  getClientSecret({ refresh = false }: { readonly refresh?: boolean } = {}): Promise<string> {
    if (!refresh) return this.refreshing ?? this.read(false);
    this.refreshing ??= this.read(true).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(forceFetch: boolean): Promise<string> {
    const { provider, secretId, ttlSeconds } = this.options;
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
  }
}
