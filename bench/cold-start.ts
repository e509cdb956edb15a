/**
 * Cold start: each subject bundled, its size, and the time a fresh Node.js 24 process takes to
 * load it and serve a first invocation. Subjects, interleaved in a seeded random order per round,
 * one fresh process each, against the local mode the benchmark started:
 *
 * - `finishSession`, `recoverPublicToken`: the deployed bundles (the stack's esbuild options);
 * - `floor`, `recoverFloor`: the same requests over signed `node:http` (`subjects/floor-*.ts`),
 *   bundled the same way;
 * - `typicalSdk`: the same requests as a careful team would write them with the AWS SDK,
 *   Powertools Logger and middy (`subjects/typical-sdk.ts`), bundled with esbuild's defaults
 *   plus minify and ESM, run with `--enable-source-maps`;
 * - `humanData` and `gatewayFloor`: the data gateway and its three requests over signed
 *   `node:http` (`subjects/floor-gateway.ts`), timed by the gateway's piece (`gateway.ts`).
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { FUNCTION_ENTRIES, FUNCTION_ESBUILD_OPTIONS } from '../infra/function-bundling.js';
import { BACKEND_BUILD_OPTIONS, bundleEntry } from '../scripts/build-bundles.js';
import { PROBE_MARKER, type ProbeResult } from './probe-protocol.js';
import { createRandom, median, round, shuffle } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The timed subjects. */
export const COLD_SUBJECTS = ['finishSession', 'recoverPublicToken', 'floor', 'recoverFloor', 'typicalSdk'] as const;
/** A timed subject. */
export type Subject = (typeof COLD_SUBJECTS)[number];
/** The data gateway's subjects, timed beside finishSession and its floor (`gateway.ts`). */
export type GatewaySubject = 'humanData' | 'gatewayFloor';
/** Any subject a cold start can be timed of. */
export type ColdSubject = Subject | GatewaySubject;
/** Everything bundled: the timed subjects and the warm reference. */
export type Bundled = ColdSubject | 'sdkReference';

const ENTRIES: Record<Bundled, string> = {
  ...FUNCTION_ENTRIES,
  floor: 'bench/subjects/floor-finish.ts',
  recoverFloor: 'bench/subjects/floor-recover.ts',
  typicalSdk: 'bench/subjects/typical-sdk.ts',
  gatewayFloor: 'bench/subjects/floor-gateway.ts',
  sdkReference: 'bench/subjects/sdk-reference.ts',
};

/** The backend's esbuild options (scripts/build-bundles.ts): the bytes measured are the bytes deployed. */
const STACK_OPTIONS: BuildOptions = BACKEND_BUILD_OPTIONS;

/** esbuild's defaults for a Node.js bundle, plus minify, ESM and a source map: what a careful team ships. */
const TYPICAL_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  // ESM output has no `require`; some SDK dependencies call it (the stack needs the same banner).
  banner: FUNCTION_ESBUILD_OPTIONS.banner,
};

/** A bundle's size. */
export interface BundleSize {
  /** The minified `index.mjs`. */
  readonly minifiedBytes: number;
  /** The same, gzip level 9 (what a deployment package compresses it to, roughly). */
  readonly gzippedBytes: number;
  /** The source map shipped next to it. */
  readonly sourceMapBytes: number;
  /** Output bytes by package (largest first, top 10), from esbuild's metafile. */
  readonly largestInputs: Readonly<Record<string, number>>;
  /** Every package (or repository folder) with bytes in the bundle. */
  readonly packages: readonly string[];
}

/** Cold-start timings of one subject, medians over the runs. */
export interface ColdStartTimings {
  readonly runs: number;
  readonly medianLoadMs: number;
  readonly medianFirstInvokeMs: number;
  /** Median of load + first invocation per run (the figure compared). */
  readonly medianLoadAndInvokeMs: number;
}

/** What {@link measureColdStart} measured. */
export interface ColdStartResult {
  readonly sizes: Readonly<Record<Bundled, BundleSize>>;
  readonly timings: Readonly<Record<Subject, ColdStartTimings>>;
  /** Median load + first invoke over each other, the ratios the targets name. */
  readonly ratios: {
    readonly finishToFloor: number;
    readonly finishToTypicalSdk: number;
    readonly recoverToFloor: number;
  };
}

/** Settings of {@link measureColdStart}. */
export interface ColdStartOptions {
  /** Where the bundles are (from {@link bundleSubjects}). */
  readonly workDir: string;
  /** The Node.js 24 binary. */
  readonly nodeBinary: string;
  /** Timed runs per subject (after one untimed round). */
  readonly runs: number;
  /** Seed of the per-round order. */
  readonly seed: number;
  /** Stop starting new rounds after this long (at least two rounds run). */
  readonly timeBudgetMs: number;
  /** The environment the functions get: their configuration, pointing at the local mode. */
  readonly functionEnvironment: Readonly<Record<string, string>>;
  /** The first invocation's event for a subject (a fresh session for a finish). */
  readonly eventFor: (subject: ColdSubject) => Promise<APIGatewayProxyEventV2>;
}

function bytesByPackage(metafile: Metafile | undefined): [string, number][] {
  const output = Object.values(metafile?.outputs ?? {}).find((candidate) => candidate.entryPoint !== undefined);
  const byPackage: Record<string, number> = {};
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    if (input.bytesInOutput === 0) continue;
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
  }
  return Object.entries(byPackage).sort(([, a], [, b]) => b - a);
}

