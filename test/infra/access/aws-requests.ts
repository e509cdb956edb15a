/**
 * The IAM requests behind an AWS SDK call: the service action with the request context the
 * service puts on it (`dynamodb:Attributes`, `dynamodb:Select`, `dynamodb:ReturnValues`, the KMS
 * encryption context …), and the KMS calls the service then makes with the caller's permissions
 * for data it keeps encrypted (DynamoDB's table key, SQS's data key, Secrets Manager's secret).
 * The calls come from the code's own commands (`workloads.ts`), so what is checked is what runs.
 */
import type { Caller } from './simulator.js';

/** An SDK call as the code sent it. */
export interface RecordedCall {
  readonly service: 'dynamodb' | 'kms' | 'sqs' | 'secretsmanager';
  /** The API operation, e.g. `UpdateItem`. */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** An IAM request derived from a call, before its caller and resource policy are attached. */
export interface DerivedRequest {
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** Why this request is made, for failure messages: `UpdateItem on the token table`, `KMS for DynamoDB`. */
  readonly because: string;
}

/** What a workload's names stand for in the deployed app. */
export interface ResourceNames {
  readonly account: string;
  readonly region: string;
  /** Table name the code was given → its ARN and the ARN of the key DynamoDB encrypts it with. */
  readonly tables: Readonly<Record<string, { readonly arn: string; readonly keyArn: string }>>;
  /** Queue URL the code was given → its ARN and its key's ARN. */
  readonly queues: Readonly<Record<string, { readonly arn: string; readonly keyArn: string }>>;
  /** Secret ID the code was given → its ARN and its key's ARN (`undefined`: `aws/secretsmanager`). */
  readonly secrets: Readonly<Record<string, { readonly arn: string; readonly keyArn: string | undefined }>>;
  /** KMS key ID (alias or ARN) the code was given → the key's ARN. */
  readonly keys: Readonly<Record<string, string>>;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);

/**
 * The top-level attribute names a DynamoDB expression names: plain names and `#placeholders`
 * (resolved), not `:values`, keywords or functions; `a.b[0]` names `a`.
 */
export function expressionAttributes(
  expression: string | undefined,
  names: Readonly<Record<string, string>>,
): string[] {
  if (expression === undefined) return [];
  const found: string[] = [];
  const tokens =
    /(?<fn>[A-Za-z_]\w*)(?=\s*\()|(?<placeholder>#\w+)|(?<value>:\w+)|(?<word>[A-Za-z_]\w*)|(?<dot>\.)|\[\d+\]/g;
  let afterDot = false;
  for (const { groups = {} } of expression.matchAll(tokens)) {
    const nested = afterDot;
    afterDot = groups.dot !== undefined;
    if (nested || groups.fn !== undefined || groups.value !== undefined || groups.dot !== undefined) continue;
    if (groups.placeholder !== undefined) {
      const name = names[groups.placeholder];
      if (name === undefined) throw new Error(`unresolved placeholder ${groups.placeholder} in ${expression}`);
      found.push(name);
    } else if (groups.word !== undefined && !KEYWORDS.has(groups.word.toUpperCase())) {
      found.push(groups.word);
    }
  }
  return found;
}

function lookup<T>(table: Readonly<Record<string, T>>, key: unknown, what: string): T {
  const found = table[String(key)];
  if (found === undefined) throw new Error(`the workload used ${what} ${String(key)}, which the app does not name`);
  return found;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

/** The IAM requests of one DynamoDB call. */
function dynamoDbRequests(call: RecordedCall, names: ResourceNames): DerivedRequest[] {
  const input = call.input as Record<string, unknown> & {
    ExpressionAttributeNames?: Record<string, string>;
  };
  const table = lookup(names.tables, input.TableName, 'table');
  const attributeNames = input.ExpressionAttributeNames ?? {};
  const key = (input.Key ?? input.Item ?? {}) as Record<string, unknown>;
  const attributes = new Set<string>([
    ...Object.keys(key),
    ...[
      input.ProjectionExpression,
      input.UpdateExpression,
      input.ConditionExpression,
      input.KeyConditionExpression,
      input.FilterExpression,
    ].flatMap((expression) => expressionAttributes(expression as string | undefined, attributeNames)),
  ]);
  const context: Record<string, string | string[]> = { 'dynamodb:Attributes': [...attributes].sort() };
  if (READS.has(call.operation)) {
    // DynamoDB evaluates a read without a projection as one of every attribute (Select ALL_ATTRIBUTES).
    context['dynamodb:Select'] = String(
      input.Select ?? (input.ProjectionExpression === undefined ? 'ALL_ATTRIBUTES' : 'SPECIFIC_ATTRIBUTES'),
    );
  } else {
    context['dynamodb:ReturnValues'] = String(input.ReturnValues ?? 'NONE');
  }
  const resource = input.IndexName === undefined ? table.arn : `${table.arn}/index/${String(input.IndexName)}`;
  return [
    {
      action: `dynamodb:${call.operation}`,
      resource,
      context,
      because: `${call.operation} on ${String(input.TableName)}`,
    },
    // DynamoDB decrypts the table key with the caller's permissions to read or write the table.
    {
      action: 'kms:Decrypt',
      resource: table.keyArn,
      context: {
        'kms:ViaService': `dynamodb.${names.region}.amazonaws.com`,
        'kms:CallerAccount': names.account,
        'kms:EncryptionContext:aws:dynamodb:tableName': table.arn.split('/').pop() ?? '',
        'kms:EncryptionContext:aws:dynamodb:subscriberId': names.account,
        'kms:EncryptionContextKeys': ['aws:dynamodb:subscriberId', 'aws:dynamodb:tableName'],
      },
      because: `DynamoDB's use of the table key for ${call.operation} on ${String(input.TableName)}`,
    },
  ];
}

/** The encryption-context keys of a KMS request. */
export function encryptionContext(
  context: Readonly<Record<string, string>> | undefined,
): Record<string, string | string[]> {
  const entries = Object.entries(context ?? {});
  return {
    ...Object.fromEntries(entries.map(([key, value]) => [`kms:EncryptionContext:${key}`, value])),
    ...(entries.length === 0 ? {} : { 'kms:EncryptionContextKeys': entries.map(([key]) => key).sort() }),
  };
}

/** The IAM requests of one KMS call made directly. */
function kmsRequests(call: RecordedCall, names: ResourceNames): DerivedRequest[] {
  const keyArn = lookup(names.keys, call.input.KeyId, 'key');
  return [
    {
      action: `kms:${call.operation}`,
      resource: keyArn,
      context: {
        'kms:CallerAccount': names.account,
        ...encryptionContext(call.input.EncryptionContext as Record<string, string> | undefined),
      },
      because: `${call.operation} of ${String(call.input.KeyId)}`,
    },
  ];
}

/** The IAM action of an SQS operation: a batch send is authorized as `sqs:SendMessage`. */
const SQS_ACTION_OF: Readonly<Record<string, string>> = { SendMessageBatch: 'SendMessage' };

/** The KMS calls SQS makes for a caller: a producer's data key, a consumer's decrypt. */
function sqsKeyRequests(queue: { arn: string; keyArn: string }, operation: string, names: ResourceNames) {
  const actions = operation === 'SendMessage' ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt'];
  return actions.map((action) => ({
    action,
    resource: queue.keyArn,
    context: {
      'kms:ViaService': `sqs.${names.region}.amazonaws.com`,
      'kms:CallerAccount': names.account,
      ...encryptionContext({ 'aws:sqs:arn': queue.arn }),
    },
    because: `SQS's use of the queue key for ${operation}`,
  }));
}

/** The IAM requests of one SQS call. */
function sqsRequests(call: RecordedCall, names: ResourceNames): DerivedRequest[] {
  const queue = lookup(names.queues, call.input.QueueUrl ?? call.input.SourceArn, 'queue');
  const operation = SQS_ACTION_OF[call.operation] ?? call.operation;
  const keyed = ['SendMessage', 'ReceiveMessage'].includes(operation);
  return [
    { action: `sqs:${operation}`, resource: queue.arn, context: {}, because: `${call.operation} on the queue` },
    ...(keyed ? sqsKeyRequests(queue, operation, names) : []),
  ];
}

/** The IAM requests of one Secrets Manager call. */
function secretsManagerRequests(call: RecordedCall, names: ResourceNames): DerivedRequest[] {
  const secret = lookup(names.secrets, call.input.SecretId, 'secret');
  return [
    {
      action: `secretsmanager:${call.operation}`,
      resource: secret.arn,
      context: {},
      because: `${call.operation} of ${String(call.input.SecretId)}`,
    },
    ...(secret.keyArn === undefined
      ? []
      : [
          {
            action: 'kms:Decrypt',
            resource: secret.keyArn,
            context: {
              'kms:ViaService': `secretsmanager.${names.region}.amazonaws.com`,
              'kms:CallerAccount': names.account,
              ...encryptionContext({ SecretARN: secret.arn }),
            },
            because: "Secrets Manager's use of the secret's key",
          },
        ]),
  ];
}

/** Every IAM request behind `call`. */
export function requestsOf(call: RecordedCall, names: ResourceNames): DerivedRequest[] {
  switch (call.service) {
    case 'dynamodb':
      return dynamoDbRequests(call, names);
    case 'kms':
      return kmsRequests(call, names);
    case 'sqs':
      return sqsRequests(call, names);
    case 'secretsmanager':
      return secretsManagerRequests(call, names);
  }
}

/** A request with its caller, ready for `decide`. */
export function asCallerRequest(caller: Caller, request: DerivedRequest) {
  return { caller, action: request.action, resource: request.resource, context: request.context };
}
