/**
 * Access proven by effect (docs/security.md#what-the-access-suite-proves): every decision below
 * is IAM's, evaluated by iam-simulate over the synthesized templates with the request context a
 * real call carries, in each fixture (fixtures.ts). The allowed table is every AWS call the code
 * makes (workloads.ts); the denied table is every path to a token that must stay closed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../functions/contract/routes.js';
import { type DerivedRequest, encryptionContext, type RecordedCall, requestsOf } from './aws-requests.js';
import {
  type AccessFixture,
  buildFixtures,
  IMPORTED_READER_ARN,
  OTHER_ACCOUNT,
  OTHER_ACCOUNT_READER_ARN,
  otherAccountReaderPolicy,
  resourcePolicyIn,
  roleCaller,
  routeArn,
  STRANGER_ACCOUNT,
} from './fixtures.js';
import { type Caller, type Decision, decide } from './simulator.js';
import { recordWorkloads, type Workload } from './workloads.js';

const workloads = await recordWorkloads();
const fixtures = buildFixtures();

/** The role each workload runs as. */
const FUNCTION_ROLES: Readonly<Record<Exclude<Workload, 'Reader'>, string>> = {
  FinishSession: '/FinishSession/Role',
  RecoverPublicToken: '/RecoverPublicToken/Role',
  ConnectTokens: '/ConnectTokens/Role',
  HumanData: '/HumanData/Role',
  DeleteUser: '/DeleteUser/Role',
  DrainOutbox: '/DrainOutbox/Role',
  RedriveOutbox: '/RedriveOutbox/Role',
  ReceiveNotification: '/ReceiveNotification/Role',
};

const sqsCalls = (queueUrl: string | undefined, ...operations: string[]): RecordedCall[] =>
  operations.map((operation) => ({ service: 'sqs', operation, input: { QueueUrl: queueUrl } }));

/**
 * What AWS does with a function's role beyond the calls its code makes: Lambda's SQS event source
 * polls the outbox with the drain's; SQS's message move task reads the dead-letter queue and
 * writes the outbox with the redrive's.
 */
const CALLS_MADE_FOR: Readonly<Partial<Record<Workload, RecordedCall[]>>> = {
  DrainOutbox: sqsCalls(
    process.env.OUTBOX_QUEUE_URL,
    'ReceiveMessage',
    'DeleteMessage',
    'ChangeMessageVisibility',
    'GetQueueAttributes',
  ),
  RedriveOutbox: [
    ...sqsCalls(process.env.DEAD_LETTERS_QUEUE_URL, 'ReceiveMessage', 'DeleteMessage'),
    ...sqsCalls(process.env.OUTBOX_QUEUE_URL, 'SendMessage'),
  ],
};

/** The readers of a fixture: granted in the backend's stack, another stack, by ARN, and in another account. */
function readers(fixture: AccessFixture): Record<string, Caller> {
  return {
    'a reader in the backend stack': roleCaller(fixture, '/SameStackReader'),
    'a reader in another stack of the app': roleCaller(fixture, 'TeamServices/HealthSync'),
    // The policy the grant attached to it by name, in the team's stack.
    'a reader imported by ARN': {
      arn: IMPORTED_READER_ARN,
      account: fixture.names.account,
      policies: fixture.model.policiesAttachedTo(IMPORTED_READER_ARN.split('/').pop() ?? ''),
    },
    'a reader in another account': {
      arn: OTHER_ACCOUNT_READER_ARN,
      account: OTHER_ACCOUNT,
      policies: [otherAccountReaderPolicy(fixture)],
    },
  };
}

/**
 * The refusals a fixture shows for a reader until the team adds what the stack cannot write
 * (docs/security.md#a-key-of-your-own): with a key of its own, a reader named by ARN may use the
 * key only once the key's policy names it (decrypting a token is refused until then); with an
 * existing secret, a reader in another account reads the secret only once the secret's policy
 * and key name it.
 */
