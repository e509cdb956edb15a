/**
 * One Lambda function of the stack, built from the shared defaults
 * (`function-defaults.ts`): a `NodejsFunction` bundled locally with esbuild,
 * its own log group with a retention, and its own role that may write to that
 * log group and nothing else until the stack grants more.
 */
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_BASE_ENVIRONMENT, FUNCTION_DEFAULTS, toNodejsBundling } from './function-defaults.js';

/** The repository root: entry paths, the lock file and esbuild resolve from here. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Props of {@link ConnectFunction}. */
export interface ConnectFunctionProps {
  /** Lambda entry file, relative to the repository root (one of `FUNCTION_ENTRIES`). */
  readonly entry: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** The function's own environment, merged over `FUNCTION_BASE_ENVIRONMENT`. */
  readonly environment: Readonly<Record<string, string>>;
  /** Lambda timeout. */
  readonly timeout: Duration;
  /** How long the function's logs are kept. */
  readonly logRetention: RetentionDays;
}

/** A Lambda function with the stack's defaults, its log group and its role. */
export class ConnectFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** Its log group (destroyed with the stack; the retention bounds what is kept meanwhile). */
  readonly logGroup: LogGroup;
  /** Its execution role: log writing only, plus what the stack grants. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: ConnectFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, whose
    // logs:* permissions cover every log group of the account.
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      ...FUNCTION_DEFAULTS,
      entry: fileURLToPath(new URL(props.entry, new URL('..', import.meta.url))),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
      description: props.description,
      timeout: props.timeout,
      environment: { ...FUNCTION_BASE_ENVIRONMENT, ...props.environment },
      logGroup: this.logGroup,
      role: this.role,
      bundling: toNodejsBundling(),
    });
    // Active tracing (function-defaults.ts) adds xray:PutTraceSegments and PutTelemetryRecords.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray trace segments have no resource ARN: xray:PutTraceSegments and xray:PutTelemetryRecords only accept Resource "*" (added by active tracing); the role has no other wildcard.',
    });
  }
}
