/**
 * `npm start` as a new user meets it: every start-up failure is one line naming the cause and
 * what to change, and a running local mode prints one line per request
 * (docs/local-mode.md#the-terminal).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

const ROOT = resolve(import.meta.dirname, '../..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `npm start` (npm's own banner silenced) and waits for it to exit. */
async function npmStart(env: Record<string, string>, args: string[] = ['--in-memory']): Promise<Run> {
  const child = spawn('npm', ['start', '--silent', '--', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', WEB_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Asserts the run failed with exactly one line on stderr, and returns it. */
function oneFailureLine(run: Run): string {
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/\bat .+:\d+:\d+/);
  return lines[0] ?? '';
}

async function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('npm start refuses to start with one line', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ WEB_PORT: '70000' }, 'WEB_PORT'],
    [{ HUMANAPI_TIMEOUT_MS: '5' }, 'HUMANAPI_TIMEOUT_MS'],
    [{ SECRET_TTL_SECONDS: 'soon' }, 'SECRET_TTL_SECONDS'],
    [{ CORS_ALLOW_ORIGINS: '*' }, 'CORS_ALLOW_ORIGINS'],
    [{ LOG_FORMAT: 'pretty' }, 'LOG_FORMAT'],
  ])('for %j, naming %s', async (env, variable) => {
    const line = oneFailureLine(await npmStart(env));

    expect(line).toContain(variable);
  });

  it('for a real Human API without the client secret, in exactly one line', async () => {
    const run = await npmStart({ HUMANAPI_BASE_URL: 'https://user.humanapi.co', HUMANAPI_CLIENT_ID: 'f'.repeat(40) });

    expect(oneFailureLine(run)).toBe(
      'Environment variable HUMANAPI_CLIENT_SECRET is required when HUMANAPI_BASE_URL is set: without it the local secret store holds no secret of your app, so no request could succeed',
    );
  });

  it('when PORT is busy, naming PORT', async () => {
    const { server, port } = await occupyPort();
    try {
      const line = oneFailureLine(await npmStart({ PORT: String(port) }));

      expect(line).toContain(`Port ${port} is already in use (PORT)`);
    } finally {
      server.close();
    }
  });

  it('when WEB_PORT is busy, naming WEB_PORT', async () => {
    const { server, port } = await occupyPort();
    try {
      const line = oneFailureLine(await npmStart({ WEB_PORT: String(port) }));

      expect(line).toContain('(WEB_PORT)');
    } finally {
      server.close();
    }
  });

  it('when another local mode uses .data/, naming it and --in-memory', async () => {
    const first = await startLocalModeProcess({ inMemory: false });
    try {
      const line = oneFailureLine(await npmStart({}, []));

      expect(line).toMatch(/\.data\/ is in use by another local mode \(pid \d+\)/);
      expect(line).toContain('--in-memory');
    } finally {
      await first.stop();
    }
  });
});

describe('the terminal of a running local mode', () => {
  const running: LocalModeProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((local) => local.stop()));
  });

  it('prints one timestamped line per request: a failure marked with its title, the flows\u2019 normal answers explained', async () => {
    const local = await startLocalModeProcess({ env: { LOG_FORMAT: 'line' } });
    running.push(local);
    // The sandbox's notification after the finish has its own line (docs/local-mode.md#notifications).
    const requestLines = () =>
      local.output.filter((line) => /^\d{2}:\d{2}:\d{2}\.\d{3} POST /.test(line) && !line.includes('/notifications/'));
    const notificationLines = () =>
      local.output.filter((line) => /^\d{2}:\d{2}:\d{2}\.\d{3} POST \/notifications\//.test(line));

    const invalid = await post(`${local.apiUrl}/sessions`, { humanId: 'h', clientId: 'c' });
    const newUser = await signedPost(`${local.apiUrl}/public-tokens`, { clientUserId: 'nora@example.com' });
    const noEmail = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'nora@example.com' });
    const session = await mintSession(local.apiUrl, 'nora@example.com');
    const finished = await post(`${local.apiUrl}/sessions`, session);
    await expect.poll(() => requestLines().length).toBe(4);

    expect([invalid.status, newUser.status, noEmail.status, finished.status]).toEqual([400, 404, 400, 200]);
    // Piped (not a terminal): a failure says `failed:` in words.
    expect(requestLines()).toEqual([
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} POST \/sessions 400 \d+ms failed: Invalid request body$/),
      expect.stringMatching(
        /^\d{2}:\d{2}:\d{2}\.\d{3} POST \/public-tokens 404 \d+ms no record yet \(a new user: Connect opens in create mode\)$/,
      ),
      expect.stringMatching(
        /^\d{2}:\d{2}:\d{2}\.\d{3} POST \/connect-tokens 400 \d+ms e-mail needed \(a new user: the page asks for one, then create mode\)$/,
      ),
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} POST \/sessions 200 \d+ms$/),
    ]);
    await expect.poll(() => notificationLines().length).toBe(1);
    expect(notificationLines()).toEqual([
      expect.stringMatching(/^\d{2}:\d{2}:\d{2}\.\d{3} POST \/notifications\/… 200 \d+ms$/),
    ]);
    expect(local.output.some((line) => line.startsWith('{'))).toBe(false);
  });

  it('prints the functions\u2019 JSON logs, each with the request id, under LOG_FORMAT=json', async () => {
    const local = await startLocalModeProcess({ env: { LOG_FORMAT: 'json' } });
    running.push(local);

    const answer = await post(`${local.apiUrl}/sessions`, { humanId: 'h', clientId: 'c' });
    const requestId = String(answer.json.requestId);
    await expect.poll(() => local.output.some((line) => line.includes(requestId))).toBe(true);

    const logged = local.output.filter((line) => line.includes(requestId)).map((line) => JSON.parse(line));
    expect(logged).toContainEqual(expect.objectContaining({ message: 'Request refused', status: 400, requestId }));
    expect(local.output.some((line) => / POST \/sessions \d{3} /.test(line))).toBe(false);
  });
});