function whatTheTeamMustAdd(fixture: AccessFixture, reader: string, results: readonly Verdict[]): Verdict[] {
  const byArn = reader === 'a reader imported by ARN' || reader === 'a reader in another account';
  if (fixture.teamAdds.keyPolicyForReadersByArn && byArn) {
    const refused = results.filter((result) => result.decision !== 'Allowed');
    expect(refused).toContainEqual({
      because: 'Decrypt of alias/test-token-key',
      action: 'kms:Decrypt',
      decision: 'ExplicitlyDenied',
    });
    return refused.filter((result) => result.action.startsWith('kms:'));
  }
  return results.filter(
    (result) =>
      fixture.teamAdds.secretPolicyForOtherAccounts &&
      reader === 'a reader in another account' &&
      (result.action === 'secretsmanager:GetSecretValue' || result.because.startsWith('Secrets Manager')),
  );
}

interface Verdict {
  readonly because: string;
  readonly action: string;
  readonly decision: Decision;
}

async function verdicts(fixture: AccessFixture, caller: Caller, requests: readonly DerivedRequest[]) {
  const results: Verdict[] = [];
  for (const request of requests) {
    const decision = await decide({ caller, ...request, resourcePolicy: resourcePolicyIn(fixture, request.resource) });
    results.push({ because: request.because, action: request.action, decision });
  }
  return results;
}

const derived = (fixture: AccessFixture, calls: readonly RecordedCall[]) =>
  calls.flatMap((call) => requestsOf(call, fixture.names));

/** Every action a workload's calls come to, to show what the allowed table covers. */
const actionsOf = (fixture: AccessFixture, calls: readonly RecordedCall[]) =>
  [...new Set(derived(fixture, calls).map((request) => request.action))].sort();

describe('the workloads cover every call the code makes', () => {
  const fixture = fixtures[0] as AccessFixture;
  it.each([
    [
      'FinishSession',
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ],
    ],
    [
      'RecoverPublicToken',
      ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'kms:Decrypt', 'secretsmanager:GetSecretValue'],
    ],
    ['ConnectTokens', ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'secretsmanager:GetSecretValue']],
    // No secret (it never calls Human API), no key of its own: DynamoDB's use of the tables' key only.
    ['DeleteUser', ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt']],
    [
      'HumanData',
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:Encrypt', 'secretsmanager:GetSecretValue'],
    ],
    [
      'DrainOutbox',
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage'],
    ],
    ['RedriveOutbox', ['dynamodb:GetItem', 'kms:Decrypt', 'sqs:GetQueueAttributes', 'sqs:StartMessageMoveTask']],
    ['ReceiveNotification', ['kms:Decrypt', 'kms:GenerateDataKey', 'secretsmanager:GetSecretValue', 'sqs:SendMessage']],
    [
      'Reader',
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:Encrypt', 'secretsmanager:GetSecretValue'],
    ],
  ] as const)('%s', (workload, actions) => {
    expect(actionsOf(fixture, workloads[workload])).toEqual(actions);
  });
});

