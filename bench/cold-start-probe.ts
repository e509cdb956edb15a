/**
 * Runs in a fresh Node.js process, as Lambda's runtime would: loads one bundle, serves one
 * invocation, and prints how long each took as a `BENCH_PROBE {json}` line. Bundled by the
 * benchmark next to the subjects; not a Lambda entry itself.
 *
 * argv: `<bundle path>`; env: `BENCH_EVENT` (the event JSON) and the function's environment.
 */
import { pathToFileURL } from 'node:url';
import { createLambdaContext, type HttpApiHandler } from '../local/lambda-adapter.js';
import { PROBE_MARKER, type ProbeResult } from './probe-protocol.js';

async function main(): Promise<void> {
  const [bundlePath] = process.argv.slice(2);
  const event = JSON.parse(process.env.BENCH_EVENT ?? 'null') as Parameters<HttpApiHandler>[0] | null;
  if (bundlePath === undefined || event === null) throw new Error('usage: BENCH_EVENT=… probe <bundle>');
  const context = createLambdaContext(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function', 10_000, 512);
  let started = performance.now();
  const { handler } = (await import(pathToFileURL(bundlePath).href)) as { handler: HttpApiHandler };
  const loadMs = performance.now() - started;
  started = performance.now();
  const result = await handler(event, context);
  const answer: ProbeResult = {
    loadMs,
    firstInvokeMs: performance.now() - started,
    statusCode: result.statusCode ?? 200,
  };
  // Timings are taken; print and leave without waiting for keep-alive sockets.
  process.stdout.write(`${PROBE_MARKER}${JSON.stringify(answer)}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
