/**
 * The `humanData` handler (the data gateway) with its AWS clients mocked (aws-sdk-client-mock) and
 * Human API on loopback: the answer and its headers, refusals before any work, the identity
 * rules of both modes, a refused token, and the audit line. The logs run at DEBUG with the
 * event switch on, and no token or byte of health data may show in them.
 */
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLambdaContext } from '../../local/lambda-adapter.js';
import { httpApiEvent } from '../support/api-gateway-event.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';

vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
vi.stubEnv('AWS_LAMBDA_LOG_LEVEL', 'DEBUG');
vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
// Human API's data API and auth service, scripted per test, over real HTTP on loopback.
const humanApi = vi.fn<typeof fetch>();
const humanApiUrl = await serveFetchHandler(humanApi);
vi.stubEnv('HUMANAPI_DATA_BASE_URL', `${humanApiUrl}/data`);
vi.stubEnv('HUMANAPI_AUTH_BASE_URL', `${humanApiUrl}/auth`);

/** The handler as the stack deploys it, without JWT (IAM) or with a JWT authorizer naming the user by `sub`. */
async function loadHandler(jwt: boolean) {
  vi.resetModules();
  if (jwt) vi.stubEnv('JWT_USER_CLAIM', 'sub');
  else vi.stubEnv('JWT_USER_CLAIM', '');
  return (await import('../../functions/human-data.js')).handler;
}
const iamHandler = await loadHandler(false);
const jwtHandler = await loadHandler(true);

const documents = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const secretsManager = mockClient(SecretsManagerClient);

const V1_TOKEN = 'ac'.repeat(20);
const MINTED = ['m1'.repeat(20), 'm2'.repeat(20)];
const HUMAN_ID = 'a1'.repeat(12);
/** A marker of health data: it may be in an answer, never in a log line. */
const HEALTH_DATA = '[{"id":"s1","date":"2026-01-31","steps":98765,"source":"demo-health-system"}]';
const APP_BACKEND = 'arn:aws:iam::123456789012:role/app-backend';

const answer = (status: number, body: string, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { 'Content-Type': 'application/json', ...headers } });

type Result = { statusCode: number; body: string; headers: Record<string, string> };

/** Calls the gateway as API Gateway would: `path` as sent (raw), its parameters decoded once. */
async function call(
  handler: typeof iamHandler,
  rawPath: string,
  { query = '', claims, body }: { query?: string; claims?: Record<string, unknown>; body?: string } = {},
) {
  const [, clientUserId = '', path = ''] = /^\/users\/([^/]+)\/human\/(.*)$/.exec(rawPath) ?? [];
  const event: APIGatewayProxyEventV2 = httpApiEvent({
    method: 'GET',
    path: rawPath,
    routePath: '/users/{clientUserId}/human/{path+}',
    pathParameters: { clientUserId: decodeURIComponent(clientUserId), path: decodeURIComponent(path) },
    rawQueryString: query,
    body,
    contentType: null,
    requestId: 'req-gateway-1',
    ...(claims === undefined ? { iamPrincipal: APP_BACKEND } : { claims }),
  });
  // The functions' logs go to the output the audit tests read, not to the test runner's.
  const { result } = await captureOutput(
    async () => (await handler(event, createLambdaContext('humanData', 20_000))) as Result,
  );
  return { ...result, json: result.body === '' ? {} : (JSON.parse(result.body) as Record<string, unknown>) };
}

/** Where output goes while captured: the innermost capture's chunks. */
const captures: string[][] = [];

/** Everything written to stdout and stderr while `run` runs (what an inner capture takes, an outer one sees too). */
async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  if (captures.length > 0) {
    captures.push(chunks);
    try {
      return { result: await run(), output: chunks.join('') };
    } finally {
      captures.pop();
      captures.at(-1)?.push(...chunks);
    }
  }
  captures.push(chunks);
  const record = (chunk: unknown) => {
    captures.at(-1)?.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => record(args.map(String).join(' '))),
    ),
  ];
  try {
    return { result: await run(), output: chunks.join('') };
  } finally {
    captures.pop();
    for (const spy of spies) spy.mockRestore();
  }
}

const auditLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.includes('"Human data call"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * The records: users named `bob…` are of the current generation (a token minted on demand),
 * `nobody…` have none, any other is a v1 user with a stored ciphertext. The handler's token cache
 * lives as long as its module, so each test reads users of its own.
 */
function storeRecords() {
  const refusedAt = new Map<string, string>();
  documents.on(GetCommand).callsFake((input: { Key: { clientUserId: string } }) => {
    const { clientUserId } = input.Key;
    if (clientUserId.startsWith('nobody')) return {};
    if (clientUserId.startsWith('bob')) return { Item: { clientUserId, humanId: HUMAN_ID } };
    const refusal = refusedAt.get(clientUserId);
    return {
      Item: {
        clientUserId,
        humanId: HUMAN_ID,
        accessTokenCiphertext: 'AQID',
        accessTokenIssuedAt: '2026-01-01T00:00:00.000Z',
        ...(refusal === undefined ? {} : { accessTokenRefusedAt: refusal }),
      },
    };
  });
  // The store remembers a refusal the way the table does, so the next read no longer offers the v1 token.
  documents
    .on(UpdateCommand)
    .callsFake(
      (input: {
        Key: { clientUserId: string };
        UpdateExpression?: string;
        ExpressionAttributeValues?: Record<string, unknown>;
      }) => {
        if (input.UpdateExpression?.includes('accessTokenRefusedAt')) {
          refusedAt.set(input.Key.clientUserId, String(input.ExpressionAttributeValues?.[':now']));
        }
        return {};
      },
    );
  kms.on(DecryptCommand).resolves({ Plaintext: new TextEncoder().encode(V1_TOKEN) });
  kms.on(EncryptCommand).resolves({ CiphertextBlob: new Uint8Array([1, 2, 3]) });
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientSecret: 'the-secret' }) });
}

/** Human API: mints `MINTED` in turn; the data API answers from `data` by token. */
function serveHumanApi(data: (token: string) => Response) {
  let mints = 0;
  humanApi.mockImplementation(async (url, init) => {
    const { pathname } = new URL(String(url));
    if (pathname === '/auth/v1/connect/token') {
      const accessToken = MINTED[mints] ?? 'mx'.repeat(20);
      mints += 1;
      return answer(200, JSON.stringify({ access_token: accessToken, expires_in: 86_400, token_type: 'Bearer' }));
    }
    const authorization = new Headers(init?.headers).get('authorization') ?? '';
    return data(authorization.replace(/^Bearer /, ''));
  });
}

const dataCalls = () => humanApi.mock.calls.filter(([url]) => new URL(String(url)).pathname.startsWith('/data/'));

beforeEach(() => {
  documents.reset();
  kms.reset();
  secretsManager.reset();
  humanApi.mockReset();
  storeRecords();
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('humanData handler: a page of health data', () => {
  it('answers Human API\u2019s JSON as it came, with its total and a link to this API\u2019s next page', async () => {
    serveHumanApi(() =>
      answer(200, HEALTH_DATA, {
        'X-Total-Count': '90',
        Link: `<${humanApiUrl}/data/v1/human/activities/summaries?limit=1&offset=1>; rel="next"`,
      }),
    );

    const result = await call(iamHandler, '/users/alice/human/activities/summaries', { query: 'limit=1' });

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe(HEALTH_DATA);
    expect(result.headers).toEqual({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Total-Count': '90',
      Link: '</users/alice/human/activities/summaries?limit=1&offset=1>; rel="next"',
    });
    const [url, init] = dataCalls()[0] ?? [];
    expect(url).toBe(`${humanApiUrl}/data/v1/human/activities/summaries?limit=1`);
    expect(new Headers(init?.headers).get('authorization')).toBe(`Bearer ${V1_TOKEN}`);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, { EncryptionContext: { clientUserId: 'alice' } });
  });

  it('decrypts a user\u2019s token once for calls in a row (the cache)', async () => {
    serveHumanApi(() => answer(200, HEALTH_DATA));

    await call(iamHandler, '/users/carol/human/profile');
    await call(iamHandler, '/users/carol/human/sleeps/summaries');

    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 1);
    expect(dataCalls()).toHaveLength(2);
  });

  it('mints a current-generation user\u2019s token, and mints again once when Human API refuses it', async () => {
    serveHumanApi((token) => (token === MINTED[0] ? answer(401, '{}') : answer(200, HEALTH_DATA)));

    const result = await call(iamHandler, '/users/bob/human/heart_rate/readings');

    expect(result.statusCode).toBe(200);
    expect(dataCalls().map(([, init]) => new Headers(init?.headers).get('authorization'))).toEqual([
      `Bearer ${MINTED[0]}`,
      `Bearer ${MINTED[1]}`,
    ]);
  });
});

