/**
 * Builds the stack the way `infra/app.ts` does (same `cdk.json` context,
 * cdk-nag registered), synthesized once per variant.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { NagPack } from 'cdk-nag';
import { appSettingsFromContext } from '../../infra/app-settings.js';
import { addComplianceChecks } from '../../infra/compliance.js';
import type { ConnectBackendStackProps } from '../../infra/connect-backend-stack.js';
import { ConnectBackendStack } from '../../infra/connect-backend-stack.js';

interface CdkJson {
  readonly context: Record<string, unknown>;
}

/** `cdk.json`'s context: the example settings and the feature flags the CLI passes to the app. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as CdkJson;
  return cdkJson.context;
}

/** Feature flags only (context keys of the form `@aws-cdk/...`). */
export function featureFlags(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cdkJsonContext()).filter(([key]) => key.startsWith('@aws-cdk')));
}

/** A synthesized stack variant. */
export interface SynthesizedStack {
  readonly app: App;
  readonly stack: ConnectBackendStack;
  /** The registered rule packs: AWS Solutions, HIPAA Security, NIST 800-53 R5. */
  readonly checks: readonly NagPack[];
  readonly template: Template;
  /** The cloud assembly directory (assets included when bundled). */
  readonly assemblyDirectory: string;
}

/** Props every variant starts from. */
export const BASE_PROPS: ConnectBackendStackProps = {
  clientId: 'c'.repeat(40),
  allowedOrigins: ['https://app.example.com', 'http://localhost:3001'],
};

/** Context every test app gets on top of its own. */
function testContext(bundle: boolean): Record<string, unknown> {
  return {
    // What the CLI sets: construct paths in the template metadata.
    'aws:cdk:enable-path-metadata': true,
    ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
  };
}

function finish(app: App, stack: ConnectBackendStack): SynthesizedStack {
  const checks = addComplianceChecks(app);
  const assembly = app.synth();
  return { app, stack, checks, template: Template.fromStack(stack), assemblyDirectory: assembly.directory };
}

/**
 * Builds and synthesizes one stack variant from props.
 *
 * @param props - stack props
 * @param options.bundle - run esbuild for the functions (slow-ish); otherwise CDK
 *   skips bundling for this stack (`aws:cdk:bundling-stacks`) and the template is unchanged but for asset hashes
 * @param options.extend - adds constructs to the stack before synthesis
 */
export function synthesize(
  props: ConnectBackendStackProps,
  { bundle = false, extend }: { bundle?: boolean; extend?: (stack: ConnectBackendStack) => void } = {},
): SynthesizedStack {
  const app = new App({ context: { ...featureFlags(), ...testContext(bundle) } });
  const stack = new ConnectBackendStack(app, 'HumanConnectBackend', props);
  extend?.(stack);
  return finish(app, stack);
}

/**
 * Builds the app as `infra/app.ts` does for `cdk synth`: `cdk.json`'s context
 * (plus `overrides`, as `-c key=value` would add) through `appSettingsFromContext`.
 */
export function synthesizeFromContext(overrides: Record<string, unknown> = {}): SynthesizedStack {
  const app = new App({ context: { ...cdkJsonContext(), ...overrides, ...testContext(false) } });
  const { stackName, props } = appSettingsFromContext((key) => app.node.tryGetContext(key));
  return finish(app, new ConnectBackendStack(app, stackName, props));
}

/** The one resource of `type` in the template, with its logical ID. */
export function onlyResource(template: Template, type: string): { id: string; resource: Record<string, unknown> } {
  const resources = Object.entries(template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  const [id, resource] = resources[0] as [string, Record<string, unknown>];
  return { id, resource };
}

/**
 * The logical ID of the resource at construct path `path` (e.g. `HumanConnectBackend/TokenTable/Resource`),
 * the backend construct's `Default` ID left out, as CDK leaves it out of logical IDs.
 */
export function logicalIdAt(template: Template, path: string): string {
  const match = Object.entries(template.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>)
    .filter(([, resource]) => String(resource.Metadata?.['aws:cdk:path']).replace('/Default/', '/') === path)
    .map(([id]) => id);
  if (match.length !== 1 || match[0] === undefined) throw new Error(`no single resource at ${path}`);
  return match[0];
}
