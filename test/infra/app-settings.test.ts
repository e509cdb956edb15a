import { Duration } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  type AppSettings,
  appSettingsFromContext,
  CONTEXT_KEYS,
  ContextError,
  DEFAULT_STACK_NAME,
} from '../../infra/app-settings.js';
import { cdkJsonContext } from './stack-fixture.js';

const MINIMAL = { clientId: 'client-1', allowedOrigins: ['https://app.example.com'] };

function settingsFrom(context: Record<string, unknown>): AppSettings {
  return appSettingsFromContext((key) => context[key]);
}

/** Durations compare by value, not by object identity. */
function comparable({ stackName, props }: AppSettings) {
  return {
    stackName,
    props: {
      ...props,
      secretTtl: props.secretTtl?.toSeconds(),
      humanApiTimeout: props.humanApiTimeout?.toMilliseconds(),
    },
  };
}

describe('appSettingsFromContext', () => {
  it('reads the example context of cdk.json into props, so `cdk synth` needs no argument', () => {
    const settings = comparable(settingsFrom(cdkJsonContext()));

    expect(settings).toEqual({
      stackName: 'HumanConnectBackend',
      props: {
        clientId: 'replace-with-your-human-api-client-id',
        allowedOrigins: ['https://app.example.com'],
        secretTtl: 300,
        humanApiBaseUrl: 'https://user.humanapi.co',
        humanApiAuthBaseUrl: 'https://auth.humanapi.co',
        humanApiDataBaseUrl: 'https://api.humanapi.co',
        humanApiTimeout: 8000,
        throttle: { rateLimit: 100, burstLimit: 200 },
        logRetention: RetentionDays.ONE_MONTH,
      },
    });
  });

  it('documents every key it reads in cdk.json, except the optional identity, secret and topic ones', () => {
    // Feature flags (`@aws-cdk/...:...`) and the CLI's own `cli-telemetry` are not app settings.
    const documented = Object.keys(cdkJsonContext()).filter((key) => !key.includes(':') && key !== 'cli-telemetry');
    const optional = [
      'secretName',
      'secretArn',
      'secretKeyArn',
      'jwtIssuer',
      'jwtAudience',
      'jwtClaim',
      'alarmTopicArn',
    ];

    expect([...documented, ...optional].sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  it('reads -c strings: comma-separated lists and numbers written as digits', () => {
    const settings = settingsFrom({
      clientId: ' client-1 ',
      allowedOrigins: 'https://app.example.com, https://admin.example.com',
      jwtIssuer: 'https://issuer.example.com',
      jwtAudience: 'web,ios',
      jwtClaim: 'email',
      secretName: 'humanapi/client-secret',
      secretTtlSeconds: '60',
      humanApiTimeoutMs: '5000',
      humanApiAuthBaseUrl: ' https://auth.humanapi.example.com ',
      humanApiDataBaseUrl: ' https://api.humanapi.example.com ',
      throttleRateLimit: '10',
      throttleBurstLimit: '20',
      logRetentionDays: '90',
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      stackName: 'HumanConnectStaging',
    });

    expect(comparable(settings)).toEqual({
      stackName: 'HumanConnectStaging',
      props: {
        clientId: 'client-1',
        allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
        jwt: { issuer: 'https://issuer.example.com', audience: ['web', 'ios'], claim: 'email' },
        clientSecret: { secretName: 'humanapi/client-secret' },
        secretTtl: 60,
        humanApiTimeout: 5000,
        humanApiAuthBaseUrl: 'https://auth.humanapi.example.com',
        humanApiDataBaseUrl: 'https://api.humanapi.example.com',
        throttle: { rateLimit: 10, burstLimit: 20 },
        logRetention: RetentionDays.THREE_MONTHS,
        alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      },
    });
  });

  it('leaves every optional setting to the stack defaults when unset or empty', () => {
    const settings = settingsFrom({
      ...MINIMAL,
      secretName: '',
      jwtIssuer: '',
      logRetentionDays: '',
      humanApiAuthBaseUrl: '',
      humanApiDataBaseUrl: '',
    });

    expect(settings).toEqual({ stackName: DEFAULT_STACK_NAME, props: MINIMAL });
  });

  it('imports a secret by complete ARN', () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:humanapi-AbC123';

    expect(settingsFrom({ ...MINIMAL, secretArn }).props.clientSecret).toEqual({ secretCompleteArn: secretArn });
  });

  it('turns a Human API timeout in milliseconds into a Duration', () => {
    const { props } = settingsFrom({ ...MINIMAL, humanApiTimeoutMs: 12000 });

    expect(props.humanApiTimeout?.toMilliseconds()).toBe(Duration.seconds(12).toMilliseconds());
  });

  it.each([
    ['a missing clientId', { allowedOrigins: MINIMAL.allowedOrigins }, 'clientId'],
    ['missing allowedOrigins', { clientId: 'client-1' }, 'allowedOrigins'],
    ['empty allowedOrigins', { ...MINIMAL, allowedOrigins: [] }, 'allowedOrigins'],
    ['blank allowedOrigins', { ...MINIMAL, allowedOrigins: ' , ' }, 'allowedOrigins'],
    ['allowedOrigins that are not strings', { ...MINIMAL, allowedOrigins: [42] }, 'allowedOrigins'],
    ['both secretName and secretArn', { ...MINIMAL, secretName: 'a', secretArn: 'b' }, 'secretArn'],
    ['a JWT audience without issuer', { ...MINIMAL, jwtAudience: 'web' }, 'jwtAudience'],
    ['a JWT claim without issuer', { ...MINIMAL, jwtClaim: 'email' }, 'jwtClaim'],
    ['a JWT issuer without audience', { ...MINIMAL, jwtIssuer: 'https://issuer.example.com' }, 'jwtAudience'],
    ['a timeout in seconds with a unit', { ...MINIMAL, humanApiTimeoutMs: '8s' }, 'humanApiTimeoutMs'],
    ['a negative secret TTL', { ...MINIMAL, secretTtlSeconds: -1 }, 'secretTtlSeconds'],
    ['a fractional rate limit', { ...MINIMAL, throttleRateLimit: 1.5, throttleBurstLimit: 2 }, 'throttleRateLimit'],
    ['a burst limit without rate limit', { ...MINIMAL, throttleBurstLimit: 20 }, 'throttleRateLimit'],
    ['a retention CloudWatch does not offer', { ...MINIMAL, logRetentionDays: 31 }, 'logRetentionDays'],
    ['a clientId that is not a string', { ...MINIMAL, clientId: 42 }, 'clientId'],
  ])('refuses %s, naming the key', (_case, context, key) => {
    expect(() => settingsFrom(context)).toThrow(ContextError);
    expect(() => settingsFrom(context)).toThrow(new RegExp(`^Context value ${key} `));
  });
});
