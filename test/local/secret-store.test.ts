/** The local Secrets Manager: AWSCURRENT and AWSPREVIOUS as Secrets Manager keeps them, through the SDK. */
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSecretStore, startLocalSecretStore } from '../../local/secret-store.js';

let store: LocalSecretStore;
let client: SecretsManagerClient;

beforeAll(async () => {
  store = await startLocalSecretStore({ path: undefined });
  client = new SecretsManagerClient({
    endpoint: store.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await store?.close();
});

const read = (SecretId: string, VersionStage?: string) =>
  client.send(new GetSecretValueCommand({ SecretId, ...(VersionStage === undefined ? {} : { VersionStage }) }));

describe('the local secret store', () => {
  it('answers a new secret as AWSCURRENT, with its creation date, and has no AWSPREVIOUS yet', async () => {
    store.putSecretValue('path-secret', 'first');

    const current = await read('path-secret', 'AWSCURRENT');

    expect(current.SecretString).toBe('first');
    expect(current.VersionStages).toEqual(['AWSCURRENT']);
    expect(current.CreatedDate).toBeInstanceOf(Date);
    await expect(read('path-secret', 'AWSPREVIOUS')).rejects.toThrow(/staging label: AWSPREVIOUS/);
  });

  it('keeps the value a put-secret-value replaced as AWSPREVIOUS, and the one before that no more', async () => {
    await client.send(new PutSecretValueCommand({ SecretId: 'path-secret', SecretString: 'second' }));
    await client.send(new PutSecretValueCommand({ SecretId: 'path-secret', SecretString: 'third' }));

    expect((await read('path-secret')).SecretString).toBe('third');
    expect((await read('path-secret', 'AWSPREVIOUS')).SecretString).toBe('second');
    expect((await read('path-secret', 'AWSPREVIOUS')).VersionStages).toEqual(['AWSPREVIOUS']);
  });

  it('refuses a secret it does not hold', async () => {
    await expect(read('missing')).rejects.toThrow("Secrets Manager can't find the specified secret.");
  });
});
