/**
 * This repository's stack (docs/deploy.md): a thin stack around the {@link HumanConnectBackend}
 * construct, with the outputs an operator needs. The construct is added with the ID `Default`,
 * which CDK leaves out of logical IDs: every resource keeps the logical ID it had when the stack
 * built it itself, so a deploy over an older version replaces no table, key, secret or queue.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ROUTES, routeKeyOf } from '../functions/contract/routes.js';
import type { HumanConnectBackendProps } from './backend-props.js';
import { HumanConnectBackend } from './human-connect-backend.js';

/** Props of {@link ConnectBackendStack}: the construct's, and the stack's own. */
export interface ConnectBackendStackProps extends StackProps, HumanConnectBackendProps {}

/** The Human Connect token backend in a stack of its own. */
export class ConnectBackendStack extends Stack {
  /** The backend. */
  readonly backend: HumanConnectBackend;

  constructor(scope: Construct, id: string, props: ConnectBackendStackProps) {
    super(scope, id, props);
    this.backend = new HumanConnectBackend(this, 'Default', props);
    const { backend } = this;

    new CfnOutput(this, 'ApiUrl', {
      description: `Base URL of the API: ${ROUTES.map(routeKeyOf).join(', ')} under it`,
      value: backend.apiUrl,
    });
    new CfnOutput(this, 'ClientSecretId', {
      description: 'Secret to set with aws secretsmanager put-secret-value --secret-id <this>',
      value: backend.clientSecretId,
    });
    new CfnOutput(this, 'TokenTableName', {
      description: 'DynamoDB table of user token records (retained when the stack is deleted)',
      value: backend.tokenTable.tableName,
    });
    new CfnOutput(this, 'TokenTableArn', {
      description: 'The token table, for the policies of readers in other accounts (docs/security.md)',
      value: backend.tokenTable.tableArn,
    });
    new CfnOutput(this, 'TokenKeyArn', {
      description: 'The key of the stored tokens, for readers (TOKEN_KEY_ID) and their policies',
      value: backend.tokenKey.keyArn,
    });
    new CfnOutput(this, 'AccessTokenReaderPath', {
      description: 'IAM path of the roles that may decrypt access tokens (docs/security.md#who-can-decrypt)',
      value: backend.readerPath,
    });
    if (props.jwt === undefined) {
      for (const route of ROUTES.filter(({ caller }) => caller === 'iam')) {
        new CfnOutput(this, `${route.functionName[0]?.toUpperCase()}${route.functionName.slice(1)}InvokeArn`, {
          description: `Grant execute-api:Invoke on this ARN to the back ends that may call ${routeKeyOf(route)} (or use grantIamRoutes)`,
          value: backend.api.arnForExecuteApi(
            route.method,
            route.path.replace(/\{[^}]+\}/g, '*'),
            backend.stage.stageName,
          ),
        });
      }
    }
    new CfnOutput(this, 'NotificationsUrlPrefix', {
      description:
        'The notification URL to register with Human API is this followed by the value of NotificationsSecretArn (docs/deploy.md#notifications)',
      value: `${backend.apiUrl}/notifications/`,
    });
    new CfnOutput(this, 'NotificationsSecretArn', {
      description:
        'The path secret of the notification URL: aws secretsmanager get-secret-value --secret-id <this> (never output its value)',
      value: backend.notificationsPathSecret.secretArn,
    });
    new CfnOutput(this, 'NotificationsQueueUrl', {
      description: "Verified Human API notifications (hints) for the team's consumers (grantNotificationsConsume)",
      value: backend.notifications.queueUrl,
    });
    new CfnOutput(this, 'NotificationsQueueArn', {
      description: 'The notifications queue, for the policies of its consumers',
      value: backend.notifications.queueArn,
    });
    new CfnOutput(this, 'NotificationsDeadLettersQueueUrl', {
      description: 'Notifications a consumer failed five times; read and delete to clear NotificationsDeadLettersAlarm',
      value: backend.notificationsDeadLetters.queueUrl,
    });
    new CfnOutput(this, 'TokenKeyChangesQueueUrl', {
      description:
        'Changes to the token key, as CloudTrail recorded them; read and delete to clear TokenKeyChangedAlarm',
      value: backend.tokenKeyChanges.queueUrl,
    });
  }

  /** {@link HumanConnectBackend.grantAccessTokenRead}. */
  grantAccessTokenRead(grantee: IGrantable): void {
    this.backend.grantAccessTokenRead(grantee);
  }

  /** {@link HumanConnectBackend.grantNotificationsConsume}. */
  grantNotificationsConsume(grantee: IGrantable): void {
    this.backend.grantNotificationsConsume(grantee);
  }
}