/** Bundles one entry into `<dir>/index.mjs` (the stack's options unless told otherwise). */
export async function bundleSized(
  entry: string,
  dir: string,
  options: BuildOptions = STACK_OPTIONS,
): Promise<BundleSize> {
  const outfile = join(dir, 'index.mjs');
  const result = await bundleEntry(entry, dir, options);
  const code = readFileSync(outfile);
  return {
    minifiedBytes: code.length,
    gzippedBytes: gzipSync(code, { level: 9 }).length,
    sourceMapBytes: statSync(`${outfile}.map`).size,
    largestInputs: Object.fromEntries(bytesByPackage(result.metafile).slice(0, 10)),
    packages: bytesByPackage(result.metafile).map(([name]) => name),
  };
}

/** Bundles every subject and the probe into `workDir`; answers the sizes. */
export async function bundleSubjects(workDir: string): Promise<Record<Bundled, BundleSize>> {
  const sizes = {} as Record<Bundled, BundleSize>;
  for (const [name, entry] of Object.entries(ENTRIES) as [Bundled, string][]) {
    sizes[name] = await bundleSized(
      entry,
      join(workDir, name),
      name === 'typicalSdk' ? TYPICAL_OPTIONS : STACK_OPTIONS,
    );
  }
  for (const tool of ['cold-start-probe', 'warm-process', 'gateway-process']) {
    await build({
      ...TYPICAL_OPTIONS,
      minify: false,
      sourcemap: false,
      entryPoints: [resolve(ROOT, `bench/${tool}.ts`)],
      outfile: join(workDir, `${tool}.mjs`),
      absWorkingDir: ROOT,
      logLevel: 'silent',
    });
  }
  return sizes;
}

/** The bundle of `name` in `workDir`. */
export function bundlePath(workDir: string, name: Bundled | 'warm-process' | 'gateway-process'): string {
  return name === 'warm-process' || name === 'gateway-process'
    ? join(workDir, `${name}.mjs`)
    : join(workDir, name, 'index.mjs');
}

function runProbe(
  nodeBinary: string,
  probe: string,
  bundle: string,
  env: Record<string, string>,
): Promise<ProbeResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nodeBinary, [probe, bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(PROBE_MARKER));
      const result = line === undefined ? undefined : (JSON.parse(line.slice(PROBE_MARKER.length)) as ProbeResult);
      if (code !== 0 || result?.statusCode !== 200) {
        reject(
          new Error(
            `cold-start probe of ${bundle} exited ${code} (${result?.statusCode}): ${(stderr || stdout).slice(-2000)}`,
          ),
        );
      } else resolvePromise(result);
    });
  });
}

/**
 * Times fresh processes loading each of `subjects` and serving a first invocation, interleaved in
 * a seeded random order per round.
 */
export async function timeColdStarts<S extends ColdSubject>(
  options: ColdStartOptions,
  subjects: readonly S[],
): Promise<Record<S, ColdStartTimings>> {
  const probe = join(options.workDir, 'cold-start-probe.mjs');
  const random = createRandom(options.seed);
  const results = Object.fromEntries(subjects.map((subject) => [subject, [] as ProbeResult[]])) as Record<
    S,
    ProbeResult[]
  >;
  const started = performance.now();
  // Round 0 warms the file cache and is not counted.
  for (let round = 0; round <= options.runs; round += 1) {
    if (round > 2 && performance.now() - started > options.timeBudgetMs) break;
    for (const subject of shuffle(subjects, random)) {
      const env: Record<string, string> = {
        ...options.functionEnvironment,
        AWS_LAMBDA_FUNCTION_NAME: subject,
        BENCH_EVENT: JSON.stringify(await options.eventFor(subject)),
        ...(subject === 'typicalSdk' ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      };
      const result = await runProbe(options.nodeBinary, probe, bundlePath(options.workDir, subject), env);
      if (round > 0) results[subject].push(result);
    }
  }
  const timings = {} as Record<S, ColdStartTimings>;
  for (const subject of subjects) {
    const runs = results[subject];
    timings[subject] = {
      runs: runs.length,
      medianLoadMs: round(median(runs.map((result) => result.loadMs))),
      medianFirstInvokeMs: round(median(runs.map((result) => result.firstInvokeMs))),
      medianLoadAndInvokeMs: round(median(runs.map((result) => result.loadMs + result.firstInvokeMs))),
    };
  }
  return timings;
}

/** Times the functions' cold starts against their floors and the typical SDK. */
export async function measureColdStart(
  options: ColdStartOptions,
  sizes: Record<Bundled, BundleSize>,
): Promise<ColdStartResult> {
  const timings = await timeColdStarts(options, COLD_SUBJECTS);
  const sum = (subject: Subject) => timings[subject].medianLoadAndInvokeMs;
  return {
    sizes,
    timings,
    ratios: {
      finishToFloor: round(sum('finishSession') / sum('floor')),
      finishToTypicalSdk: round(sum('finishSession') / sum('typicalSdk')),
      recoverToFloor: round(sum('recoverPublicToken') / sum('recoverFloor')),
    },
  };
}

/** The version a Node.js binary reports. */
export function nodeVersionOf(nodeBinary: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(nodeBinary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', () => resolvePromise(output.trim()));
  });
}
