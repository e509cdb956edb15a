/**
 * The secret holding the app's Human API client secret (docs/deploy.md#the-client-secret): created
 * by the stack with an empty placeholder, or an existing one by name or complete ARN. Added to the
 * stack's own scope (`ClientSecret`), so the created secret keeps its logical ID.
 */
import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeComplianceRule } from './acknowledgements.js';
import type { ExistingSecret } from './backend-props.js';

/** Placeholder value of a secret the stack creates: the functions answer 503 until ops set the real one. */
export const CLIENT_SECRET_PLACEHOLDER = '{"clientSecret":""}';

/**
 * Adds the client secret to `scope` (the stack): `existing` when given, otherwise a retained secret
 * encrypted with `key` that holds {@link CLIENT_SECRET_PLACEHOLDER} until ops set the real value.
 */
export function addClientSecret(scope: Construct, existing: ExistingSecret | undefined, key: IKey): ISecret {
  if (existing !== undefined) {
    return 'secretName' in existing
      ? Secret.fromSecretNameV2(scope, 'ImportedClientSecret', existing.secretName)
      : Secret.fromSecretCompleteArn(scope, 'ImportedClientSecret', existing.secretCompleteArn);
  }
  const secret = new Secret(scope, 'ClientSecret', {
    description: 'Human API client secret of the Human Connect backend: {"clientSecret":"..."}',
    // Set once; CloudFormation rewrites it only if this placeholder changes, so ops' value survives updates.
    secretStringValue: SecretValue.unsafePlainText(CLIENT_SECRET_PLACEHOLDER),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  keyAndRotateByHand(
    secret,
    key,
    'Human API client secrets are issued in the Human API developer portal, which offers no API a rotation Lambda could call. Ops rotate by hand with put-secret-value (docs/deploy.md#the-client-secret); the functions pick the new value up without a redeploy.',
  );
  return secret;
}

/**
 * Encrypts a secret the backend creates with the key, and acknowledges (with `whyByHand`) that it
 * has no rotation Lambda: ops rotate it with `put-secret-value`.
 */
export function keyAndRotateByHand(secret: Secret, key: IKey, whyByHand: string): void {
  // The key is set on the resource, not with the `encryptionKey` prop, which would also add its own
  // key-policy statement for Secrets Manager: the key's policy (token-key.ts) already lets Secrets
  // Manager use it for this account, and stays the one list of who may use the key.
  (secret.node.defaultChild as CfnSecret).kmsKeyId = key.keyArn;
  Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: whyByHand });
  acknowledgeComplianceRule(secret, 'SecretsManagerRotationEnabled', whyByHand);
}
