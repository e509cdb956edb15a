/**
 * How the Lambda functions are bundled: the single definition used by the CDK
 * stack (`NodejsFunction` bundling with local esbuild) and by the benchmark,
 * so the bytes measured are the bytes deployed.
 */

/** The functions, by Lambda entry file (relative to the repository root). */
export const FUNCTION_ENTRIES = {
  finishSession: 'functions/finish-session.ts',
  recoverPublicToken: 'functions/recover-public-token.ts',
  connectTokens: 'functions/connect-tokens.ts',
  humanData: 'functions/human-data.ts',
  deleteUser: 'functions/delete-user.ts',
  receiveNotification: 'functions/receive-notification.ts',
  drainOutbox: 'functions/drain-outbox.ts',
  redriveOutbox: 'functions/redrive-outbox.ts',
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
 *   identity token files (`web-identity`), and the remote providers tried
 *   last (`@smithy/credential-provider-imds` for the container and EC2
 *   metadata endpoints, `@aws-sdk/credential-provider-http`). Lambda always
 *   hands the function its role's credentials in `AWS_ACCESS_KEY_ID`/
 *   `AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, so `fromEnv` answers first
 *   and the chain never imports the others (the default chain is in
 *   `@aws-sdk/credential-provider-node/dist-es/defaultProvider.js`; every
 *   provider after `fromEnv` is an `await import(…)`). Lambda sets
 *   `AWS_REGION` too, so the region never comes from instance metadata.
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
  '@aws-sdk/credential-provider-http',
  '@smithy/credential-provider-imds',
  '@smithy/core/event-streams',
] as const;

/**
 * Node.js modules replaced in the bundles by stand-ins that load the real module on first use
 * (functions/bundle-shims/): on Node.js 24 an ESM import of `node:http` evaluates its lazy
 * `WebSocket` getters and loads all of undici at init, 20–30 ms of every cold start. Paths are
 * relative to the repository root, the working directory of both esbuild runs.
 */
export const LAZY_BUILTIN_ALIASES = {
  'node:http': './functions/bundle-shims/http.ts',
  http: './functions/bundle-shims/http.ts',
  'node:https': './functions/bundle-shims/https.ts',
  https: './functions/bundle-shims/https.ts',
  'node:http2': './functions/bundle-shims/http2.ts',
  http2: './functions/bundle-shims/http2.ts',
} as const;

/**
 * Packages replaced in the bundles by stand-ins because the code that needs them is never
 * called: `semver` (~29 KB) serves only aws-xray-sdk-core's AWS SDK v2 patcher (`captureAWS`),
 * and these functions capture v3 clients (functions/bundle-shims/semver.ts).
 */
export const UNCALLED_PACKAGE_ALIASES = {
  semver: './functions/bundle-shims/semver.ts',
} as const;

/**
 * Maps stack frames to the sources when a stack is first formatted, instead of
 * `--enable-source-maps` (8–16 ms of every cold start, docs/performance.md).
 */
export const LAZY_SOURCE_MAP = './functions/bundle-shims/lazy-source-map.ts';

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
  // read only when a stack is first formatted (LAZY_SOURCE_MAP).
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  external: [...NEVER_LOADED_MODULES] as string[],
  alias: { ...LAZY_BUILTIN_ALIASES, ...UNCALLED_PACKAGE_ALIASES },
  inject: [LAZY_SOURCE_MAP],
  legalComments: 'none',
} as const;
