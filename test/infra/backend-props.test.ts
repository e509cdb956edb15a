import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { InvalidBackendPropsError, resolveBackendSettings } from '../../infra/backend-props.js';
import type { ConnectBackendStackProps } from '../../infra/connect-backend-stack.js';

const BASE: ConnectBackendStackProps = { clientId: ' client ', allowedOrigins: ['https://app.example.com'] };

function settingsWith(props: Partial<ConnectBackendStackProps>) {
  return () => resolveBackendSettings({ ...BASE, ...props });
}

describe('resolveBackendSettings', () => {
  it('applies the documented defaults', () => {
    const settings = resolveBackendSettings(BASE);

    expect({ ...settings, lambdaTimeout: settings.lambdaTimeout.toSeconds() }).toEqual({
      clientId: 'client',
      allowedOrigins: ['https://app.example.com'],
      clientSecret: undefined,
      jwt: undefined,
      secretTtlSeconds: 300,
      humanApiBaseUrl: 'https://user.humanapi.co',
      humanApiAuthBaseUrl: 'https://auth.humanapi.co',
      humanApiDataBaseUrl: 'https://api.humanapi.co',
      humanApiTimeoutMs: 8000,
      lambdaTimeout: 21,
      throttle: { rateLimit: 100, burstLimit: 200 },
      logRetention: RetentionDays.ONE_MONTH,
      alarmTopicArn: undefined,
      tokenKey: undefined,
      reservedConcurrency: 50,
    });
  });

  it('defaults the JWT claim to sub and drops a trailing slash from the Human API URLs', () => {
    const settings = resolveBackendSettings({
      ...BASE,
      jwt: { issuer: 'https://issuer.example.com', audience: [' web '] },
      humanApiBaseUrl: 'http://127.0.0.1:3000/sandbox/',
      humanApiAuthBaseUrl: 'https://auth.humanapi.example.com//',
      humanApiDataBaseUrl: 'http://127.0.0.1:3000/sandbox/humanapi-data/',
    });

    expect(settings.jwt).toEqual({ issuer: 'https://issuer.example.com', audience: ['web'], claim: 'sub' });
    expect(settings.humanApiBaseUrl).toBe('http://127.0.0.1:3000/sandbox');
    expect(settings.humanApiAuthBaseUrl).toBe('https://auth.humanapi.example.com');
    expect(settings.humanApiDataBaseUrl).toBe('http://127.0.0.1:3000/sandbox/humanapi-data');
  });

  it('accepts the edges of the ranges: 100 ms and 12 s of Human API timeout, 0 s and one day of secret TTL', () => {
    expect(resolveBackendSettings({ ...BASE, humanApiTimeout: Duration.millis(100) }).lambdaTimeout.toSeconds()).toBe(
      6,
    );
    expect(resolveBackendSettings({ ...BASE, humanApiTimeout: Duration.seconds(12) }).lambdaTimeout.toSeconds()).toBe(
      29,
    );
    expect(resolveBackendSettings({ ...BASE, secretTtl: Duration.seconds(0) }).secretTtlSeconds).toBe(0);
    expect(resolveBackendSettings({ ...BASE, secretTtl: Duration.days(1) }).secretTtlSeconds).toBe(86_400);
  });

  it.each([
    ['no origin', []],
    ['a wildcard', ['*']],
    ['a wildcard among exact origins', ['https://app.example.com', '*']],
    ['a wildcard subdomain', ['https://*.example.com']],
    ['a path', ['https://app.example.com/login']],
    ['a trailing slash', ['https://app.example.com/']],
    ['no scheme', ['app.example.com']],
    ['another scheme', ['ftp://app.example.com']],
  ])('refuses allowedOrigins with %s, naming the prop', (_case, allowedOrigins) => {
    expect(settingsWith({ allowedOrigins })).toThrow(InvalidBackendPropsError);
    expect(settingsWith({ allowedOrigins })).toThrow(/^HumanConnectBackend prop allowedOrigins /);
  });

  it.each([
    ['one millisecond over 12 s', Duration.millis(12_001)],
    ['far longer', Duration.seconds(25)],
    ['too short to be real', Duration.millis(99)],
    ['a fraction of a millisecond', Duration.millis(1000.5)],
  ])('refuses a Human API timeout %s, naming the range', (_case, humanApiTimeout) => {
    expect(settingsWith({ humanApiTimeout })).toThrow(
      /^HumanConnectBackend prop humanApiTimeout must be a whole number of milliseconds from 100 to 12000/,
    );
  });

  it.each([
    ['an empty clientId', { clientId: '  ' }],
    ['a secret TTL one second over a day', { secretTtl: Duration.seconds(86_401) }],
    ['a fractional secret TTL', { secretTtl: Duration.millis(1500) }],
    ['a JWT issuer over plain http', { jwt: { issuer: 'http://issuer.example.com', audience: ['web'] } }],
    ['a JWT without audience', { jwt: { issuer: 'https://issuer.example.com', audience: [] } }],
    ['an empty JWT claim', { jwt: { issuer: 'https://issuer.example.com', audience: ['web'], claim: '' } }],
    ['a Human API URL that is not a URL', { humanApiBaseUrl: 'user.humanapi.co' }],
    ['a Human API URL over plain http to another host', { humanApiBaseUrl: 'http://user.humanapi.co' }],
    ['a zero rate limit', { throttle: { rateLimit: 0, burstLimit: 10 } }],
    ['an empty secret name', { clientSecret: { secretName: ' ' } }],
    [
      'a partial secret ARN',
      { clientSecret: { secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:humanapi' } },
    ],
    ['an alarm topic that is not an SNS ARN', { alarmTopicArn: 'ops-alarms' }],
    ['no reserved concurrency at all (it would stop the functions)', { reservedConcurrency: 0 }],
    ['a fractional reserved concurrency', { reservedConcurrency: 2.5 }],
  ] as [string, Partial<ConnectBackendStackProps>][])('refuses %s', (_case, props) => {
    expect(settingsWith(props)).toThrow(InvalidBackendPropsError);
  });

  it.each([
    ['that is not a URL', 'auth.humanapi.co'],
    ['over plain http to another host', 'http://auth.humanapi.co'],
    ['of another scheme', 'ftp://auth.humanapi.co'],
  ])('refuses a Human API auth URL %s, naming the prop (the body carries the client secret)', (_case, url) => {
    expect(settingsWith({ humanApiAuthBaseUrl: url })).toThrow(
      /^HumanConnectBackend prop humanApiAuthBaseUrl must be /,
    );
  });

  it.each([
    ['that is not a URL', 'api.humanapi.co'],
    ['over plain http to another host', 'http://api.humanapi.co'],
    ['of another scheme', 'ftp://api.humanapi.co'],
  ])('refuses a Human API data URL %s, naming the prop (the request carries an access token)', (_case, url) => {
    expect(settingsWith({ humanApiDataBaseUrl: url })).toThrow(InvalidBackendPropsError);
    expect(settingsWith({ humanApiDataBaseUrl: url })).toThrow(
      /^HumanConnectBackend prop humanApiDataBaseUrl must be /,
    );
  });
});
