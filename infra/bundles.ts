/**
 * Where the functions' prebuilt bundles are: `dist/bundles/<functionName>/index.mjs` (with its
 * source map) in the package (docs/deploy.md#the-package). They are built by `npm run build`
 * (scripts/build-bundles.ts, with the esbuild options of function-bundling.ts) and shipped inside
 * the package, so a team's CDK app needs neither the sources nor esbuild.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's name in package.json. */
export const PACKAGE_NAME = 'humanapi-connect-backend';

/** The folder of the bundles, relative to the package root. */
export const BUNDLES_FOLDER = join('dist', 'bundles');

/** The root of this package: the nearest folder above this file whose package.json is this package's. */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME
    ) {
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder)
      throw new Error(`${PACKAGE_NAME}: no package.json of this package above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}

/**
 * The folder holding the bundle of `functionName`.
 *
 * @throws {Error} when it was not built (in a checkout: `npm run build`)
 */
export function bundleDirectory(functionName: string): string {
  const folder = join(packageRoot(), BUNDLES_FOLDER, functionName);
  if (!existsSync(join(folder, 'index.mjs'))) {
    throw new Error(`The bundle of ${functionName} is missing (${folder}): run npm run build first`);
  }
  return folder;
}
