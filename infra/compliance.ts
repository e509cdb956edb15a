/**
 * cdk-nag's AWS Solutions, HIPAA Security and NIST 800-53 rev. 5 rules on the whole app. cdk-nag 3
 * runs as a CDK policy-validation plugin: an unacknowledged finding (error or warning) makes
 * synthesis fail, so `cdk synth` and `cdk deploy` stop on it. Findings are acknowledged next to
 * the construct they concern, each with its reason
 * (`Validations.of(construct).acknowledge({ id, reason })`).
 *
 * cdk-nag's DynamoDB rules inspect `AWS::DynamoDB::Table` only, and the stack's `TableV2`
 * synthesizes `AWS::DynamoDB::GlobalTable`: the stack tests assert the token table's key,
 * recovery, deletion protection and index projection themselves (docs/security.md).
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack, NIST80053R5Checks } from 'cdk-nag';

/**
 * Registers the three rule packs on `app`; acknowledged findings are also written into the
 * templates' metadata (`cdk_nag.rules_to_suppress`) as an audit trail.
 *
 * @returns the rule packs, whose `validateScope(app)` lists the open findings
 */
export function addComplianceChecks(app: App): readonly NagPack[] {
  const props = { verbose: true, writeSuppressionsToCloudFormation: true };
  const packs = [
    new AwsSolutionsChecks(app, props),
    new HIPAASecurityChecks(app, props),
    new NIST80053R5Checks(app, props),
  ];
  Validations.of(app).addPlugins(...packs);
  return packs;
}
