/**
 * `npm run build:bundles`: bundles every Lambda function with the backend's esbuild options
 * (infra/function-bundling.ts) into `dist/bundles/<functionName>/index.mjs` (with its source map),
 * the bytes the package ships and the construct deploys (infra/bundles.ts). The repository's CDK
 * app and the tests run it first; the benchmark measures the same bytes.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { BUNDLES_FOLDER } from '../infra/bundles.js';
import { FUNCTION_ENTRIES, FUNCTION_ESBUILD_OPTIONS } from '../infra/function-bundling.js';

/** The repository root: entries and aliases resolve from here. */
const ROOT = resolve(import.meta.dirname, '..');

/** The backend's esbuild options, with the mutable arrays and maps esbuild's types want. */
export const BACKEND_BUILD_OPTIONS: BuildOptions = {
  ...FUNCTION_ESBUILD_OPTIONS,
  mainFields: [...FUNCTION_ESBUILD_OPTIONS.mainFields],
  external: [...FUNCTION_ESBUILD_OPTIONS.external],
  alias: { ...FUNCTION_ESBUILD_OPTIONS.alias },
  inject: [...FUNCTION_ESBUILD_OPTIONS.inject],
};

/** Bundles one entry into `<dir>/index.mjs`; answers esbuild's result (with a metafile). */
export function bundleEntry(entry: string, dir: string, options: BuildOptions = BACKEND_BUILD_OPTIONS) {
  return build({
    ...options,
    entryPoints: [resolve(ROOT, entry)],
    outfile: join(dir, 'index.mjs'),
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'silent',
  });
}

/** Bundles every function into `outDir` (the package's bundles folder unless told otherwise), afresh. */
export async function buildBundles(outDir = join(ROOT, BUNDLES_FOLDER)): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  await Promise.all(
    Object.entries(FUNCTION_ENTRIES).map(([functionName, entry]) => bundleEntry(entry, join(outDir, functionName))),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildBundles();
  process.stdout.write(`Built ${Object.keys(FUNCTION_ENTRIES).length} bundles into ${BUNDLES_FOLDER}/\n`);
}
