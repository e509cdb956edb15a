import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/commons/config.js';
import {
  applyFunctionEnvironment,
  readLocalSettings,
  serviceEnvironment,
  serviceEnvironmentExports,
  serviceEnvironmentFile,
} from '../../local/settings.js';

const endpoints = {
  humanApiBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi',
  dynamoDbEndpoint: 'http://127.0.0.1:4000',
  secretsManagerEndpoint: 'http://127.0.0.1:4001',
  kmsEndpoint: 'http://127.0.0.1:4002',
  sqsEndpoint: 'http://127.0.0.1:4003',
  outboxQueueUrl: 'http://127.0.0.1:4003/000000000000/humanapi-outbox',
  rejectedGrantsQueueUrl: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-rejected',
  deadLetters: {
    url: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-dead-letters',
    arn: 'arn:aws:sqs:local:000000000000:humanapi-outbox-dead-letters',
  },
  notificationsQueueUrl: 'http://127.0.0.1:4003/000000000000/humanapi-notifications.fifo',
};

const failure = (run: () => unknown): ConfigError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('readLocalSettings', () => {
  it('runs with the sandbox, no JWT and the documented ports when nothing is set', () => {
    const settings = readLocalSettings({}, []);
    expect(settings).toMatchObject({
      inMemory: false,
      apiPort: 3000,
      webPort: 3001,
      corsAllowOrigins: undefined,
      clientId: '0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f',
      secretId: 'humanapi-connect/client-secret',
      humanApiBaseUrl: undefined,
      jwt: undefined,
      devAudience: 'humanapi-connect-local',
    });
  });

  it("fails naming a bad functions variable before anything starts, with the functions' own validation", () => {
    expect(failure(() => readLocalSettings({ SECRET_TTL_SECONDS: 'forever' })).variable).toBe('SECRET_TTL_SECONDS');
  });

  it('keeps state in memory with --in-memory', () => {
    expect(readLocalSettings({}, ['node', 'start.ts', '--in-memory']).inMemory).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['WEB_PORT', '-1'],
    ['CORS_ALLOW_ORIGINS', 'http://127.0.0.1:3001/app'],
    ['CORS_ALLOW_ORIGINS', 'not a url'],
    ['HUMANAPI_BASE_URL', 'ftp://example.com'],
  ])('names %s when it is "%s"', (variable, value) => {
    expect(failure(() => readLocalSettings({ [variable]: value })).variable).toBe(variable);
  });

  it('reads a comma-separated origin list, ignoring blanks', () => {
    const settings = readLocalSettings({ CORS_ALLOW_ORIGINS: 'http://a.test, http://b.test:8080,' });
    expect(settings.corsAllowOrigins).toEqual(['http://a.test', 'http://b.test:8080']);
  });

  it('turns JWT mode on with all three AUTH_ variables, the caller claim defaulting to sub', () => {
    const settings = readLocalSettings({
      AUTH_ISSUER: 'http://127.0.0.1:3000/sandbox/auth',
      AUTH_AUDIENCE: 'app',
      AUTH_JWKS_URL: 'http://127.0.0.1:3000/sandbox/auth/jwks.json',
    });
    expect(settings.jwt).toEqual({
      issuer: 'http://127.0.0.1:3000/sandbox/auth',
      audience: 'app',
      jwksUrl: 'http://127.0.0.1:3000/sandbox/auth/jwks.json',
      userClaim: 'sub',
    });
  });

  it('names the missing variable of a half-configured JWT mode', () => {
    expect(failure(() => readLocalSettings({ AUTH_ISSUER: 'http://issuer.test' })).variable).toBe('AUTH_AUDIENCE');
    expect(failure(() => readLocalSettings({ AUTH_ISSUER: 'http://issuer.test', AUTH_AUDIENCE: 'app' })).variable).toBe(
      'AUTH_JWKS_URL',
    );
    expect(failure(() => readLocalSettings({ AUTH_JWKS_URL: 'http://issuer.test/jwks' })).variable).toBe('AUTH_ISSUER');
  });

  describe('Human API settings that cannot work (docs/local-mode.md#the-terminal)', () => {
    const REAL = 'https://user.humanapi.co';
    const APP = { HUMANAPI_CLIENT_ID: 'f'.repeat(40), HUMANAPI_CLIENT_SECRET: 'app-secret' };

    it('refuses HUMANAPI_BASE_URL without HUMANAPI_CLIENT_SECRET: the local secret store would hold no secret', () => {
      const error = failure(() =>
        readLocalSettings({ HUMANAPI_BASE_URL: REAL, HUMANAPI_CLIENT_ID: APP.HUMANAPI_CLIENT_ID }),
      );

      expect(error.variable).toBe('HUMANAPI_CLIENT_SECRET');
      expect(error.message).toBe(
        'Environment variable HUMANAPI_CLIENT_SECRET is required when HUMANAPI_BASE_URL is set: without it the local secret store holds no secret of your app, so no request could succeed',
      );
    });

    it("refuses HUMANAPI_BASE_URL without HUMANAPI_CLIENT_ID: the default is the sandbox's app", () => {
      const error = failure(() =>
        readLocalSettings({ HUMANAPI_BASE_URL: REAL, HUMANAPI_CLIENT_SECRET: APP.HUMANAPI_CLIENT_SECRET }),
      );

      expect(error.variable).toBe('HUMANAPI_CLIENT_ID');
      expect(error.message).toBe(
        "Environment variable HUMANAPI_CLIENT_ID is required when HUMANAPI_BASE_URL is set: the default is the sandbox's app, which only the sandbox knows",
      );
    });

    it('names both when HUMANAPI_BASE_URL comes alone', () => {
      const error = failure(() => readLocalSettings({ HUMANAPI_BASE_URL: REAL }));

      expect(error.variable).toBe('HUMANAPI_CLIENT_ID');
      expect(error.message).toBe(
        "Environment variable HUMANAPI_CLIENT_ID (and HUMANAPI_CLIENT_SECRET) is required when HUMANAPI_BASE_URL is set: a Human API other than the sandbox needs your app's clientId and secret",
      );
    });

    it('refuses HUMANAPI_CLIENT_SECRET with the sandbox, which would ignore it', () => {
      const error = failure(() => readLocalSettings({ HUMANAPI_CLIENT_SECRET: 'app-secret' }));

      expect(error.variable).toBe('HUMANAPI_CLIENT_SECRET');
      expect(error.message).toBe(
        'Environment variable HUMANAPI_CLIENT_SECRET is used only with HUMANAPI_BASE_URL: the sandbox has a secret of its own (unset it, or set HUMANAPI_BASE_URL and HUMANAPI_CLIENT_ID for a real Human API)',
      );
    });

    it('refuses HUMANAPI_AUTH_BASE_URL with the v1 sandbox, whose secret is the only one the functions would hold', () => {
      const error = failure(() => readLocalSettings({ HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co' }));

      expect(error.variable).toBe('HUMANAPI_AUTH_BASE_URL');
      expect(error.message).toBe(
        "Environment variable HUMANAPI_AUTH_BASE_URL is used only with HUMANAPI_BASE_URL: with the v1 sandbox the functions hold the sandbox's secret, which no other auth service accepts (unset it, or set HUMANAPI_BASE_URL, HUMANAPI_CLIENT_ID and HUMANAPI_CLIENT_SECRET too)",
      );
    });

    it('still names a malformed HUMANAPI_BASE_URL first', () => {
      expect(failure(() => readLocalSettings({ HUMANAPI_BASE_URL: 'ftp://example.com' })).variable).toBe(
        'HUMANAPI_BASE_URL',
      );
    });

    it("accepts a real Human API with the app's clientId and secret, with or without a real auth service", () => {
      const settings = readLocalSettings({ HUMANAPI_BASE_URL: REAL, ...APP });
      const withAuth = readLocalSettings({
        HUMANAPI_BASE_URL: REAL,
        HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co',
        ...APP,
      });

      expect(settings).toMatchObject({
        humanApiBaseUrl: REAL,
        humanApiAuthBaseUrl: undefined,
        clientId: 'f'.repeat(40),
        clientSecret: 'app-secret',
      });
      expect(withAuth.humanApiAuthBaseUrl).toBe('https://auth.humanapi.co');
    });

    it('accepts HUMANAPI_CLIENT_ID and HUMANAPI_SECRET_ID with the sandbox, which then plays that app', () => {
      const settings = readLocalSettings({ HUMANAPI_CLIENT_ID: 'f'.repeat(40), HUMANAPI_SECRET_ID: 'team/secret' });

      expect(settings).toMatchObject({ humanApiBaseUrl: undefined, clientId: 'f'.repeat(40), secretId: 'team/secret' });
    });
  });

  it('changes only the development issuer audience with AUTH_AUDIENCE alone', () => {
    const settings = readLocalSettings({ AUTH_AUDIENCE: 'other' });
    expect(settings.jwt).toBeUndefined();
    expect(settings.devAudience).toBe('other');
  });
});

describe('applyFunctionEnvironment', () => {
  it('hands the functions local credentials and endpoints, dropping a developer AWS session', () => {
    const env: NodeJS.ProcessEnv = { AWS_SESSION_TOKEN: 'session', AWS_PROFILE: 'prod' };
    const config = applyFunctionEnvironment(env, readLocalSettings({}), endpoints);
    expect(config.humanApiBaseUrl).toBe('http://127.0.0.1:3000/sandbox/humanapi');
    expect(config.rejectedGrantsQueueUrl).toBe('http://127.0.0.1:4003/000000000000/humanapi-outbox-rejected');
    expect(config.deadLetterQueue).toEqual({
      url: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-dead-letters',
      arn: 'arn:aws:sqs:local:000000000000:humanapi-outbox-dead-letters',
    });
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4000',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4001',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4002',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4003',
      OUTBOX_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-outbox',
      REJECTED_GRANTS_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-rejected',
      DEAD_LETTERS_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-dead-letters',
      DEAD_LETTERS_QUEUE_ARN: 'arn:aws:sqs:local:000000000000:humanapi-outbox-dead-letters',
      NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-notifications.fifo',
      NOTIFICATIONS_SECRET_ID: 'humanapi-connect/notifications-path-secret',
      TOKEN_KEY_ID: 'alias/humanapi-connect-tokens',
      AWS_ACCESS_KEY_ID: 'local',
    });
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.JWT_USER_CLAIM).toBeUndefined();
  });

  it('validates the environment it hands the handlers', () => {
    const env: NodeJS.ProcessEnv = {};
    const settings = readLocalSettings(env);
    env.HUMANAPI_TIMEOUT_MS = 'soon';
    expect(failure(() => applyFunctionEnvironment(env, settings, endpoints)).variable).toBe('HUMANAPI_TIMEOUT_MS');
  });

  it('sets the caller claim only in JWT mode', () => {
    const env: NodeJS.ProcessEnv = {
      AUTH_ISSUER: 'http://issuer.test',
      AUTH_AUDIENCE: 'app',
      AUTH_JWKS_URL: 'http://issuer.test/jwks.json',
      AUTH_CLAIM: 'email',
    };
    applyFunctionEnvironment(env, readLocalSettings(env), endpoints);
    expect(env.JWT_USER_CLAIM).toBe('email');
  });
});

