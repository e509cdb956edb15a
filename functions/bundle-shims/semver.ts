/**
 * `semver` in the Lambda bundles (the bundler aliases it here, infra/function-bundling.ts).
 * Its only importer is aws-xray-sdk-core's AWS SDK v2 patcher (`patchers/aws_p.js`), which
 * calls `semver.gte` in `captureAWS` alone, to check the v2 SDK's version. These functions
 * capture AWS SDK v3 clients (`captureAWSv3Client`, functions/adapters/aws-clients.ts) and
 * never call `captureAWS`, yet the patcher's `require('semver')` runs at init and put all of
 * semver (~29 KB minified) into every bundle (docs/performance.md).
 */

/**
 * Stands in for `semver.gte`: fails loudly rather than answer a version comparison it does
 * not implement, so a future dependency that does need semver is caught at once (the bundle
 * test imports and exercises every bundle).
 */
export function gte(version: string, minimum: string): never {
  throw new Error(`semver is left out of the Lambda bundles; cannot compare ${version} with ${minimum}`);
}
