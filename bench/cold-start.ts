/**
 * Cold start: each function bundled with exactly the stack's esbuild options
 * (`infra/function-bundling.ts`), its size, and the time a fresh Node.js 24
 * process takes to load the bundle and serve a first invocation, against
 * reference bundles built the same way:
 *
 * - `reference`: only creates the same AWS SDK clients (`reference-clients.ts`),
 *   the floor the issue sets;
 * - `referenceWithRequests`: the same clients plus the first finish's
 *   downstream requests issued directly (`reference-requests.ts`).
 *
 * Subjects run interleaved, one fresh process each, in a seeded random order
 * per round, against the local mode the benchmark started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { FUNCTION_ENTRIES, FUNCTION_ESBUILD_OPTIONS } from '../infra/function-bundling.js';
import { jsonPostEvent } from '../test/support/api-gateway-event.js';
import { type CpuProfile, type ProfileSummary, summarizeProfiles } from './cpu-profile.js';
import { PROBE_MARKER, type ProbeResult } from './probe-protocol.js';
import { createRandom, median, round } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');

/** The cold-start subjects: the two functions and the two references. */
export type Subject = keyof typeof FUNCTION_ENTRIES | 'reference' | 'referenceWithRequests';

const SUBJECT_ENTRIES: Record<Subject, string> = {
  ...FUNCTION_ENTRIES,
  reference: 'bench/reference-clients.ts',
  referenceWithRequests: 'bench/reference-requests.ts',
};

/** A bundle's size. */
export interface BundleSize {
  /** The minified `index.mjs`. */
  readonly minifiedBytes: number;
  /** The same, gzip level 9 (what a deployment package compresses it to, roughly). */
  readonly gzippedBytes: number;
  /** The source map shipped next to it (read only when an error is logged with `--enable-source-maps`). */
  readonly sourceMapBytes: number;
  /** Output bytes by package (largest first, top 10), from esbuild's metafile. */
  readonly largestInputs: Readonly<Record<string, number>>;
}

/** Cold-start timings of one subject, medians over the runs. */
export interface ColdStartTimings {
  readonly runs: number;
  readonly medianLoadMs: number;
  readonly medianFirstInvokeMs: number;
  /** Median of load + first invocation per run (the figure compared). */
  readonly medianLoadAndInvokeMs: number;
  /** Median from process start to the first answer (includes Node.js's own boot). */
  readonly medianProcessToAnswerMs: number;
}

/** What is timed: each subject, plus `finishSession` without the stack's `NODE_OPTIONS`. */
export type TimedRun = Subject | 'finishSessionWithoutNodeOptions';

/**
 * Where the time between `finishSession` (load + first invoke) and the
 * clients-only reference (load) goes, from the timed medians.
 */
export interface ColdStartGap {
  /** `finishSession` load + first invoke minus the reference's. */
  readonly totalMs: number;
  /** Loading what the reference does not have: Powertools, middy, zod, the handler code and its module-scope setup. */
  readonly extraLoadMs: number;
  /** The first invocation of the reference with the same requests: the SDK's and fetch's first requests, new connections. */
  readonly firstRequestsFloorMs: number;
  /** What the handler's first invocation takes beyond those requests. */
  readonly handlerFirstInvokeOverheadMs: number;
}

/** What {@link measureColdStart} measured. */
export interface ColdStartResult {
  readonly nodeVersion: string;
  /** `NODE_OPTIONS` the processes ran with (the stack's), except the `…WithoutNodeOptions` run. */
  readonly nodeOptions: string | undefined;
  readonly sizes: Readonly<Record<Subject, BundleSize>>;
  readonly timings: Readonly<Record<TimedRun, ColdStartTimings>>;
  readonly gap: ColdStartGap;
  /** Median load + first invoke of each function over the clients-only reference. */
  readonly ratioToReference: Readonly<Record<'finishSession' | 'recoverPublicToken', number>>;
  /** Median load + first invoke of `finishSession` over the reference with the same requests. */
  readonly finishRatioToReferenceWithRequests: number;
  /** CPU profile summaries (average per run) of the profiled runs, by subject and phase. */
  readonly profiles: Readonly<Partial<Record<Subject, { load: ProfileSummary; invoke: ProfileSummary }>>>;
}

