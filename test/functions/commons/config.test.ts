import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  readConfig,
  readNotificationsConfig,
  readReaderConfig,
} from '../../../functions/commons/config.js';

const required = {
  HUMANAPI_CLIENT_ID: 'client',
  HUMANAPI_SECRET_ID: 'secret-id',
  TOKENS_TABLE_NAME: 'tokens',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  TOKEN_KEY_ID: 'alias/tokens',
  OUTBOX_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/outbox',
};

describe('readConfig', () => {
  it('reads the required variables and applies the documented defaults', () => {
    const config = readConfig(required);

    expect(config).toEqual({
      clientId: 'client',
      secretId: 'secret-id',
      humanApiBaseUrl: 'https://user.humanapi.co',
      humanApiAuthBaseUrl: 'https://auth.humanapi.co',
      humanApiDataBaseUrl: 'https://api.humanapi.co',
      humanApiTimeoutMs: 8000,
      tokensTableName: 'tokens',
      idempotencyTableName: 'idempotency',
      secretTtlSeconds: 300,
      tokenKeyId: 'alias/tokens',
      outboxQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/outbox',
      rejectedGrantsQueueUrl: undefined,
      jwtUserClaim: undefined,
    });
  });

  it('reads the rejected-grants queue (the drain\u2019s) when it is set', () => {
    const config = readConfig({
      ...required,
      REJECTED_GRANTS_QUEUE_URL: ' https://sqs.eu-west-1.amazonaws.com/123456789012/outbox-rejected ',
    });

    expect(config.rejectedGrantsQueueUrl).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/outbox-rejected');
  });

  it('fails naming OUTBOX_QUEUE_URL when it is not a URL', () => {
    expect(() => readConfig({ ...required, OUTBOX_QUEUE_URL: 'outbox' })).toThrow(/OUTBOX_QUEUE_URL must be/);
  });

  it('reads the optional variables and drops a trailing slash from the base URL', () => {
    const config = readConfig({
      ...required,
      HUMANAPI_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi/',
      HUMANAPI_TIMEOUT_MS: '2500',
      SECRET_TTL_SECONDS: '0',
      JWT_USER_CLAIM: 'email',
    });

    expect(config.humanApiBaseUrl).toBe('http://127.0.0.1:3000/sandbox/humanapi');
    expect(config.humanApiTimeoutMs).toBe(2500);
    expect(config.secretTtlSeconds).toBe(0);
    expect(config.jwtUserClaim).toBe('email');
  });

  it.each(Object.keys(required))('fails naming %s when it is missing', (variable) => {
    const env = { ...required, [variable]: undefined };

    expect(() => readConfig(env)).toThrow(new ConfigError(variable, 'is required but not set'));
  });

  it('treats a blank value as missing', () => {
    expect(() => readConfig({ ...required, HUMANAPI_CLIENT_ID: '  ' })).toThrow(/HUMANAPI_CLIENT_ID is required/);
  });

  it('accepts the longest Human API timeout and secret TTL the stack allows', () => {
    const config = readConfig({ ...required, HUMANAPI_TIMEOUT_MS: '12000', SECRET_TTL_SECONDS: '86400' });

    expect(config.humanApiTimeoutMs).toBe(12_000);
    expect(config.secretTtlSeconds).toBe(86_400);
  });

  it('names the allowed range of a value out of it', () => {
    expect(() => readConfig({ ...required, HUMANAPI_TIMEOUT_MS: '25000' })).toThrow(
      'Environment variable HUMANAPI_TIMEOUT_MS must be an integer from 100 to 12000, got "25000"',
    );
  });

  it.each(['http://localhost:3000', 'http://127.0.0.2:8080', 'http://[::1]:3000'])(
    'accepts plain http to the loopback host of %s',
    (url) => {
      expect(readConfig({ ...required, HUMANAPI_BASE_URL: url }).humanApiBaseUrl).toBe(url);
    },
  );

  it.each([
    ['HUMANAPI_TIMEOUT_MS', 'soon'],
    ['HUMANAPI_TIMEOUT_MS', '50'],
    ['HUMANAPI_TIMEOUT_MS', '1.5'],
    ['HUMANAPI_TIMEOUT_MS', '12001'],
    ['SECRET_TTL_SECONDS', '-1'],
    ['SECRET_TTL_SECONDS', '86401'],
    ['HUMANAPI_BASE_URL', 'not a url'],
    ['HUMANAPI_BASE_URL', 'ftp://example.com'],
    ['HUMANAPI_BASE_URL', 'http://user.humanapi.co'],
    ['HUMANAPI_BASE_URL', 'http://10.0.0.1:3000'],
  ])('fails naming %s when it is %s', (variable, value) => {
    expect(() => readConfig({ ...required, [variable]: value })).toThrow(
      new RegExp(`^Environment variable ${variable} `),
    );
  });
});