describe('humanData handler: Human API refuses a v1 token', () => {
  it('records the refusal, mints a token and answers the data with it: the user is never stranded', async () => {
    serveHumanApi((token) =>
      token === MINTED[0] ? answer(200, HEALTH_DATA) : answer(401, '{"error":"Unauthorized"}'),
    );

    const result = await call(iamHandler, '/users/alice/human/profile');

    expect(result.statusCode).toBe(200);
    expect(dataCalls()).toHaveLength(2);
    expect(documents).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { clientUserId: 'alice' },
      UpdateExpression: 'SET accessTokenRefusedAt = :now, updatedAt = :now, lastWriteId = :writeId ADD version :one',
      ConditionExpression: 'attribute_exists(clientUserId)',
      ReturnValues: 'NONE',
    });
  });

  it('answers 409 reconnect-required and marks the record when the minted token is refused too, touching only the marks\u2019 attributes', async () => {
    serveHumanApi(() => answer(401, '{"error":"Unauthorized"}'));

    const result = await call(iamHandler, '/users/alina/human/profile');

    expect(result.statusCode).toBe(409);
    expect(result.json).toMatchObject({
      type: 'urn:humanconnect:problem:reconnect-required',
      status: 409,
      requestId: 'req-gateway-1',
    });
    const marks = documents
      .commandCalls(UpdateCommand)
      .map((update) => update.args[0].input.UpdateExpression)
      .filter((expression) => !String(expression).includes('mintedAccessTokenCiphertext'));
    expect(marks).toEqual([
      'SET accessTokenRefusedAt = :now, updatedAt = :now, lastWriteId = :writeId ADD version :one',
      'SET reconnectRequired = :yes, updatedAt = :now, lastWriteId = :writeId ADD version :one',
    ]);
  });
});

describe('humanData handler: refusals before any work', () => {
  it.each([
    ['an unknown endpoint', '/users/alice/human/secrets', '', 'path.path'],
    ['a dot segment', '/users/alice/human/activities/../profile', '', 'path.path'],
    ['an encoded slash', '/users/alice/human/activities%2Fsummaries', '', 'path.path'],
    ['an encoded letter', '/users/alice/human/%70rofile', '', 'path.path'],
    ['a limit over 500', '/users/alice/human/activities/summaries', 'limit=501', 'query.limit'],
    ['a token in the query', '/users/alice/human/profile', 'access_token=x', 'query.access_token'],
    ['a repeated parameter', '/users/alice/human/sources', 'offset=0&offset=50', 'query.offset'],
    ['"me" from an IAM caller', '/users/me/human/profile', '', 'path.clientUserId'],
    ['a clientUserId too long', `/users/${'u'.repeat(257)}/human/profile`, '', 'path.clientUserId'],
    ['a control character in the clientUserId', '/users/a%07b/human/profile', '', 'path.clientUserId'],
  ])('answers 400 naming the parameter for %s, reading nothing', async (_, path, query, parameter) => {
    const result = await call(iamHandler, path, { query });

    expect(result.statusCode).toBe(400);
    expect(result.headers['Content-Type']).toBe('application/problem+json');
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:invalid-parameter' });
    expect(result.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: parameter })]));
    expect(humanApi).not.toHaveBeenCalled();
    expect(documents.calls()).toEqual([]);
    expect(kms.calls()).toEqual([]);
  });

  it('answers 400 unexpected-body to a GET with a body', async () => {
    const result = await call(iamHandler, '/users/alice/human/profile', { body: '{"a":1}' });

    expect(result.statusCode).toBe(400);
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:unexpected-body' });
    expect(humanApi).not.toHaveBeenCalled();
  });

  it('answers 404 no-token-record for a user without a record, calling Human API never', async () => {
    const result = await call(iamHandler, '/users/nobody/human/profile');

    expect(result.statusCode).toBe(404);
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:no-token-record' });
    expect(humanApi).not.toHaveBeenCalled();
  });
});

