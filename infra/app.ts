/**
 * This repository's CDK app (`cdk.json` runs it): builds the functions' bundles from the sources,
 * then the stack, with every cdk-nag pack. The only place that reads CDK context: settings come
 * from `cdk.json`'s `context` or `-c key=value` (docs/deploy.md#context-keys-and-stack-props).
 */
import { App } from 'aws-cdk-lib';
import { buildBundles } from '../scripts/build-bundles.js';
import { appSettingsFromContext, ContextError } from './app-settings.js';
import { InvalidBackendPropsError } from './backend-props.js';
import { addComplianceChecks } from './compliance.js';
import { ConnectBackendStack } from './connect-backend-stack.js';
import { PLACEHOLDER_CLIENT_ID, PLACEHOLDER_CLIENT_ID_MESSAGE } from './placeholder-client-id.js';

// The bytes deployed are built from this checkout, every time (a team's app takes the package's).
await buildBundles();

const app = new App();
try {
  const { stackName, props } = appSettingsFromContext((key) => app.node.tryGetContext(key));
  if (props.clientId === PLACEHOLDER_CLIENT_ID) {
    // Loud, not a CDK warning: `cdk synth --strict` (CI) must still pass with the example settings.
    process.stderr.write(
      `\n*** ${'='.repeat(76)}\n*** NOT DEPLOYABLE: ${PLACEHOLDER_CLIENT_ID_MESSAGE}\n*** ${'='.repeat(76)}\n\n`,
    );
  }
  new ConnectBackendStack(app, stackName, {
    ...props,
    description: 'Human Connect token backend: finishes Human API Connect sessions and keeps the users\u2019 tokens',
  });
  addComplianceChecks(app);
} catch (error) {
  // A settings mistake deserves one clear line, not a stack trace.
  if (!(error instanceof ContextError || error instanceof InvalidBackendPropsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
