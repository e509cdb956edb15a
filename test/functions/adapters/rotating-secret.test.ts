/** A secret read with its rotation (SecretsManagerRotatingSecret): AWSCURRENT, AWSPREVIOUS within its grace, cached. */
import {
  GetSecretValueCommand,
  InternalServiceError,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseClientSecret } from '../../../functions/adapters/client-secret-value.js';
import { SecretsManagerRotatingSecret } from '../../../functions/adapters/rotating-secret.js';
import { DependencyUnavailableError } from '../../../functions/domain/errors.js';

const secretsManager = mockClient(SecretsManagerClient);
const ROTATED_AT = new Date('2026-01-01T00:00:00.000Z');
const DAY_MS = 24 * 3600 * 1000;

function source({
  ttlSeconds = 300,
  at = ROTATED_AT.getTime() + 1000,
  parse,
}: {
  ttlSeconds?: number;
  at?: number;
  parse?: (value: string) => string | undefined;
} = {}) {
  const clock = { now: at };
  const secret = new SecretsManagerRotatingSecret({
    client: new SecretsManagerClient({}),
    secretId: 'app/path-secret',
    ttlSeconds,
    now: () => clock.now,
    ...(parse === undefined ? {} : { parse }),
  });
  return { secret, clock };
}

const stage = (VersionStage: string) => ({ SecretId: 'app/path-secret', VersionStage });
const notFound = () => new ResourceNotFoundException({ message: 'no such stage', $metadata: {} });

beforeEach(() => {
  secretsManager.reset();
  secretsManager
    .on(GetSecretValueCommand, stage('AWSCURRENT'))
    .resolves({ SecretString: 'new', CreatedDate: ROTATED_AT });
  secretsManager.on(GetSecretValueCommand, stage('AWSPREVIOUS')).resolves({ SecretString: 'old' });
});

describe('SecretsManagerRotatingSecret', () => {
  it('accepts the current value and, within 7 days of the rotation, the previous one', async () => {
    const { secret } = source({ at: ROTATED_AT.getTime() + 7 * DAY_MS - 1 });

    expect(await secret.acceptedValues()).toEqual(['new', 'old']);
  });

  it('accepts the current value alone 7 days after the rotation', async () => {
    const { secret } = source({ at: ROTATED_AT.getTime() + 7 * DAY_MS });

    expect(await secret.acceptedValues()).toEqual(['new']);
  });

  it('accepts the current value alone when the secret was never rotated (no AWSPREVIOUS)', async () => {
    secretsManager.on(GetSecretValueCommand, stage('AWSPREVIOUS')).rejects(notFound());

    expect(await source().secret.acceptedValues()).toEqual(['new']);
  });

  it('caches both for the TTL, and concurrent reads share one read of each stage', async () => {
    const { secret, clock } = source({ ttlSeconds: 300 });

    await Promise.all([secret.acceptedValues(), secret.acceptedValues(), secret.acceptedValues()]);
    clock.now += 299_000;
    await secret.acceptedValues();
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);

    clock.now += 1000;
    await secret.acceptedValues();
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
  });

  it('reads every time with SECRET_TTL_SECONDS=0', async () => {
    const { secret } = source({ ttlSeconds: 0 });

    await secret.acceptedValues();
    await secret.acceptedValues();

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
  });

  it('re-reads on refresh at most once per 10 s, whatever refused values ask', async () => {
    // Prepare
    const { secret, clock } = source();
    await secret.acceptedValues();
    secretsManager
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .resolves({ SecretString: 'newer', CreatedDate: new Date(clock.now) });

    // Act: a refresh right after the first read is served from the cache; 10 s later it reads.
    const tooSoon = await secret.acceptedValues({ refresh: true });
    clock.now += 10_000;
    const refreshed = await Promise.all([
      secret.acceptedValues({ refresh: true }),
      secret.acceptedValues({ refresh: true }),
    ]);
    const again = await secret.acceptedValues({ refresh: true });

    // Assess
    expect(tooSoon).toEqual(['new', 'old']);
    expect(refreshed).toEqual([
      ['newer', 'old'],
      ['newer', 'old'],
    ]);
    expect(again).toEqual(['newer', 'old']);
    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
  });

  it('never answers a refresh with values older than the TTL, however recent the last refresh', async () => {
    const { secret, clock } = source({ ttlSeconds: 1 });
    await secret.acceptedValues();

    clock.now += 1000;
    await secret.acceptedValues({ refresh: true });

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 4);
  });

  it('parses each value: the client secret as {"clientSecret":"…"}', async () => {
    secretsManager
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .resolves({ SecretString: '{"clientSecret":"s2"}', CreatedDate: ROTATED_AT });
    secretsManager.on(GetSecretValueCommand, stage('AWSPREVIOUS')).resolves({ SecretString: 's1' });

    expect(await source({ parse: parseClientSecret }).secret.acceptedValues()).toEqual(['s2', 's1']);
  });

  it('answers DependencyUnavailableError when Secrets Manager fails, or the current value is empty', async () => {
    secretsManager
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .rejects(new InternalServiceError({ message: 'x', $metadata: {} }));
    await expect(source().secret.acceptedValues()).rejects.toMatchObject({
      constructor: DependencyUnavailableError,
      dependency: 'Secrets Manager',
    });

    secretsManager
      .on(GetSecretValueCommand, stage('AWSCURRENT'))
      .resolves({ SecretString: '  ', CreatedDate: ROTATED_AT });
    await expect(source().secret.acceptedValues()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('answers DependencyUnavailableError when reading the previous value fails otherwise than "not found"', async () => {
    secretsManager
      .on(GetSecretValueCommand, stage('AWSPREVIOUS'))
      .rejects(new InternalServiceError({ message: 'x', $metadata: {} }));

    await expect(source().secret.acceptedValues()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
