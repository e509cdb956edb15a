/**
 * cdk-nag's AWS Solutions rules on the whole app. cdk-nag 3 runs as a CDK
 * policy-validation plugin: an unacknowledged finding (error or warning) makes
 * synthesis fail, so `cdk synth` and `cdk deploy` stop on it. Findings are
 * acknowledged next to the construct they concern, each with its reason
 * (`Validations.of(construct).acknowledge({ id, reason })`).
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Registers `AwsSolutionsChecks` on `app`; acknowledged findings are also
 * written into the templates' metadata (`cdk_nag.rules_to_suppress`) as an audit trail.
 *
 * @returns the rule pack, whose `validateScope(app)` lists the open findings
 */
export function addComplianceChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true });
  Validations.of(app).addPlugins(checks);
  return checks;
}
