import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerClientSecret } from '../../../functions/adapters/client-secret.js';
import { parseClientSecret } from '../../../functions/adapters/client-secret-value.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';

const secretsManager = mockClient(SecretsManagerClient);

function createSource(ttlSeconds = 300) {
  return new SecretsManagerClientSecret({
    provider: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) }),
    secretId: 'app/secret',
    ttlSeconds,
  });
}

describe('parseClientSecret', () => {
  it('reads {"clientSecret":"…"} and accepts a plain string', () => {
    expect(parseClientSecret('{"clientSecret":"s3cr3t"}')).toBe('s3cr3t');
    expect(parseClientSecret('plain-secret')).toBe('plain-secret');
  });

  it.each(['', '   ', '{}', '{"clientSecret":""}', '{"clientSecret":42}', '{broken'])('refuses %j', (value) => {
    expect(parseClientSecret(value)).toBeUndefined();
  });
});

describe('SecretsManagerClientSecret', () => {
  beforeEach(() => {
    secretsManager.reset();
  });

  it('reads the secret once and serves it from the cache within the TTL', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"clientSecret":"first"}' });
    const source = createSource();

    const values = [await source.getClientSecret(), await source.getClientSecret(), await source.getClientSecret()];

    expect(values).toEqual(['first', 'first', 'first']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'app/secret' });
  });

  it('re-reads on refresh, and concurrent refreshes share one read', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"clientSecret":"old"}' })
      .resolves({ SecretString: '{"clientSecret":"rotated"}' });
    const source = createSource();
    await source.getClientSecret();

    const refreshed = await Promise.all(Array.from({ length: 5 }, () => source.getClientSecret({ refresh: true })));

    expect(refreshed).toEqual(Array(5).fill('rotated'));
    expect(await source.getClientSecret()).toBe('rotated');
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('answers DependencyUnavailableError when Secrets Manager fails', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));

    await expect(createSource().getClientSecret()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers DependencyUnavailableError when the secret has no usable value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{"other":"x"}' });

    await expect(createSource().getClientSecret()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
