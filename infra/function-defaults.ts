/**
 * The one definition of how every Lambda function of the backend runs: runtime, architecture,
 * memory, logging. `BackendFunction` applies it; nothing else sets these properties.
 */
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';

/** Settings shared by every function of the stack. */
export const FUNCTION_DEFAULTS = {
  /** Node.js 24, the runtime `BUNDLE_TARGET` compiles for. */
  runtime: Runtime.NODEJS_24_X,
  /** Graviton: about 20 % cheaper per GB-second than x86_64. */
  architecture: Architecture.ARM_64,
  /**
   * 512 MB: the functions mostly wait on Human API and DynamoDB, but a cold
   * start parses a bundle holding the AWS SDK, and Lambda's CPU share grows
   * with memory. The price of this choice is in docs/deploy.md#cost.
   */
  memorySize: 512,
  /** Powertools writes JSON; Lambda's own START/END/REPORT lines become JSON too. */
  loggingFormat: LoggingFormat.JSON,
  applicationLogLevelV2: ApplicationLogLevel.INFO,
  systemLogLevelV2: SystemLogLevel.INFO,
  /**
   * X-Ray active tracing: Powertools Tracer (functions/commons/observability.ts) adds the AWS SDK
   * calls and each Human API call as subsegments, never a body, token or secret.
   */
  tracing: Tracing.ACTIVE,
  /** Each bundle is `index.mjs`, exporting `handler`. */
  handler: 'index.handler',
} as const;

/** Environment every function gets, on top of its own configuration (docs/deploy.md#configuration). */
export const FUNCTION_BASE_ENVIRONMENT: Readonly<Record<string, string>> = {
  // No NODE_OPTIONS=--enable-source-maps: it costs 8–16 ms of every cold start. The bundles map
  // their stack traces themselves, lazily (functions/bundle-shims/lazy-source-map.ts).
};
