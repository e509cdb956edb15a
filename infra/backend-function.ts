/**
 * One Lambda function of the backend, built from the shared defaults (`function-defaults.ts`):
 * its prebuilt bundle (bundles.ts: the bytes the package ships), its own log group with a
 * retention, and its own role that may write to that log group and nothing else until the
 * backend grants more.
 */
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeComplianceRule } from './acknowledgements.js';
import { bundleDirectory } from './bundles.js';
import { FUNCTION_BASE_ENVIRONMENT, FUNCTION_DEFAULTS } from './function-defaults.js';

/** Props of {@link BackendFunction}. */
export interface BackendFunctionProps {
  /** The function's name in the bundles (`FUNCTION_ENTRIES`'s key, e.g. `finishSession`). */
  readonly functionName: string;
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
   * `http-api` synchronously, `outbox-queue` through an SQS event source (the queue dead-letters),
   * `schedule` on a timer, where a failed run is simply the next run's to do.
   */
  readonly invokedBy: 'http-api' | 'outbox-queue' | 'schedule';
}

/** Why a function has no Lambda dead-letter queue, by who invokes it. */
const NO_LAMBDA_DLQ_REASON: Record<BackendFunctionProps['invokedBy'], string> = {
  'http-api':
    'API Gateway invokes the function synchronously and returns its answer to the caller, so a dead-letter queue would never receive anything; failed grants go to the outbox queue, which has its own dead-letter queue (docs/design.md#outbox).',
  'outbox-queue':
    "An SQS event source invokes the function synchronously, so a Lambda dead-letter queue (asynchronous invocations only) would never receive anything; a record it fails returns to the outbox queue, whose redrive policy moves it to the outbox's dead-letter queue after 5 receives, and an alarm goes off (docs/design.md#outbox).",
  schedule:
    'A schedule invokes the function every few minutes to redrive dead-lettered grants; an invocation that fails changes nothing and the next one does the same work, so a dead-letter queue of failed invocations would hold nothing to act on (its failures are counted by the Lambda errors metric on the dashboard).',
};

/** A Lambda function with the backend's defaults, its log group and its role. */
export class BackendFunction extends Construct {
  /** The function. */
  readonly function: LambdaFunction;
  /** Its log group (destroyed with the stack; the retention bounds what is kept meanwhile). */
  readonly logGroup: LogGroup;
  /** Its execution role: log writing only, plus what the stack grants. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: BackendFunctionProps) {
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

    this.function = new LambdaFunction(this, 'Function', {
      ...FUNCTION_DEFAULTS,
      code: Code.fromAsset(bundleDirectory(props.functionName)),
      description: props.description,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { ...FUNCTION_BASE_ENVIRONMENT, ...props.environment },
      logGroup: this.logGroup,
      role: this.role,
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
