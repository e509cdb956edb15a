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

    const outputs: Record<string, readonly [description: string, value: string]> = {
      ApiUrl: [`Base URL of the API: ${ROUTES.map(routeKeyOf).join(', ')} under it`, backend.apiUrl],
      ClientSecretId: [
        'Secret to set with aws secretsmanager put-secret-value --secret-id <this>',
        backend.clientSecretId,
      ],
      TokenTableName: [
        'DynamoDB table of user token records (retained when the stack is deleted)',
        backend.tokenTable.tableName,
      ],
      TokenTableArn: [
        'The token table, for the policies of readers in other accounts (docs/security.md)',
        backend.tokenTable.tableArn,
      ],
      TokenKeyArn: [
        'The key of the stored tokens, for readers (TOKEN_KEY_ID) and their policies',
        backend.tokenKey.keyArn,
      ],
      AccessTokenReaderPath: [
        'IAM path of the roles that may decrypt access tokens (docs/security.md#who-can-decrypt)',
        backend.readerPath,
      ],
      // Without JWT, each IAM route's ARN, for the back ends granted to call it.
      ...Object.fromEntries(
        (props.jwt === undefined ? ROUTES.filter(({ caller }) => caller === 'iam') : []).map((route) => [
          `${route.functionName[0]?.toUpperCase()}${route.functionName.slice(1)}InvokeArn`,
          [
            `Grant execute-api:Invoke on this ARN to the back ends that may call ${routeKeyOf(route)} (or use grantIamRoutes)`,
            backend.api.arnForExecuteApi(route.method, route.path.replace(/\{[^}]+\}/g, '*'), backend.stage.stageName),
          ],
        ]),
      ),
      NotificationsUrlPrefix: [
        'The notification URL to register with Human API is this followed by the value of NotificationsSecretArn (docs/deploy.md#notifications)',
        `${backend.apiUrl}/notifications/`,
      ],
      NotificationsSecretArn: [
        'The path secret of the notification URL: aws secretsmanager get-secret-value --secret-id <this> (never output its value)',
        backend.notificationsPathSecret.secretArn,
      ],
      NotificationsQueueUrl: [
        "Verified Human API notifications (hints) for the team's consumers (grantNotificationsConsume)",
        backend.notifications.queueUrl,
      ],
      NotificationsQueueArn: [
        'The notifications queue, for the policies of its consumers',
        backend.notifications.queueArn,
      ],
      NotificationsDeadLettersQueueUrl: [
        'Notifications a consumer failed five times; read and delete to clear NotificationsDeadLettersAlarm',
        backend.notificationsDeadLetters.queueUrl,
      ],
      TokenKeyChangesQueueUrl: [
        'Changes to the token key, as CloudTrail recorded them; read and delete to clear TokenKeyChangedAlarm',
        backend.tokenKeyChanges.queueUrl,
      ],
    };
    for (const [id, [description, value]] of Object.entries(outputs)) new CfnOutput(this, id, { description, value });
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
