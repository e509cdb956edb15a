/**
 * Acknowledgements of cdk-nag findings, next to the construct they concern, each with its reason
 * (docs/security.md#acknowledged-cdk-nag-findings). cdk-nag 3 reads them through CDK's own
 * `Validations`, so the construct needs no cdk-nag at run time; the repository's app registers the
 * rule packs (compliance.ts).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Prefixes of the packs whose rules share names (`HIPAA.Security-LambdaDLQ`, `NIST.800.53.R5-LambdaDLQ`). */
const COMPLIANCE_PACK_PREFIXES = ['HIPAA.Security', 'NIST.800.53.R5'] as const;

/**
 * Acknowledges one rule of both compliance packs (HIPAA Security and NIST 800-53 R5) on
 * `construct` and everything under it.
 *
 * @param rule - the rule name without its pack prefix, e.g. `LambdaDLQ`
 * @param reason - why the finding is accepted here: specific to this construct
 */
export function acknowledgeComplianceRule(construct: IConstruct, rule: string, reason: string): void {
  for (const prefix of COMPLIANCE_PACK_PREFIXES) {
    Validations.of(construct).acknowledge({ id: `${prefix}-${rule}`, reason });
  }
}
