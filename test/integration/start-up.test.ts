/**
 * `npm start` as a new user meets it: every start-up failure is one line naming the cause and
 * what to change, and a running local mode prints one line per request
 * (docs/local-mode.md#the-terminal).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
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
    const requestLines = () => local.output.filter((line) => /^\d{2}:\d{2}:\d{2}\.\d{3} POST /.test(line));

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
