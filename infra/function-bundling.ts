/**
 * How the Lambda functions are bundled: the single definition used by the CDK
 * stack (`NodejsFunction` bundling with local esbuild) and by the benchmark,
 * so the bytes measured are the bytes deployed.
 */

/** The functions, by Lambda entry file (relative to the repository root). */
export const FUNCTION_ENTRIES = {
  finishSession: 'functions/finish-session.ts',
  recoverPublicToken: 'functions/recover-public-token.ts',
  drainOutbox: 'functions/drain-outbox.ts',
} as const;

/** esbuild target matching the Lambda runtime (`nodejs24.x`). */
export const BUNDLE_TARGET = 'node24';

/**
 * Lets bundled CommonJS dependencies `require()` inside an ESM bundle.
 * (esbuild's ESM output has no `require`; some AWS SDK internals use it.)
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * Modules left out of the bundles because Lambda never loads them. The AWS
 * SDK imports each of them lazily (`await import(…)`), only on a path these
 * functions never take:
 *
 * - the credential providers after `fromEnv` in the default chain: shared
 *   config/credentials files (`ini`, with its STS, SSO and login clients),
 *   IAM Identity Center (`sso`), `credential_process` (`process`) and web
 *   identity token files (`web-identity`). Lambda always hands the function
 *   its role's credentials in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
 *   `AWS_SESSION_TOKEN`, so `fromEnv` answers first. (The container/IMDS
 *   providers stay bundled.)
 * - event-stream (de)serialization: DynamoDB and Secrets Manager have no
 *   event-stream operations.
 *
 * Together they are about a quarter of each bundle (measured by `npm run
 * bench`), bytes every cold start would parse. Were one ever reached, the
 * import would fail and the SDK call with it (a 503), as it would without
 * credentials.
 */
export const NEVER_LOADED_MODULES = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@smithy/core/event-streams',
] as const;

/**
 * esbuild options shared by the stack and the benchmark: ESM, minified,
 * source maps, everything bundled (the AWS SDK too, so cold starts do not
 * depend on the runtime's SDK version) but {@link NEVER_LOADED_MODULES}.
 */
export const FUNCTION_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_TARGET,
  minify: true,
  sourcemap: true,
  // Mapped stack traces need names and lines, not the sources: a map a quarter the size,
  // parsed at every cold start under --enable-source-maps.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...NEVER_LOADED_MODULES] as string[],
  legalComments: 'none',
} as const;