describe('serviceEnvironment', () => {
  const api = {
    apiUrl: 'http://127.0.0.1:3000',
    iamCredentials: { accessKeyId: 'AKIALOCALDEVELOPMENT', secretAccessKey: 'local-development-secret' },
    humanApiDataBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi-data',
  };
  const withSandboxes = { ...endpoints, humanApiAuthBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi-auth' };

  it("hands a team's service the functions' own endpoints and settings, the API's URL and its IAM principal", () => {
    const env: NodeJS.ProcessEnv = {};
    const config = applyFunctionEnvironment(env, readLocalSettings({}), withSandboxes);

    expect(serviceEnvironment(env, config, api)).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_PROFILE: '',
      AWS_SESSION_TOKEN: '',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4000',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4002',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4001',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4003',
      TOKENS_TABLE_NAME: 'humanapi-tokens',
      TOKEN_KEY_ID: 'alias/humanapi-connect-tokens',
      HUMANAPI_CLIENT_ID: '0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f',
      HUMANAPI_SECRET_ID: 'humanapi-connect/client-secret',
      HUMANAPI_AUTH_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi-auth',
      HUMANAPI_DATA_BASE_URL: 'http://127.0.0.1:3000/sandbox/humanapi-data',
      NOTIFICATIONS_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-notifications.fifo',
      HUMANCONNECT_API_URL: 'http://127.0.0.1:3000',
      HUMANCONNECT_IAM_ACCESS_KEY_ID: 'AKIALOCALDEVELOPMENT',
      HUMANCONNECT_IAM_SECRET_ACCESS_KEY: 'local-development-secret',
    });
  });

  it('names no IAM principal in JWT mode, and the real auth service and no data sandbox with a real Human API', () => {
    const env: NodeJS.ProcessEnv = {
      HUMANAPI_BASE_URL: 'https://user.humanapi.co',
      HUMANAPI_CLIENT_ID: 'f'.repeat(40),
      HUMANAPI_CLIENT_SECRET: 'app-secret',
    };
    const config = applyFunctionEnvironment(env, readLocalSettings(env), {
      ...endpoints,
      humanApiBaseUrl: 'https://user.humanapi.co',
    });

    const variables = serviceEnvironment(env, config, {
      ...api,
      iamCredentials: undefined,
      humanApiDataBaseUrl: undefined,
    });

    expect(variables).toMatchObject({
      HUMANAPI_CLIENT_ID: 'f'.repeat(40),
      HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co',
    });
    expect(Object.keys(variables)).not.toContain('HUMANCONNECT_IAM_ACCESS_KEY_ID');
    expect(Object.keys(variables)).not.toContain('HUMANAPI_DATA_BASE_URL');
    expect(JSON.stringify(variables)).not.toContain('app-secret');
  });

  it('writes a file of NAME=value lines, single-quoting what the shell would split', () => {
    const text = serviceEnvironmentFile({ HUMANCONNECT_API_URL: 'http://127.0.0.1:3000', SECRET: "it's a secret" });

    expect(text.split('\n').slice(2)).toEqual([
      'HUMANCONNECT_API_URL=http://127.0.0.1:3000',
      "SECRET='it'\\''s a secret'",
      '',
    ]);
  });

  it('prints every variable on the export lines, related ones together', () => {
    const env: NodeJS.ProcessEnv = {};
    const config = applyFunctionEnvironment(env, readLocalSettings({}), withSandboxes);
    const variables = serviceEnvironment(env, config, api);

    const lines = serviceEnvironmentExports(variables);

    expect(lines[0]).toBe('export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local');
    expect(lines[1]).toBe("export AWS_PROFILE='' AWS_SESSION_TOKEN=''");
    expect(lines.flatMap((line) => line.slice('export '.length).split(' ')).sort()).toEqual(
      Object.entries(variables)
        .map(([name, value]) => `${name}=${value === '' ? "''" : value}`)
        .sort(),
    );
  });
});
