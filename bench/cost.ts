/**
 * What a million sign-ins cost on AWS, from the benchmark's measurements:
 * Lambda (arm64, the stack's memory, the measured duration), API Gateway HTTP
 * API requests, DynamoDB on-demand request units derived from the measured
 * requests, and Secrets Manager calls.
 */

/** Public list prices used, with their region and date. */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2025-07',
  currency: 'USD',
  lambdaArm64PerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  httpApiPerMillionRequests: 1.0,
  dynamoDbOnDemandPerMillionWriteUnits: 0.625,
  dynamoDbOnDemandPerMillionReadUnits: 0.125,
  secretsManagerPer10000Calls: 0.05,
  sources: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/api-gateway/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/secrets-manager/pricing/',
  ],
} as const;

/** A DynamoDB attribute value, as far as item sizes go. */
type ItemValue = string | number | { readonly [name: string]: ItemValue };

/**
 * The size DynamoDB bills an item at: attribute names plus values (strings
 * by UTF-8 length, numbers by about one byte per two digits plus one, maps
 * by their content plus 3 bytes, plus 1 byte per element).
 */
export function dynamoDbItemSize(item: { readonly [name: string]: ItemValue }): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (typeof value === 'string') size += Buffer.byteLength(value);
    else if (typeof value === 'number') size += Math.ceil(String(Math.abs(value)).replace('.', '').length / 2) + 1;
    else size += 3 + dynamoDbItemSize(value) + Object.keys(value).length;
  }
  return size;
}

const x = (length: number) => 'x'.repeat(length);

/**
 * Items as the functions write them, with Human API's example sizes
 * (docs/design.md#human-api: humanId 24, clientId 40, sessionToken 32, accessToken 40, publicToken 32)
 * and a 36-character clientUserId (a UUID).
 */
export const EXAMPLE_ITEMS = {
  tokenRecord: {
    clientUserId: x(36),
    humanId: x(24),
    accessToken: x(40),
    publicToken: x(32),
    clientId: x(40),
    createdAt: '2025-07-01T12:00:00.000Z',
    updatedAt: '2025-07-01T12:00:00.000Z',
    exchangedAt: '2025-07-01T12:00:00.000Z',
    lastWriteId: '00000000-0000-4000-8000-000000000000',
    version: 12,
  },
  idempotencyRecord: {
    id: `finishSession.handler#${x(24)}`,
    expiration: 1_751_371_200,
    in_progress_expiration: 1_751_367_621_000,
    status: 'COMPLETED',
    data: { humanId: x(24), clientUserId: x(36), publicToken: x(32) },
  },
} as const;

/** DynamoDB request units of one invocation. */
export interface RequestUnits {
  readonly writeUnits: number;
  readonly readUnits: number;
  /** How they were counted. */
  readonly basis: string;
}

const units = (bytes: number, unitBytes: number) => Math.max(1, Math.ceil(bytes / unitBytes));

/**
 * Request units of a finish from its measured requests: the idempotency
 * record's `PutItem` and completing `UpdateItem`, and the token record's
 * `UpdateItem`, which also writes the `humanId-index` GSI (all attributes
 * projected).
 *
 * @param requests - measured requests per finish, by operation
 */
export function finishRequestUnits(requests: Readonly<Record<string, number>>): RequestUnits {
  const idempotencyWrite = units(dynamoDbItemSize(EXAMPLE_ITEMS.idempotencyRecord), 1024);
  const tokenWrite = units(dynamoDbItemSize(EXAMPLE_ITEMS.tokenRecord), 1024);
  const puts = requests.PutItem ?? 0;
  const updates = requests.UpdateItem ?? 0;
  // One UpdateItem per finish is the token upsert; the others complete idempotency records.
  const tokenUpdates = Math.min(1, updates);
  const writeUnits =
    puts * idempotencyWrite + (updates - tokenUpdates) * idempotencyWrite + tokenUpdates * tokenWrite * 2;
  const readUnits = (requests.GetItem ?? 0) * units(dynamoDbItemSize(EXAMPLE_ITEMS.idempotencyRecord), 4096);
  return {
    writeUnits,
    readUnits,
    basis:
      `PutItem ${puts} + UpdateItem ${updates} (one of them the token record, which also writes its GSI); ` +
      `items ≤ 1 KB (token record ${dynamoDbItemSize(EXAMPLE_ITEMS.tokenRecord)} B, ` +
      `idempotency record ${dynamoDbItemSize(EXAMPLE_ITEMS.idempotencyRecord)} B)`,
  };
}

/**
 * Request units of the usual recovery from its measured requests: strongly
 * consistent `GetItem`s of the token record.
 */
export function recoveryRequestUnits(requests: Readonly<Record<string, number>>): RequestUnits {
  const reads = requests.GetItem ?? 0;
  return {
    writeUnits: 0,
    readUnits: reads * units(dynamoDbItemSize(EXAMPLE_ITEMS.tokenRecord), 4096),
    basis: `GetItem ${reads}, strongly consistent, item ≤ 4 KB`,
  };
}

/** Inputs of {@link costPerMillion}. */
export interface CostInputs {
  /** The stack's function memory. */
  readonly memoryMb: number;
  /** Mean duration per invocation, in milliseconds (billed rounded up to 1 ms). */
  readonly durationMs: number;
  readonly requestUnits: RequestUnits;
  /** Secrets Manager `GetSecretValue` calls per invocation. */
  readonly secretsManagerCallsPerInvocation: number;
}

/** Cost of a million invocations, in USD, by service. */
export interface CostPerMillion {
  readonly lambdaDuration: number;
  readonly lambdaRequests: number;
  readonly httpApi: number;
  readonly dynamoDb: number;
  readonly secretsManager: number;
  readonly total: number;
  /** What another 100 ms of duration per invocation adds (Human API's real latency is unknown here). */
  readonly lambdaPerAdditional100Ms: number;
  readonly inputs: CostInputs & { readonly billedDurationMs: number };
}

const cents = (value: number) => Math.round(value * 10_000) / 10_000;

/** Costs a million invocations of one HTTP API route. */
export function costPerMillion(inputs: CostInputs): CostPerMillion {
  const gb = inputs.memoryMb / 1024;
  const billedDurationMs = Math.ceil(inputs.durationMs);
  const lambdaDuration = 1e6 * gb * (billedDurationMs / 1000) * PRICES.lambdaArm64PerGbSecond;
  const lambdaRequests = PRICES.lambdaPerMillionRequests;
  const httpApi = PRICES.httpApiPerMillionRequests;
  const dynamoDb =
    inputs.requestUnits.writeUnits * PRICES.dynamoDbOnDemandPerMillionWriteUnits +
    inputs.requestUnits.readUnits * PRICES.dynamoDbOnDemandPerMillionReadUnits;
  const secretsManager =
    ((1e6 * inputs.secretsManagerCallsPerInvocation) / 10_000) * PRICES.secretsManagerPer10000Calls;
  return {
    lambdaDuration: cents(lambdaDuration),
    lambdaRequests: cents(lambdaRequests),
    httpApi: cents(httpApi),
    dynamoDb: cents(dynamoDb),
    secretsManager: cents(secretsManager),
    total: cents(lambdaDuration + lambdaRequests + httpApi + dynamoDb + secretsManager),
    lambdaPerAdditional100Ms: cents(1e6 * gb * 0.1 * PRICES.lambdaArm64PerGbSecond),
    inputs: { ...inputs, billedDurationMs },
  };
}