/** Settings of {@link measureColdStart}. */
export interface ColdStartOptions {
  /** Where bundles and profiles go (a fresh temporary folder). */
  readonly workDir: string;
  /** The Node.js 24 binary. */
  readonly nodeBinary: string;
  /** Timed runs per subject (after one untimed round). */
  readonly runs: number;
  /** Extra profiled runs per profiled subject (0: none). */
  readonly profiledRuns: number;
  /** Seed of the per-round order. */
  readonly seed: number;
  /** Stop starting new rounds after this long. */
  readonly timeBudgetMs: number;
  /** The environment the functions get: their configuration, pointing at the local mode. */
  readonly functionEnvironment: Readonly<Record<string, string>>;
  /** A fresh sessionTokenObject per call (from the sandbox). */
  readonly mintSession: (clientUserId: string) => object;
  /** A user with a stored token record, for the first recovery. */
  readonly storedClientUserId: string;
}

function largestInputs(metafile: Metafile | undefined): Record<string, number> {
  const output = Object.values(metafile?.outputs ?? {}).find((candidate) => candidate.entryPoint !== undefined);
  const byPackage: Record<string, number> = {};
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    byPackage[name] = (byPackage[name] ?? 0) + input.bytesInOutput;
  }
  return Object.fromEntries(
    Object.entries(byPackage)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 10),
  );
}