describe('GET /openapi.json', () => {
  it('serves the committed OpenAPI document with the local server URL', async () => {
    const local = await startLocalModeProcess();
    try {
      const response = await fetch(`${local.apiUrl}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
      const document = (await response.json()) as Record<string, unknown>;
      const committed = JSON.parse(readFileSync(resolve(ROOT, 'docs/openapi.json'), 'utf8')) as Record<string, unknown>;

      expect(response.status).toBe(200);
      expect(document).toEqual({ ...committed, servers: [{ url: local.apiUrl }] });
    } finally {
      await local.stop();
    }
  });
});

/**
 * What a team's own service does with the AWS SDK against local mode: the token table, a stored
 * record and its ciphertext, the key with a record's context, the client secret. Run by plain
 * node with the environment it is given and nothing else.
 */
const SERVICE_SCRIPT = `
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
const { TOKENS_TABLE_NAME, TOKEN_KEY_ID, HUMANAPI_SECRET_ID } = process.env;
const context = { clientUserId: 'sam@example.com' };
const dynamoDb = new DynamoDBClient({});
const kms = new KMSClient({});
const table = await dynamoDb.send(new DescribeTableCommand({ TableName: TOKENS_TABLE_NAME }));
const { Item } = await dynamoDb.send(
  new GetItemCommand({ TableName: TOKENS_TABLE_NAME, Key: { clientUserId: { S: context.clientUserId } } }),
);
const sealed = await kms.send(new EncryptCommand({ KeyId: TOKEN_KEY_ID, Plaintext: Buffer.from('a note'), EncryptionContext: context }));
const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context }));
const stored = await kms.send(new DecryptCommand({
  KeyId: TOKEN_KEY_ID,
  CiphertextBlob: Buffer.from(Item.accessTokenCiphertext.S, 'base64'),
  EncryptionContext: context,
}));
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: HUMANAPI_SECRET_ID }));
console.log(JSON.stringify({
  tableStatus: table.Table.TableStatus,
  recordHumanId: Item.humanId.S,
  roundTrip: Buffer.from(opened.Plaintext).toString('utf8'),
  storedAccessTokenIsHex40: /^[0-9a-f]{40}$/.test(Buffer.from(stored.Plaintext).toString('utf8')),
  secretHoldsClientSecret: typeof JSON.parse(secret.SecretString).clientSecret === 'string',
}));
`;

/**
 * Runs {@link SERVICE_SCRIPT} as docs/local-mode.md says, `set -a; . <file>; set +a`, in a shell
 * with no other variable but a developer's AWS profile and session, which the file must override.
 */
async function runServiceWith(envFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      'set -a; . "$1"; set +a; exec "$2" --input-type=module -e "$3"',
      'sh',
      envFile,
      process.execPath,
      SERVICE_SCRIPT,
    ],
    {
      cwd: ROOT,
      env: { AWS_PROFILE: 'developer-real-account', AWS_SESSION_TOKEN: 'developer-session' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The `NAME=value` lines of an env file (values are bare or single-quoted). */
function readEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => {
      const [name = '', ...rest] = line.split('=');
      return [name, rest.join('=').replace(/^'(.*)'$/, '$1')] as const;
    });
  return Object.fromEntries(entries);
}

const SERVICE_VARIABLES = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_KMS',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_SQS',
  'TOKENS_TABLE_NAME',
  'TOKEN_KEY_ID',
  'HUMANAPI_CLIENT_ID',
  'HUMANAPI_SECRET_ID',
  'HUMANAPI_AUTH_BASE_URL',
  'HUMANAPI_DATA_BASE_URL',
  'NOTIFICATIONS_QUEUE_URL',
  'HUMANCONNECT_API_URL',
  'HUMANCONNECT_IAM_ACCESS_KEY_ID',
  'HUMANCONNECT_IAM_SECRET_ACCESS_KEY',
];

describe('your own service against local mode', () => {
  it('runs the AWS SDK and calls the IAM routes with .data/local-aws.env (0600) alone', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'service-env-'));
    const local = await startLocalModeProcess({ inMemory: false, cwd: workDir });
    try {
      const session = await mintSession(local.apiUrl, 'sam@example.com');
      expect((await post(`${local.apiUrl}/sessions`, session)).status).toBe(200);
      const envFile = join(workDir, '.data/local-aws.env');
      const variables = readEnvFile(readFileSync(envFile, 'utf8'));

      const service = await runServiceWith(envFile);
      const signed = await signedPost(
        `${variables.HUMANCONNECT_API_URL}/public-tokens`,
        { clientUserId: 'sam@example.com' },
        {
          region: variables.AWS_REGION,
          credentials: {
            accessKeyId: variables.HUMANCONNECT_IAM_ACCESS_KEY_ID ?? '',
            secretAccessKey: variables.HUMANCONNECT_IAM_SECRET_ACCESS_KEY ?? '',
          },
        },
      );

      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      expect(Object.keys(variables)).toEqual(SERVICE_VARIABLES);
      expect(variables).toMatchObject({
        AWS_REGION: 'us-east-1',
        TOKENS_TABLE_NAME: 'humanapi-tokens',
        TOKEN_KEY_ID: 'alias/humanapi-connect-tokens',
        HUMANAPI_SECRET_ID: 'humanapi-connect/client-secret',
        HUMANAPI_AUTH_BASE_URL: `${local.apiUrl}/sandbox/humanapi-auth`,
        HUMANAPI_DATA_BASE_URL: `${local.apiUrl}/sandbox/humanapi-data`,
        HUMANCONNECT_API_URL: local.apiUrl,
      });
      expect(local.output).toContain(
        '  Services:   your own service against local mode: set -a; . .data/local-aws.env; set +a',
      );
      expect([service.code, service.stdout.trim()]).toEqual([
        0,
        JSON.stringify({
          tableStatus: 'ACTIVE',
          recordHumanId: session.humanId,
          roundTrip: 'a note',
          storedAccessTokenIsHex40: true,
          secretHoldsClientSecret: true,
        }),
      ]);
      expect(signed.status).toBe(200);
      expect(signed.json).toMatchObject({ clientUserId: 'sam@example.com', humanId: session.humanId });
    } finally {
      await local.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('prints the same variables as export lines when nothing is written to disk (--in-memory)', async () => {
    const local = await startLocalModeProcess({ inMemory: true });
    try {
      const exports = local.output.filter((line) => line.startsWith('    export '));
      const names = exports.flatMap((line) =>
        line
          .replace(/^ {4}export /, '')
          .split(' ')
          .map((assignment) => assignment.split('=')[0]),
      );

      expect(names).toEqual(SERVICE_VARIABLES);
      expect(exports).toContain(`    export HUMANCONNECT_API_URL=${local.apiUrl}`);
      expect(local.output).toContain('  Services:   your own service against local mode, paste into its shell:');
    } finally {
      await local.stop();
    }
  });
});

/** Local mode as a terminal runs it (request lines), to be stopped with a signal. */
interface Stoppable {
  readonly apiUrl: string;
  readonly output: string[];
  /** Sends a signal to the process. */
  signal(signal: NodeJS.Signals): void;
  readonly exited: Promise<number | null>;
}

async function startStoppable({
  cwd = ROOT,
  inMemory = true,
}: {
  cwd?: string;
  inMemory?: boolean;
}): Promise<Stoppable> {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'local/start.ts'), ...(inMemory ? ['--in-memory'] : [])],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', WEB_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    output.push(...lines);
  });
  child.stderr.setEncoding('utf8').on('data', () => {
    // The SDK's Node version notice; the summary is on stdout.
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const deadline = Date.now() + 45_000;
  while (!output.includes('Ready.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local mode did not start:\n${output.join('\n')}`);
    }
    await sleep(50);
  }
  const apiUrl = /http:\/\/127\.0\.0\.1:\d+/.exec(output.find((line) => line.includes('API:')) ?? '')?.[0] ?? '';
  return { apiUrl, output, signal: (signal) => child.kill(signal), exited };
}