describe('readConfig: HUMANAPI_AUTH_BASE_URL', () => {
  it('accepts https anywhere and plain http only to a loopback host, dropping a trailing slash', () => {
    expect(readConfig({ ...required, HUMANAPI_AUTH_BASE_URL: 'https://auth.example.com/' }).humanApiAuthBaseUrl).toBe(
      'https://auth.example.com',
    );
    expect(
      readConfig({ ...required, HUMANAPI_AUTH_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi-auth' })
        .humanApiAuthBaseUrl,
    ).toBe('http://127.0.0.1:3000/sandbox/humanapi-auth');
  });

  it.each(['http://auth.example.com', 'ftp://auth.example.com', 'auth.humanapi.co'])(
    'refuses %s, naming the variable',
    (url) => {
      expect(() => readConfig({ ...required, HUMANAPI_AUTH_BASE_URL: url })).toThrow(/HUMANAPI_AUTH_BASE_URL/);
    },
  );
});

describe('readConfig: HUMANAPI_DATA_BASE_URL (the data gateway\u2019s)', () => {
  it('accepts https anywhere and plain http only to a loopback host, dropping a trailing slash', () => {
    expect(readConfig({ ...required, HUMANAPI_DATA_BASE_URL: 'https://data.example.com/' }).humanApiDataBaseUrl).toBe(
      'https://data.example.com',
    );
    expect(
      readConfig({ ...required, HUMANAPI_DATA_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi-data/' })
        .humanApiDataBaseUrl,
    ).toBe('http://127.0.0.1:3000/sandbox/humanapi-data');
  });

  it.each(['http://api.humanapi.co', 'http://10.0.0.1:3000', 'ftp://api.humanapi.co', 'api.humanapi.co'])(
    'refuses %s, naming the variable',
    (url) => {
      expect(() => readConfig({ ...required, HUMANAPI_DATA_BASE_URL: url })).toThrow(
        /^Environment variable HUMANAPI_DATA_BASE_URL /,
      );
    },
  );
});

describe('readReaderConfig', () => {
  const minting = {
    TOKENS_TABLE_NAME: 'tokens',
    TOKEN_KEY_ID: 'alias/tokens',
    HUMANAPI_CLIENT_ID: 'client',
    HUMANAPI_SECRET_ID: 'secret-id',
  };

  it('reads the table and the key, and minting\u2019s settings with the documented defaults', () => {
    const config = readReaderConfig(minting);

    expect(config.tableName()).toBe('tokens');
    expect(config.keyId).toBe('alias/tokens');
    expect(config.minting()).toEqual({
      clientId: 'client',
      secretId: 'secret-id',
      secretTtlSeconds: 300,
      humanApiAuthBaseUrl: 'https://auth.humanapi.co',
      humanApiTimeoutMs: 8000,
      keyId: 'alias/tokens',
    });
  });

  it('needs nothing but the table for a reader of v1 users: the rest is read when minting', () => {
    const config = readReaderConfig({ TOKENS_TABLE_NAME: 'tokens', SECRET_TTL_SECONDS: 'forever' });

    expect(config.tableName()).toBe('tokens');
    expect(config.keyId).toBeUndefined();
    expect(() => config.minting()).toThrow(new ConfigError('HUMANAPI_CLIENT_ID', 'is required but not set'));
  });

  it('names the table variable when it is needed and missing, not before', () => {
    const config = readReaderConfig({});

    expect(() => config.tableName()).toThrow(new ConfigError('TOKENS_TABLE_NAME', 'is required but not set'));
  });

  it('needs TOKEN_KEY_ID to mint: minted tokens are encrypted with it', () => {
    const { TOKEN_KEY_ID: _none, ...withoutKey } = minting;

    expect(() => readReaderConfig(withoutKey).minting()).toThrow(
      new ConfigError('TOKEN_KEY_ID', 'is required but not set'),
    );
  });

  it('reads minting\u2019s variables with the functions\u2019 rules', () => {
    const config = readReaderConfig({
      ...minting,
      HUMANAPI_AUTH_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi-auth/',
      HUMANAPI_TIMEOUT_MS: '2500',
      SECRET_TTL_SECONDS: '86400',
    });

    expect(config.minting()).toMatchObject({
      humanApiAuthBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi-auth',
      humanApiTimeoutMs: 2500,
      secretTtlSeconds: 86_400,
    });
  });

  it.each([
    ['SECRET_TTL_SECONDS', '-1'],
    ['SECRET_TTL_SECONDS', '86401'],
    ['HUMANAPI_TIMEOUT_MS', '50'],
    ['HUMANAPI_AUTH_BASE_URL', 'http://auth.example.com'],
  ])('fails naming %s when it is %s', (variable, value) => {
    expect(() => readReaderConfig({ ...minting, [variable]: value }).minting()).toThrow(
      new RegExp(`^Environment variable ${variable} `),
    );
  });
});

describe('SECRET_TTL_SECONDS=0 (re-read the secret on every call)', () => {
  it('is valid for the functions and for the reader alike', () => {
    expect(readConfig({ ...required, SECRET_TTL_SECONDS: '0' }).secretTtlSeconds).toBe(0);
    expect(
      readReaderConfig({
        TOKENS_TABLE_NAME: 'tokens',
        TOKEN_KEY_ID: 'alias/tokens',
        HUMANAPI_CLIENT_ID: 'client',
        HUMANAPI_SECRET_ID: 'secret-id',
        SECRET_TTL_SECONDS: '0',
      }).minting().secretTtlSeconds,
    ).toBe(0);
  });
});

describe('readNotificationsConfig', () => {
  const notifications = {
    NOTIFICATIONS_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:path-AbC123',
    HUMANAPI_SECRET_ID: 'client-secret-id',
    NOTIFICATIONS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111111111111/notifications.fifo',
  };

  it('reads only what the receiver uses: both secrets, its queue and the cache lifetime', () => {
    expect(readNotificationsConfig({ ...notifications, SECRET_TTL_SECONDS: '60' })).toEqual({
      pathSecretId: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:path-AbC123',
      clientSecretId: 'client-secret-id',
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/111111111111/notifications.fifo',
      secretTtlSeconds: 60,
    });
    expect(readNotificationsConfig(notifications).secretTtlSeconds).toBe(300);
  });

  it.each([
    ['NOTIFICATIONS_SECRET_ID', undefined],
    ['HUMANAPI_SECRET_ID', ''],
    ['NOTIFICATIONS_QUEUE_URL', 'notifications.fifo'],
    ['SECRET_TTL_SECONDS', '-1'],
  ])('refuses %s=%j, naming it', (variable, value) => {
    expect(() => readNotificationsConfig({ ...notifications, [variable]: value })).toThrow(
      new RegExp(`^Environment variable ${variable} `),
    );
    expect(() => readNotificationsConfig({ ...notifications, [variable]: value })).toThrow(ConfigError);
  });
});
