/**
 * The one definition of how both Lambda functions run: runtime, architecture,
 * memory, logging and bundling. `ConnectFunction` applies it; nothing else
 * sets these properties.
 */
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { FUNCTION_ESBUILD_OPTIONS } from './function-bundling.js';

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
  /** Lambda entry files export `handler`. */
  handler: 'handler',
} as const;

/** Environment every function gets, on top of its own configuration (docs/deploy.md#configuration). */
export const FUNCTION_BASE_ENVIRONMENT: Readonly<Record<string, string>> = {
  // No NODE_OPTIONS=--enable-source-maps: it costs 8–16 ms of every cold start. The bundles map
  // their stack traces themselves, lazily (functions/bundle-shims/lazy-source-map.ts).
};

/** An esbuild option `toNodejsBundling` does not know how to express as `NodejsFunction` bundling. */
export class UnsupportedBundlingOptionError extends Error {
  constructor(option: string, value: unknown) {
    super(`esbuild option ${option}=${JSON.stringify(value)} has no NodejsFunction bundling equivalent here`);
    this.name = 'UnsupportedBundlingOptionError';
  }
}

function outputFormat(format: string): OutputFormat {
  if (format === 'esm') return OutputFormat.ESM;
  if (format === 'cjs') return OutputFormat.CJS;
  throw new UnsupportedBundlingOptionError('format', format);
}

function sourceMap(value: boolean | string): Pick<BundlingOptions, 'sourceMap' | 'sourceMapMode'> {
  if (value === true || value === 'linked') return { sourceMap: true, sourceMapMode: SourceMapMode.DEFAULT };
  if (value === false) return { sourceMap: false };
  if (value === 'external') return { sourceMap: true, sourceMapMode: SourceMapMode.EXTERNAL };
  if (value === 'inline') return { sourceMap: true, sourceMapMode: SourceMapMode.INLINE };
  if (value === 'both') return { sourceMap: true, sourceMapMode: SourceMapMode.BOTH };
  throw new UnsupportedBundlingOptionError('sourcemap', value);
}

/**
 * Translates the shared esbuild options (`FUNCTION_ESBUILD_OPTIONS`, also used
 * by the benchmark) into `NodejsFunction` bundling props, so the bytes
 * measured are the bytes deployed. Bundles locally with the project's esbuild,
 * never in Docker, and bundles the AWS SDK: the only externals are the ones
 * the shared options list, not the runtime's SDK.
 *
 * @param options - esbuild options; the shared ones unless a test passes its own
 * @throws {UnsupportedBundlingOptionError} for an option or value that cannot be expressed,
 *   so the stack and the benchmark can never silently bundle differently
 */
export function toNodejsBundling(
  options: Readonly<Record<string, unknown>> = FUNCTION_ESBUILD_OPTIONS,
): BundlingOptions {
  const bundling: { -readonly [K in keyof BundlingOptions]: BundlingOptions[K] } = {
    forceDockerBundling: false,
    bundleAwsSDK: true,
  };
  const esbuildArgs: Record<string, string | string[]> = {};
  for (const [option, value] of Object.entries(options)) {
    switch (option) {
      case 'bundle':
      case 'platform':
        // NodejsFunction always bundles for Node.js; only those values can be honoured.
        if ((option === 'bundle' && value !== true) || (option === 'platform' && value !== 'node')) {
          throw new UnsupportedBundlingOptionError(option, value);
        }
        break;
      case 'format':
        bundling.format = outputFormat(String(value));
        break;
      case 'target':
        bundling.target = String(value);
        break;
      case 'minify':
        bundling.minify = value === true;
        break;
      case 'sourcemap':
        Object.assign(bundling, sourceMap(value as boolean | string));
        break;
      case 'mainFields':
        bundling.mainFields = [...(value as readonly string[])];
        break;
      case 'banner': {
        const { js, ...others } = value as { js?: string };
        if (Object.keys(others).length > 0) throw new UnsupportedBundlingOptionError('banner', value);
        if (js !== undefined) bundling.banner = js;
        break;
      }
      case 'external':
        bundling.externalModules = [...(value as readonly string[])];
        break;
      case 'legalComments':
        esbuildArgs['--legal-comments'] = String(value);
        break;
      case 'alias':
        esbuildArgs['--alias'] = Object.entries(value as Readonly<Record<string, string>>).map(
          ([from, to]) => `${from}=${to}`,
        );
        break;
      case 'inject':
        bundling.inject = [...(value as readonly string[])];
        break;
      case 'sourcesContent':
        esbuildArgs['--sources-content'] = String(value === true);
        break;
      default:
        throw new UnsupportedBundlingOptionError(option, value);
    }
  }
  if (Object.keys(esbuildArgs).length > 0) bundling.esbuildArgs = esbuildArgs;
  return bundling;
}