describe('humanData handler, JWT mode: only the caller\u2019s own data', () => {
  it.each([
    ['their own id', '/users/dave/human/profile', 'dave'],
    ['"me"', '/users/me/human/profile', 'erin'],
  ])('lets a user read by %s', async (_, path, sub) => {
    serveHumanApi(() => answer(200, HEALTH_DATA));

    const result = await call(jwtHandler, path, { claims: { sub } });

    expect(result.statusCode).toBe(200);
    expect(documents).toHaveReceivedCommandWith(GetCommand, { Key: { clientUserId: sub } });
  });

  it('answers 403 caller-mismatch to a user naming another, reading nothing', async () => {
    const result = await call(jwtHandler, '/users/alice/human/profile', { claims: { sub: 'mallory' } });

    expect(result.statusCode).toBe(403);
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:caller-mismatch' });
    expect(documents.calls()).toEqual([]);
    expect(humanApi).not.toHaveBeenCalled();
  });

  it('answers 400 invalid-caller-id when the claim cannot be a clientUserId', async () => {
    const result = await call(jwtHandler, '/users/me/human/profile', { claims: { sub: 'x'.repeat(300) } });

    expect(result.statusCode).toBe(400);
    expect(result.json).toMatchObject({ type: 'urn:humanconnect:problem:invalid-caller-id' });
  });
});

describe('humanData handler: the audit line', () => {
  it('writes one line per call at INFO with who, whose, which endpoint, both statuses, bytes, latency and request id', async () => {
    serveHumanApi(() => answer(200, HEALTH_DATA));

    const { output } = await captureOutput(() =>
      call(iamHandler, '/users/alice/human/activities/summaries/2026-01-31'),
    );

    expect(auditLines(output)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        caller: APP_BACKEND,
        clientUserId: 'alice',
        pathTemplate: '/v1/human/activities/summaries/{id}',
        upstreamStatus: 200,
        status: 200,
        bytes: Buffer.byteLength(HEALTH_DATA),
        latencyMs: expect.any(Number),
        requestId: 'req-gateway-1',
      }),
    ]);
  });

  it('names a signed-in caller, and audits refusals and failures too', async () => {
    serveHumanApi(() => answer(503, '{}'));

    const { output } = await captureOutput(async () => {
      await call(jwtHandler, '/users/alice/human/profile', { claims: { sub: 'mallory' } });
      await call(iamHandler, '/users/alice/human/nope');
      await call(iamHandler, '/users/alice/human/profile');
    });

    expect(
      auditLines(output).map(({ caller, clientUserId, pathTemplate, upstreamStatus, status, bytes }) => ({
        caller,
        clientUserId,
        pathTemplate,
        upstreamStatus,
        status,
        bytes,
      })),
    ).toEqual([
      {
        caller: 'user:mallory',
        clientUserId: undefined,
        pathTemplate: undefined,
        upstreamStatus: undefined,
        status: 403,
        bytes: 0,
      },
      {
        caller: APP_BACKEND,
        clientUserId: undefined,
        pathTemplate: undefined,
        upstreamStatus: undefined,
        status: 400,
        bytes: 0,
      },
      {
        caller: APP_BACKEND,
        clientUserId: 'alice',
        pathTemplate: '/v1/human/profile',
        upstreamStatus: 503,
        status: 502,
        bytes: 0,
      },
    ]);
  });

  it('prints no token, no query value and no byte of health data at DEBUG, whatever happens', async () => {
    let calls = 0;
    serveHumanApi((token) => {
      calls += 1;
      if (token === MINTED[0]) return answer(401, HEALTH_DATA);
      return calls % 2 === 0 ? answer(500, HEALTH_DATA) : answer(200, HEALTH_DATA);
    });

    const { output } = await captureOutput(async () => {
      await call(iamHandler, '/users/alice/human/activities/summaries', { query: 'source=secret-source-name' });
      await call(iamHandler, '/users/bob-scan/human/activities/summaries/2026-01-31');
      await call(iamHandler, '/users/alice/human/sleeps/summaries', { query: 'limit=0' });
    });

    expect(output).toContain('"Human data call"');
    for (const secret of [V1_TOKEN, ...MINTED, 'the-secret', 'secret-source-name', '98765', '2026-01-31']) {
      expect(output).not.toContain(secret);
    }
  });
});
