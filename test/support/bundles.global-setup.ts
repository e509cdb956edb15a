/**
 * Builds the functions' bundles once before a test project runs (vitest globalSetup): the stack
 * deploys prebuilt bundles (infra/bundles.ts), so synthesizing it needs them, and the bundles
 * tested are the bytes a deploy ships.
 */
import { buildBundles } from '../../scripts/build-bundles.js';

export default async function setup(): Promise<void> {
  await buildBundles();
}