/** Bundles one entry with the stack's options into `<dir>/index.mjs`, as `NodejsFunction` does. */
export async function bundleEntry(entry: string, dir: string): Promise<BundleSize> {
  const outfile = join(dir, 'index.mjs');
  const result = await build({
    ...FUNCTION_ESBUILD_OPTIONS,
    // The same values; esbuild's types want mutable arrays.
    mainFields: [...FUNCTION_ESBUILD_OPTIONS.mainFields],
    external: [...FUNCTION_ESBUILD_OPTIONS.external],
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  const code = readFileSync(outfile);
  return {
    minifiedBytes: code.length,
    gzippedBytes: gzipSync(code, { level: 9 }).length,
    sourceMapBytes: statSync(`${outfile}.map`).size,
    largestInputs: largestInputs(result.metafile),
  };
}

async function bundleProbe(workDir: string): Promise<string> {
  const outfile = join(workDir, 'probe.mjs');
  await build({
    entryPoints: [resolve(ROOT, 'bench/cold-start-probe.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  return outfile;
}

function runProbe(
  nodeBinary: string,
  probe: string,
  bundle: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ProbeResult> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(nodeBinary, [probe, bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(PROBE_MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`cold-start probe of ${bundle} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const result = JSON.parse(line.slice(PROBE_MARKER.length)) as ProbeResult;
      if (result.statusCode !== 200) {
        reject(new Error(`the first invocation of ${bundle} answered ${result.statusCode}: ${stdout.slice(-2000)}`));
        return;
      }
      resolvePromise(result);
    });
  });
}

/** A Fisher–Yates shuffle with the given generator. */
function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const shuffled = [...items];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other] as T, shuffled[index] as T];
  }
  return shuffled;
}

function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/** Bundles every subject, then times fresh processes loading each and serving a first invocation. */
export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const subjects = Object.keys(SUBJECT_ENTRIES) as Subject[];
  const sizes = {} as Record<Subject, BundleSize>;
  for (const subject of subjects) {
    sizes[subject] = await bundleEntry(SUBJECT_ENTRIES[subject], join(options.workDir, subject));
  }
  const probe = await bundleProbe(options.workDir);

  let sequence = 0;
  const eventFor = (subject: Subject) => {
    sequence += 1;
    return subject === 'recoverPublicToken'
      ? jsonPostEvent('POST /public-tokens', { clientUserId: options.storedClientUserId })
      : jsonPostEvent('POST /sessions', options.mintSession(`cold-user-${sequence}`));
  };
  const subjectOf = (timed: TimedRun): Subject =>
    timed === 'finishSessionWithoutNodeOptions' ? 'finishSession' : timed;
  const run = (timed: TimedRun, extraEnv: Record<string, string> = {}) => {
    const subject = subjectOf(timed);
    const env: Record<string, string> = {
      ...options.functionEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: subject,
      BENCH_EVENT: JSON.stringify(eventFor(subject)),
      ...extraEnv,
    };
    if (timed === 'finishSessionWithoutNodeOptions') delete env.NODE_OPTIONS;
    return runProbe(options.nodeBinary, probe, join(options.workDir, subject, 'index.mjs'), env);
  };

  const timedRuns: TimedRun[] = [...subjects, 'finishSessionWithoutNodeOptions'];
  const random = createRandom(options.seed);
  const results = Object.fromEntries(timedRuns.map((timed) => [timed, [] as ProbeResult[]])) as Record<
    TimedRun,
    ProbeResult[]
  >;
  const started = performance.now();
  // Round 0 warms the file cache and is not counted.
  for (let round = 0; round <= options.runs; round += 1) {
    if (round > 1 && performance.now() - started > options.timeBudgetMs) break;
    for (const timed of shuffle(timedRuns, random)) {
      const result = await run(timed);
      if (round > 0) results[timed].push(result);
    }
  }

  const timings = {} as Record<TimedRun, ColdStartTimings>;
  for (const timed of timedRuns) {
    const runs = results[timed];
    timings[timed] = {
      runs: runs.length,
      medianLoadMs: round(median(runs.map((result) => result.loadMs))),
      medianFirstInvokeMs: round(median(runs.map((result) => result.firstInvokeMs))),
      medianLoadAndInvokeMs: round(median(runs.map((result) => result.loadMs + result.firstInvokeMs))),
      medianProcessToAnswerMs: round(median(runs.map((result) => result.processToAnswerMs))),
    };
  }

  const profiles: Partial<Record<Subject, { load: ProfileSummary; invoke: ProfileSummary }>> = {};
  if (options.profiledRuns > 0) {
    for (const subject of ['finishSession', 'reference', 'referenceWithRequests'] as const) {
      const dirs: string[] = [];
      for (let index = 0; index < options.profiledRuns; index += 1) {
        const dir = join(options.workDir, 'profiles', `${subject}-${index}`);
        mkdirSync(dir, { recursive: true });
        await run(subject, { BENCH_PROFILE_DIR: dir });
        dirs.push(dir);
      }
      const phase = (name: string) =>
        summarizeProfiles(
          dirs.flatMap((dir) =>
            readdirSync(dir)
              .filter((file) => file === `${name}.cpuprofile`)
              .map((file) => readProfile(join(dir, file))),
          ),
        );
      profiles[subject] = { load: phase('load'), invoke: phase('invoke') };
    }
  }

  const finish = timings.finishSession;
  const reference = timings.reference;
  const withRequests = timings.referenceWithRequests;
  return {
    nodeVersion: await nodeVersionOf(options.nodeBinary),
    nodeOptions: options.functionEnvironment.NODE_OPTIONS,
    sizes,
    timings,
    gap: {
      totalMs: round(finish.medianLoadAndInvokeMs - reference.medianLoadAndInvokeMs),
      extraLoadMs: round(finish.medianLoadMs - reference.medianLoadMs),
      firstRequestsFloorMs: round(withRequests.medianFirstInvokeMs),
      handlerFirstInvokeOverheadMs: round(finish.medianFirstInvokeMs - withRequests.medianFirstInvokeMs),
    },
    ratioToReference: {
      finishSession: round(finish.medianLoadAndInvokeMs / reference.medianLoadAndInvokeMs),
      recoverPublicToken: round(timings.recoverPublicToken.medianLoadAndInvokeMs / reference.medianLoadAndInvokeMs),
    },
    finishRatioToReferenceWithRequests: round(finish.medianLoadAndInvokeMs / withRequests.medianLoadAndInvokeMs),
    profiles,
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