/** A grant left in the outbox: the drain cannot receive, and the token write fails past its retries. */
async function leaveGrantInOutbox(apiUrl: string, clientUserId: string): Promise<void> {
  await post(`${apiUrl}/sandbox/sqs/faults`, { operation: 'ReceiveMessage', count: 1000 });
  await post(`${apiUrl}/sandbox/dynamodb/faults`, { operation: 'UpdateItem', tableName: 'humanapi-tokens', count: 3 });
  const finished = await post(`${apiUrl}/sessions`, await mintSession(apiUrl, clientUserId));
  expect(finished.status).toBe(200);
  const stats = await fetch(`${apiUrl}/sandbox/sqs/stats`);
  expect(await stats.json()).toEqual({ outbox: 1, deadLetters: 0, rejected: 0 });
}

/**
 * Starts a `/sessions` request that waits in Human API's exchange, and resolves once it is there,
 * with its answer to come (wrapped: an async function would wait for a promise it returns).
 */
async function sessionInFlight(apiUrl: string, clientUserId: string, delayMs: number) {
  const calls = async () => Number((await (await fetch(`${apiUrl}/sandbox/humanapi/stats`)).json()).exchangeCalls);
  const before = await calls();
  await post(`${apiUrl}/sandbox/humanapi/faults`, { delayMs });
  const answer = post(`${apiUrl}/sessions`, await mintSession(apiUrl, clientUserId)).catch((error: unknown) => error);
  await expect.poll(calls).toBe(before + 1);
  return { answer };
}

