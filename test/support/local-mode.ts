/**
 * Runs local mode (`local/start.ts`, what `npm start` runs) as a child process
 * on free loopback ports, and captures every line it prints, so tests speak
 * real HTTP to it and can scan its logs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** A running local mode child process. */
export interface LocalModeProcess {
  readonly apiUrl: string;
  readonly webUrl: string;
  /** Every line printed so far on stdout and stderr. */
  readonly output: string[];
  /** Stops the process (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Options of {@link startLocalModeProcess}. */
export interface StartOptions {
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Keep state in memory (`--in-memory`). @default true */
  readonly inMemory?: boolean;
  /** Working directory (for `.data/`). @default the repository root */
  readonly cwd?: string;
  /** Load the handlers from built bundles, `<dir>/<functionName>/index.mjs` (`LOCAL_HANDLER_BUNDLES_DIR`). */
  readonly handlerBundlesDir?: string;
}

/** Starts local mode and resolves once it printed "Ready.". */
export async function startLocalModeProcess({
  env = {},
  inMemory = true,
  cwd = ROOT,
  handlerBundlesDir,
}: StartOptions = {}): Promise<LocalModeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), resolve(ROOT, 'local/start.ts'), ...(inMemory ? ['--in-memory'] : [])],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PORT: '0',
        WEB_PORT: '0',
        // The functions' JSON logs, which tests scan for leaks (a terminal gets request lines instead).
        LOG_FORMAT: 'json',
        ...(handlerBundlesDir === undefined ? {} : { LOCAL_HANDLER_BUNDLES_DIR: handlerBundlesDir }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      output.push(...lines);
    });
    stream?.on('end', () => {
      if (pending !== '') output.push(pending);
    });
  };
  collect(child.stdout);
  collect(child.stderr);

  const exited = once(child, 'exit');
  const deadline = Date.now() + 60_000;
  while (!output.includes('Ready.')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`local mode did not start:\n${output.join('\n')}`);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  const urlOf = (label: string) => {
    const line = output.find((candidate) => candidate.trimStart().startsWith(`${label}:`));
    const match = /http:\/\/127\.0\.0\.1:\d+/.exec(line ?? '');
    if (match === null) throw new Error(`no ${label} URL in:\n${output.join('\n')}`);
    return match[0];
  };

  return {
    apiUrl: urlOf('API'),
    webUrl: urlOf('Front end'),
    output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
