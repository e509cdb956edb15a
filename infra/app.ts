/**
 * The CDK app (`cdk.json` runs it): the only place that reads CDK context.
 * Settings come from `cdk.json`'s `context` or `-c key=value`; see docs/deploy.md
 * for every key.
 */
import { App } from 'aws-cdk-lib';
import { appSettingsFromContext, ContextError } from './app-settings.js';
import { addComplianceChecks } from './compliance.js';
import { ConnectBackendStack } from './connect-backend-stack.js';
import { InvalidStackPropsError } from './stack-props.js';

const app = new App();
try {
  const { stackName, props } = appSettingsFromContext((key) => app.node.tryGetContext(key));
  new ConnectBackendStack(app, stackName, {
    ...props,
    description: 'Human Connect token backend: POST /sessions and POST /public-tokens for Human API Connect',
  });
  addComplianceChecks(app);
} catch (error) {
  // A settings mistake deserves one clear line, not a stack trace.
  if (!(error instanceof ContextError || error instanceof InvalidStackPropsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
