import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/commons/config.js';
import { applyFunctionEnvironment, readLocalSettings } from '../../local/settings.js';

const endpoints = {
  humanApiBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi',
  dynamoDbEndpoint: 'http://127.0.0.1:4000',
  secretsManagerEndpoint: 'http://127.0.0.1:4001',
  kmsEndpoint: 'http://127.0.0.1:4002',
  sqsEndpoint: 'http://127.0.0.1:4003',
  outboxQueueUrl: 'http://127.0.0.1:4003/000000000000/humanapi-outbox',
  rejectedGrantsQueueUrl: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-rejected',
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
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4000',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4001',
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4002',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4003',
      OUTBOX_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-outbox',
      REJECTED_GRANTS_QUEUE_URL: 'http://127.0.0.1:4003/000000000000/humanapi-outbox-rejected',
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
