/**
 * Runs in a fresh Node.js process, as Lambda's runtime would: loads one
 * function bundle, serves one invocation, and prints how long each took as a
 * `BENCH_PROBE {json}` line. With `BENCH_PROFILE_DIR` set it also writes a
 * CPU profile of each phase (`load.cpuprofile`, `invoke.cpuprofile`).
 *
 * Bundled by the benchmark (esbuild) next to the function bundles; not a
 * Lambda entry itself.
 *
 * argv: `<bundle path>`; env: `BENCH_EVENT` (the event JSON), the function's
 * environment, and optionally `BENCH_PROFILE_DIR`.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLambdaContext, type HttpApiHandler } from '../local/lambda-adapter.js';
import { PROBE_MARKER, type ProbeResult } from './probe-protocol.js';

async function main(): Promise<void> {
  const [bundlePath] = process.argv.slice(2);
  const eventJson = process.env.BENCH_EVENT;
  if (bundlePath === undefined || eventJson === undefined) throw new Error('usage: BENCH_EVENT=… probe <bundle>');
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const event = JSON.parse(eventJson) as Parameters<HttpApiHandler>[0];
  const context = createLambdaContext(
    process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function',
    10_000,
    Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? 512),
  );

  const session = profileDir === undefined ? undefined : new Session();
  const profile = async (phase: string, work: () => Promise<void>) => {
    if (session === undefined || profileDir === undefined) return work();
    await session.post('Profiler.start');
    await work();
    const { profile: result } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `${phase}.cpuprofile`), JSON.stringify(result));
  };
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
  }

  let handler: HttpApiHandler | undefined;
  let loadMs = 0;
  await profile('load', async () => {
    const started = performance.now();
    const module = (await import(pathToFileURL(bundlePath).href)) as { handler: HttpApiHandler };
    loadMs = performance.now() - started;
    handler = module.handler;
  });
  let firstInvokeMs = 0;
  let statusCode = 0;
  await profile('invoke', async () => {
    if (handler === undefined) throw new Error('the bundle exports no handler');
    const started = performance.now();
    const result = await handler(event, context);
    firstInvokeMs = performance.now() - started;
    statusCode = result.statusCode ?? 200;
  });
  const answer: ProbeResult = { loadMs, firstInvokeMs, processToAnswerMs: performance.now(), statusCode };
  // Timings are taken; print and leave without waiting for keep-alive sockets.
  process.stdout.write(`${PROBE_MARKER}${JSON.stringify(answer)}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
