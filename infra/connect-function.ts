/**
 * One Lambda function of the stack, built from the shared defaults
 * (`function-defaults.ts`): a `NodejsFunction` bundled locally with esbuild,
 * its own log group with a retention, and its own role that may write to that
 * log group and nothing else until the stack grants more.
 */
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeComplianceRule } from './compliance.js';
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
  /** The key that encrypts the function's log group. */
  readonly logKey: IKey;
  /** Executions reserved for the function (its maximum concurrency too). */
  readonly reservedConcurrency: number;
  /**
   * Who invokes the function, which decides why it has no dead-letter queue of its own:
   * `http-api` synchronously, `outbox-queue` through an SQS event source (the queue dead-letters).
   */
  readonly invokedBy: 'http-api' | 'outbox-queue';
}

/** Why a function has no Lambda dead-letter queue, by who invokes it. */
const NO_LAMBDA_DLQ_REASON: Record<ConnectFunctionProps['invokedBy'], string> = {
  'http-api':
    'API Gateway invokes the function synchronously and returns its answer to the caller, so a dead-letter queue would never receive anything; failed grants go to the outbox queue, which has its own dead-letter queue (docs/design.md#outbox).',
  'outbox-queue':
    "An SQS event source invokes the function synchronously, so a Lambda dead-letter queue (asynchronous invocations only) would never receive anything; a record it fails returns to the outbox queue, whose redrive policy moves it to the outbox's dead-letter queue after 5 receives, and an alarm goes off (docs/design.md#outbox).",
};

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
      encryptionKey: props.logKey,
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
      reservedConcurrentExecutions: props.reservedConcurrency,
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

    acknowledgeComplianceRule(
      this.function,
      'LambdaInsideVPC',
      'The functions call only public endpoints (Human API over https, and DynamoDB, KMS, Secrets Manager and SQS through their AWS endpoints); a VPC would add NAT gateways and their cost, and no private resource to reach (docs/security.md).',
    );
    acknowledgeComplianceRule(this.function, 'LambdaDLQ', NO_LAMBDA_DLQ_REASON[props.invokedBy]);
    acknowledgeComplianceRule(
      this.role,
      'IAMNoInlinePolicy',
      "The role's one policy is attached to this role alone and lists exactly the calls this function makes on the resources it touches; a managed policy would grant the same and invite reuse by other roles (docs/security.md).",
    );
  }
}