describe.each(fixtures)('access in $name', (fixture) => {
  describe('allowed: every call of every function', () => {
    it.each(Object.entries(FUNCTION_ROLES))('%s', async (workload, rolePath) => {
      const calls = [...workloads[workload as Workload], ...(CALLS_MADE_FOR[workload as Workload] ?? [])];
      const results = await verdicts(fixture, roleCaller(fixture, rolePath), derived(fixture, calls));
      expect(results.filter((result) => result.decision !== 'Allowed')).toEqual([]);
      expect(results.length).toBeGreaterThan(0);
    });

    it.each(Object.entries(FUNCTION_ROLES))('%s writes its own logs and traces', async (_, rolePath) => {
      const role = roleCaller(fixture, rolePath);
      const logGroupArn = fixture.model.getAtt(
        fixture.model.role(rolePath).stack,
        fixture.model.logicalIdAt(fixture.model.role(rolePath).stack, rolePath.replace(/Role$/, 'LogGroup/Resource')),
        'Arn',
      );
      const stream = `${logGroupArn.replace(/:\*$/, '')}:log-stream:2026/12/04/[$LATEST]abc`;
      const requests: DerivedRequest[] = [
        { action: 'logs:CreateLogStream', resource: stream, context: {}, because: 'a log stream' },
        { action: 'logs:PutLogEvents', resource: stream, context: {}, because: 'log events' },
        { action: 'xray:PutTraceSegments', resource: '*', context: {}, because: 'trace segments' },
      ];
      expect((await verdicts(fixture, role, requests)).filter((result) => result.decision !== 'Allowed')).toEqual([]);
      // CloudWatch Logs encrypts the group with the key, as its own service principal.
      const logs: Caller = { arn: `logs.${fixture.names.region}.amazonaws.com`, policies: [] };
      const keyUse = ['kms:GenerateDataKey', 'kms:Decrypt'].map((action) => ({
        action,
        resource: fixture.tokenKeyArn,
        context: encryptionContext({ 'aws:logs:arn': logGroupArn.replace(/:\*$/, '') }),
        because: `CloudWatch Logs' ${action}`,
      }));
      expect((await verdicts(fixture, logs, keyUse)).filter((result) => result.decision !== 'Allowed')).toEqual([]);
    });

    it.each(Object.keys(readers(fixture)))('%s reads and mints access tokens', async (reader) => {
      const caller = readers(fixture)[reader] as Caller;
      const results = await verdicts(fixture, caller, derived(fixture, workloads.Reader));
      const refused = results.filter((result) => result.decision !== 'Allowed');
      expect(refused).toEqual(whatTheTeamMustAdd(fixture, reader, results));
    });
  });

  describe('the IAM routes, as API Gateway asks IAM', () => {
    const invoke = (method: string, path: string): DerivedRequest => ({
      action: 'execute-api:Invoke',
      resource: routeArn(fixture, method, path),
      context: {},
      because: `${method} ${path}`,
    });
    const iamRoutes = ROUTES.filter((route) => route.caller === 'iam').map((route) =>
      invoke(route.method, route.path.replace(/\{[^}]+\}/g, 'alice')),
    );

    it('lets the app back end granted with grantIamRoutes invoke every IAM route', async () => {
      const results = await verdicts(fixture, roleCaller(fixture, '/AppBackend'), iamRoutes);
      expect(results.map((result) => result.decision)).toEqual(iamRoutes.map(() => 'Allowed'));
    });

    it('lets a back end granted one route invoke that route and no other', async () => {
      const results = await verdicts(fixture, roleCaller(fixture, '/PartnerBackend'), iamRoutes);
      expect(Object.fromEntries(results.map((result) => [result.because, result.decision]))).toEqual({
        'POST /public-tokens': 'Allowed',
        'POST /connect-tokens': 'ImplicitlyDenied',
        'GET /users/alice/human/alice': 'ImplicitlyDenied',
        'DELETE /users/alice': 'ImplicitlyDenied',
      });
    });

    it('lets no function nor reader invoke an IAM route', async () => {
      for (const caller of [
        ...Object.values(FUNCTION_ROLES).map((path) => roleCaller(fixture, path)),
        ...Object.values(readers(fixture)),
      ]) {
        const results = await verdicts(fixture, caller, iamRoutes);
        expect(results.filter((result) => result.decision === 'Allowed')).toEqual([]);
      }
    });
  });

  describe('Human API\u2019s notifications', () => {
    const notificationsQueue = () => fixture.names.queues[process.env.NOTIFICATIONS_QUEUE_URL ?? ''] as { arn: string };
    const consume = sqsCalls(
      process.env.NOTIFICATIONS_QUEUE_URL,
      'ReceiveMessage',
      'DeleteMessage',
      'ChangeMessageVisibility',
    );
    const deniedTo = async (caller: Caller, requests: DerivedRequest[]) =>
      (await verdicts(fixture, caller, requests)).filter((result) => result.decision === 'Allowed');
    const tokenTableRequests = (): DerivedRequest[] => {
      const table = (fixture.names.tables[process.env.TOKENS_TABLE_NAME ?? ''] as { arn: string }).arn;
      return [
        {
          action: 'dynamodb:GetItem',
          resource: table,
          context: { 'dynamodb:Attributes': ['clientUserId'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          because: 'reading a record',
        },
        {
          action: 'dynamodb:UpdateItem',
          resource: table,
          context: { 'dynamodb:Attributes': ['clientUserId'], 'dynamodb:ReturnValues': 'NONE' },
          because: 'writing a record',
        },
        {
          action: 'dynamodb:Query',
          resource: `${table}/index/humanId-index`,
          context: { 'dynamodb:Attributes': ['clientUserId', 'humanId'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          because: 'finding a user by humanId',
        },
      ];
    };
    const tokenDecrypt = (): DerivedRequest => ({
      action: 'kms:Decrypt',
      resource: fixture.tokenKeyArn,
      context: { 'kms:CallerAccount': fixture.names.account, ...encryptionContext({ clientUserId: 'alice' }) },
      because: 'decrypting a token',
    });

    it('lets a consumer granted with grantNotificationsConsume receive, delete and hide notifications', async () => {
      const results = await verdicts(fixture, roleCaller(fixture, '/NotificationsConsumer'), derived(fixture, consume));
      expect(results.filter((result) => result.decision !== 'Allowed')).toEqual([]);
      expect(results.map((result) => result.action)).toContain('kms:Decrypt');
    });

    it('lets the consumer neither send notifications, nor read the token table or the path secret, nor decrypt a token', async () => {
      const consumer = roleCaller(fixture, '/NotificationsConsumer');
      const requests = [
        ...derived(fixture, sqsCalls(process.env.NOTIFICATIONS_QUEUE_URL, 'SendMessage')).slice(0, 1),
        ...tokenTableRequests(),
        ...derived(fixture, [
          {
            service: 'secretsmanager',
            operation: 'GetSecretValue',
            input: { SecretId: process.env.NOTIFICATIONS_SECRET_ID },
          },
        ]).slice(0, 1),
        tokenDecrypt(),
      ];
      expect(await deniedTo(consumer, requests)).toEqual([]);
    });

    it('lets the receiver touch nothing of the token table, the outbox or its own queue\u2019s messages', async () => {
      const receiver = roleCaller(fixture, FUNCTION_ROLES.ReceiveNotification);
      const requests = [
        ...tokenTableRequests(),
        ...derived(fixture, sqsCalls(process.env.OUTBOX_QUEUE_URL, 'SendMessage')).slice(0, 1),
        ...derived(fixture, consume).filter((request) => request.action.startsWith('sqs:')),
        tokenDecrypt(),
      ];
      expect(await deniedTo(receiver, requests)).toEqual([]);
      expect(notificationsQueue().arn).toMatch(/:sqs:/);
    });

    it('lets no other function read the path secret or send to the notifications queue', async () => {
      const requests = [
        ...derived(fixture, [
          {
            service: 'secretsmanager',
            operation: 'GetSecretValue',
            input: { SecretId: process.env.NOTIFICATIONS_SECRET_ID },
          },
        ]).slice(0, 1),
        ...derived(fixture, sqsCalls(process.env.NOTIFICATIONS_QUEUE_URL, 'SendMessage')).slice(0, 1),
      ];
      for (const [workload, rolePath] of Object.entries(FUNCTION_ROLES)) {
        if (workload === 'ReceiveNotification') continue;
        expect(await deniedTo(roleCaller(fixture, rolePath), requests)).toEqual([]);
      }
    });
  });

  describe('denied: every other path to a token', () => {
    const token = (action: string, context: Record<string, string> = { clientUserId: 'alice' }) => ({
      action,
      resource: fixture.tokenKeyArn,
      context: { 'kms:CallerAccount': fixture.names.account, ...encryptionContext(context) },
      because: `${action} of a token`,
    });
    const notAllowed = async (caller: Caller, requests: DerivedRequest[]) =>
      (await verdicts(fixture, caller, requests)).filter((result) => result.decision === 'Allowed');

    it.each(Object.entries(FUNCTION_ROLES).filter(([workload]) => workload !== 'HumanData'))(
      '%s cannot decrypt, re-encrypt or generate a data key with a token directly',
      async (_, rolePath) => {
        const requests = [token('kms:Decrypt'), token('kms:ReEncryptFrom'), token('kms:GenerateDataKey')];
        expect(await notAllowed(roleCaller(fixture, rolePath), requests)).toEqual([]);
      },
    );

    it('the data gateway, the one function that decrypts a token, cannot re-encrypt one, generate a data key, nor decrypt without a record\u2019s context', async () => {
      const gateway = roleCaller(fixture, FUNCTION_ROLES.HumanData);
      const requests = [
        token('kms:ReEncryptFrom'),
        token('kms:ReEncryptFrom', {}),
        token('kms:GenerateDataKey'),
        token('kms:Decrypt', { clientUserId: 'alice', other: 'x' }),
      ];
      expect(await notAllowed(gateway, requests)).toEqual([]);
      expect(await notAllowed(gateway, [token('kms:Decrypt')])).toHaveLength(1);
    });

    it('an account administrator who is no reader can neither decrypt nor re-encrypt a user\u2019s token', async () => {
      const admin = roleCaller(fixture, '/AccountAdmin');
      const requests = [token('kms:Decrypt'), token('kms:ReEncryptFrom'), token('kms:ReEncryptFrom', {})];
      expect(await notAllowed(admin, requests)).toEqual([]);
    });

    it('a role holding only grantEncrypt() can neither decrypt nor re-encrypt a user\u2019s token', async () => {
      const encryptor = roleCaller(fixture, '/EncryptOnly');
      expect(await notAllowed(encryptor, [token('kms:Decrypt'), token('kms:ReEncryptFrom')])).toEqual([]);
    });

    it('a principal cannot make itself a reader by tagging its own session', async () => {
      const tagged = roleCaller(fixture, '/AccountAdmin', {
        'humanapi-connect:access-token-reader': 'true',
        'aws:PrincipalArn': `arn:aws:iam::${fixture.names.account}:role${fixture.readerPath}forged`,
      });
      expect(await notAllowed(tagged, [token('kms:Decrypt'), token('kms:ReEncryptFrom')])).toEqual([]);
    });

    it('an administrator of an account that is not the team\u2019s cannot decrypt', async () => {
      const stranger: Caller = {
        arn: `arn:aws:iam::${STRANGER_ACCOUNT}:role${fixture.readerPath}Intruder`,
        account: STRANGER_ACCOUNT,
        policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
      };
      expect(await notAllowed(stranger, [token('kms:Decrypt'), token('kms:Encrypt')])).toEqual([]);
    });

    it.each(Object.keys(readers(fixture)))('%s cannot re-encrypt a token', async (reader) => {
      const caller = readers(fixture)[reader] as Caller;
      expect(await notAllowed(caller, [token('kms:ReEncryptFrom'), token('kms:ReEncryptFrom', {})])).toEqual([]);
    });

    const tokenTable = () => fixture.names.tables[process.env.TOKENS_TABLE_NAME ?? ''] as { arn: string };
    const escapes = (): DerivedRequest[] => [
      {
        action: 'dynamodb:GetItem',
        resource: tokenTable().arn,
        context: {
          'dynamodb:Attributes': ['accessTokenCiphertext', 'clientUserId'],
          'dynamodb:Select': 'SPECIFIC_ATTRIBUTES',
        },
        because: 'reading the ciphertext attribute',
      },
      {
        action: 'dynamodb:GetItem',
        resource: tokenTable().arn,
        context: { 'dynamodb:Attributes': ['clientUserId'], 'dynamodb:Select': 'ALL_ATTRIBUTES' },
        because: 'a whole-item read',
      },
      {
        action: 'dynamodb:UpdateItem',
        resource: tokenTable().arn,
        context: { 'dynamodb:Attributes': ['clientUserId', 'publicToken'], 'dynamodb:ReturnValues': 'ALL_OLD' },
        because: 'a write returning the old item',
      },
      {
        action: 'dynamodb:UpdateItem',
        resource: tokenTable().arn,
        context: { 'dynamodb:Attributes': ['accessTokenCiphertext', 'clientUserId'], 'dynamodb:ReturnValues': 'NONE' },
        because: 'writing the ciphertext attribute',
      },
      {
        action: 'dynamodb:Scan',
        resource: tokenTable().arn,
        context: { 'dynamodb:Attributes': ['clientUserId', 'publicToken'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        because: 'a scan',
      },
    ];

    it.each(['/RecoverPublicToken/Role', '/ConnectTokens/Role'])(
      '%s escapes none of its fine-grained DynamoDB limits',
      async (rolePath) => {
        expect(await notAllowed(roleCaller(fixture, rolePath), escapes())).toEqual([]);
      },
    );

    it.each(Object.keys(readers(fixture)))(
      '%s escapes none of its fine-grained DynamoDB limits but the ciphertext read',
      async (reader) => {
        const caller = readers(fixture)[reader] as Caller;
        expect(await notAllowed(caller, escapes().slice(1))).toEqual([]);
      },
    );

    it('the data gateway escapes none of its fine-grained DynamoDB limits but the ciphertext read', async () => {
      const gateway = roleCaller(fixture, FUNCTION_ROLES.HumanData);
      expect(await notAllowed(gateway, escapes().slice(1))).toEqual([]);
    });

    it('deleteUser can never read a token: not on the token table, not in an idempotency record, not the secret', async () => {
      const idempotencyTable = fixture.names.tables[process.env.IDEMPOTENCY_TABLE_NAME ?? ''] as { arn: string };
      const requests: DerivedRequest[] = [
        ...['accessTokenCiphertext', 'mintedAccessTokenCiphertext', 'publicToken', 'accessToken'].map((attribute) => ({
          action: 'dynamodb:GetItem',
          resource: tokenTable().arn,
          context: { 'dynamodb:Attributes': ['clientUserId', attribute], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          because: `reading ${attribute}`,
        })),
        ...['ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'].map((returnValues) => ({
          action: 'dynamodb:UpdateItem',
          resource: tokenTable().arn,
          context: { 'dynamodb:Attributes': ['clientUserId', 'publicToken'], 'dynamodb:ReturnValues': returnValues },
          because: `a tombstone write returning ${returnValues}`,
        })),
        {
          action: 'dynamodb:DeleteItem',
          resource: idempotencyTable.arn,
          context: { 'dynamodb:Attributes': ['id'], 'dynamodb:ReturnValues': 'ALL_OLD' },
          because: 'a removal returning the record (its publicToken)',
        },
        {
          action: 'dynamodb:GetItem',
          resource: idempotencyTable.arn,
          context: { 'dynamodb:Attributes': ['data', 'id'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          because: 'reading an idempotency record',
        },
        {
          action: 'dynamodb:DeleteItem',
          resource: tokenTable().arn,
          context: { 'dynamodb:Attributes': ['clientUserId'], 'dynamodb:ReturnValues': 'ALL_OLD' },
          because: 'deleting the record whole, returning it',
        },
        {
          action: 'dynamodb:Query',
          resource: `${tokenTable().arn}/index/humanId-index`,
          context: { 'dynamodb:Attributes': ['clientUserId', 'publicToken'], 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          because: 'a query of the index',
        },
        {
          action: 'secretsmanager:GetSecretValue',
          resource: fixture.names.secrets[process.env.HUMANAPI_SECRET_ID ?? '']?.arn ?? '',
          context: {},
          because: 'reading the client secret',
        },
      ];
      // It names the token attributes to remove them (returning nothing): writing one is its only escape.
      const readingEscapes = escapes().filter((request) => request.because !== 'writing the ciphertext attribute');
      expect(await notAllowed(roleCaller(fixture, '/DeleteUser/Role'), [...requests, ...readingEscapes])).toEqual([]);
    });

    it('no function scans the token table', async () => {
      for (const rolePath of Object.values(FUNCTION_ROLES)) {
        expect(await notAllowed(roleCaller(fixture, rolePath), escapes().slice(-1))).toEqual([]);
      }
    });
  });
});

beforeAll(() => {
  expect(fixtures.map((fixture) => fixture.name)).toEqual([
    'IAM mode',
    'JWT mode',
    'a key of the team (tokenKey)',
    'an existing secret under a customer-managed key',
  ]);
});
