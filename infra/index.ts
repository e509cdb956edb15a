/**
 * `humanapi-connect-backend/cdk`: the construct a team adds to any stack of its own CDK app
 * (docs/deploy.md#in-your-own-cdk-app), its props, and this repository's thin stack around it.
 * cdk-nag is the team's to register (it reads the construct's acknowledgements through CDK).
 */
export type {
  ApiThrottleProps,
  ExistingSecret,
  HumanConnectBackendProps,
  JwtAuthorizerProps,
} from './backend-props.js';
export { InvalidBackendPropsError } from './backend-props.js';
export { ConnectBackendStack, type ConnectBackendStackProps } from './connect-backend-stack.js';
export { HumanConnectBackend } from './human-connect-backend.js';
export { tokenKeyPolicyStatements } from './token-key.js';
