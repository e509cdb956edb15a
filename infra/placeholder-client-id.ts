/**
 * The example `clientId` in `cdk.json` can be synthesized (`npm run synth`, the tests) but never
 * deployed (docs/deploy.md#configuration): a stack built with it answers 403 to every session.
 * With the placeholder, the template gets a `ClientId` parameter (default: the placeholder) and
 * a CloudFormation rule refusing that value, so `cdk deploy` fails before any resource is
 * created, with a message naming `clientId`. With a real client ID, neither exists.
 */
import { CfnParameter, CfnRule, Fn } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** The example value of context `clientId` in `cdk.json`. */
export const PLACEHOLDER_CLIENT_ID = 'replace-with-your-human-api-client-id';

/** What CloudFormation answers a deploy of the placeholder with. */
export const PLACEHOLDER_CLIENT_ID_MESSAGE =
  'clientId is still the placeholder from cdk.json: set context clientId to your Human API client ID (cdk.json, or cdk deploy -c clientId=...) or pass --parameters ClientId=...';

/**
 * The client ID the functions get: `clientId` itself, or, when it is the placeholder, a
 * `ClientId` parameter that a CloudFormation rule refuses to leave at the placeholder.
 */
export function refusePlaceholderClientId(scope: Construct, clientId: string): string {
  if (clientId !== PLACEHOLDER_CLIENT_ID) return clientId;
  const parameter = new CfnParameter(scope, 'ClientId', {
    type: 'String',
    default: PLACEHOLDER_CLIENT_ID,
    description: 'Human API client ID of the app (context clientId)',
  });
  new CfnRule(scope, 'ClientIdIsNotThePlaceholder', {
    assertions: [
      {
        assert: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, PLACEHOLDER_CLIENT_ID)),
        assertDescription: PLACEHOLDER_CLIENT_ID_MESSAGE,
      },
    ],
  });
  return parameter.valueAsString;
}