const TIME = String.raw`\d{2}:\d{2}:\d{2}\.\d{3}`;

describe('stopping local mode', () => {
  it('on Ctrl-C, finishes the request in flight and says so, and that --in-memory dropped the waiting grant', async () => {
    const local = await startStoppable({ inMemory: true });
    await leaveGrantInOutbox(local.apiUrl, 'olga@example.com');
    const inFlight = await sessionInFlight(local.apiUrl, 'pia@example.com', 2000);

    local.signal('SIGINT');
    const answer = await inFlight.answer;
    const code = await local.exited;

    expect(answer).toMatchObject({ status: 200 });
    expect(code).toBe(0);
    expect(local.output).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${TIME} Stopping \\(Ctrl-C\\): finishing 1 request in flight \\(up to 21 s\\); Ctrl-C again drops it$`,
        ),
      ),
    );
    expect(local.output.at(-5)).toMatch(new RegExp(`^${TIME} POST /sessions 200 \\d+ms$`));
    expect(local.output.at(-4)).toMatch(new RegExp(`^${TIME} Stopped \\(Ctrl-C\\)\\.$`));
    expect(local.output.slice(-3)).toEqual([
      '  In flight:  1 request, finished',
      '  Outbox:     1 grant waiting, dropped (--in-memory)',
      '  Data:       nothing kept (--in-memory)',
    ]);
  });

  it('on SIGTERM, says the waiting grant was kept in .data/outbox.json, and .data/ with it', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'stop-summary-'));
    try {
      const local = await startStoppable({ cwd: workDir, inMemory: false });
      await leaveGrantInOutbox(local.apiUrl, 'quentin@example.com');

      local.signal('SIGTERM');
      const code = await local.exited;
      const kept = JSON.parse(readFileSync(join(workDir, '.data/outbox.json'), 'utf8')) as Record<string, unknown[]>;

      expect(code).toBe(0);
      expect(local.output.at(-4)).toMatch(new RegExp(`^${TIME} Stopped \\(SIGTERM\\)\\.$`));
      expect(local.output.slice(-3)).toEqual([
        '  In flight:  none',
        '  Outbox:     1 grant waiting, kept in .data/outbox.json for the next start',
        '  Data:       .data/ kept (to start afresh: rm -rf .data)',
      ]);
      expect(kept['humanapi-outbox']).toHaveLength(1);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it('on a second Ctrl-C, stops at once and says it dropped the request in flight', async () => {
    const local = await startStoppable({ inMemory: true });
    const inFlight = await sessionInFlight(local.apiUrl, 'rita@example.com', 20_000);

    local.signal('SIGINT');
    // A signal within a second of the first is the same Ctrl-C relayed (npm, tsx): wait past it.
    await sleep(1200);
    local.signal('SIGINT');
    const code = await local.exited;

    expect(code).toBe(1);
    expect(local.output.at(-1)).toMatch(
      new RegExp(`^${TIME} Stopped at once \\(Ctrl-C again\\): 1 request in flight dropped$`),
    );
    expect(await inFlight.answer).toBeInstanceOf(Error);
  });
});
