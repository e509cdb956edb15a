/**
 * Summarizes V8 CPU profiles (`.cpuprofile`) of a minified bundle: each
 * sample's self time is attributed, through the bundle's source map, to the
 * package (or source folder) it came from, then grouped into a few
 * categories, so a cold start reads as "where the time goes".
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

/** The parts of a V8 `.cpuprofile` this module reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time by source, in milliseconds. */
export interface ProfileSummary {
  /** Sampled time in total. */
  readonly totalMs: number;
  /** By category (AWS SDK, Powertools, Node.js internals, …), largest first. */
  readonly byCategory: Readonly<Record<string, number>>;
  /** By package or source folder, largest first (top entries only). */
  readonly bySource: Readonly<Record<string, number>>;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceMapOf(url: string): SourceMap | undefined {
  if (!sourceMaps.has(url)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    sourceMaps.set(url, map);
  }
  return sourceMaps.get(url);
}

/** Where a call frame's code comes from: a package name, a source folder, `node:…`, or a V8 pseudo-frame. */
export function sourceOf(frame: CallFrame): string {
  if (frame.url === '') {
    // V8's pseudo-frames are already parenthesized: (program), (garbage collector), (idle).
    return frame.functionName.startsWith('(') ? frame.functionName : `(${frame.functionName || 'native'})`;
  }
  if (frame.url.startsWith('node:')) return frame.url;
  // Minified bundles map back through their source map; sources run directly name themselves.
  const map = frame.url.endsWith('.mjs') ? sourceMapOf(frame.url) : undefined;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber);
  const original = entry !== undefined && 'originalSource' in entry ? entry.originalSource : frame.url;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(original);
  if (inPackage?.[1] !== undefined) return inPackage[1];
  const inRepository = /\/((?:functions|bench|infra|local)\/(?:[^/]+\/)?)/.exec(original);
  return inRepository?.[1] ?? original.replace(/^.*\//, '');
}

/** The category of a sample, from its source (see {@link sourceOf}) and function name. */
export function categoryOf(source: string, functionName = ''): string {
  if (/^@(?:aws-sdk|smithy|aws)\//.test(source) || source === 'mnemonist' || source === 'obliterator') {
    return 'AWS SDK code';
  }
  if (source.startsWith('@aws-lambda-powertools/')) return 'Powertools code';
  if (source.startsWith('@middy/') || source === 'zod') return 'middy and zod code';
  if (/^(?:functions|bench)\//.test(source)) return "this repository's code";
  if (source === 'node:internal/modules/esm/utils' && functionName === 'compileSourceTextModule') {
    return 'V8 compiling the bundle';
  }
  if (source === 'node:internal/bootstrap/realm') return 'Node.js built-ins loaded on first use';
  if (source === 'node:internal/deps/undici/undici' || source.startsWith('wasm:') || /wasm/.test(functionName)) {
    return 'fetch (undici, llhttp)';
  }
  if (source === 'node:internal/source_map/source_map_cache') return 'source map parsing (--enable-source-maps)';
  if (source.startsWith('node:internal/modules/')) return 'Node.js module loader';
  if (source.startsWith('node:')) return 'Node.js http, net, streams, crypto';
  if (source === '(garbage collector)') return 'garbage collection';
  if (source === '(idle)') return 'idle (waiting on I/O)';
  if (source === '(program)') return 'V8 (lazy compilation, runtime)';
  return 'native calls (I/O, crypto, fs)';
}

function sortDescending(record: Record<string, number>, limit = Number.POSITIVE_INFINITY): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record)
      .sort(([, a], [, b]) => b - a)
      .slice(0, limit)
      .map(([key, value]) => [key, Math.round(value * 10) / 10]),
  );
}

/**
 * Summarizes profiles, averaging over them (each profile is one run of the
 * same phase).
 */
export function summarizeProfiles(profiles: readonly CpuProfile[], topSources = 12): ProfileSummary {
  const bySource: Record<string, number> = {};
  const byCategoryMicros: Record<string, number> = {};
  let totalMicroseconds = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((nodeId, index) => {
      const node = nodes.get(nodeId);
      const micros = profile.timeDeltas[index] ?? 0;
      if (node === undefined) return;
      const source = sourceOf(node.callFrame);
      // The profiler's own work (starting, stopping, serializing) is not the subject's.
      if (source === 'node:inspector') return;
      const category = categoryOf(source, node.callFrame.functionName);
      bySource[source] = (bySource[source] ?? 0) + micros;
      byCategoryMicros[category] = (byCategoryMicros[category] ?? 0) + micros;
      totalMicroseconds += micros;
    });
  }
  const runs = Math.max(1, profiles.length);
  const perRunMs = (micros: number) => micros / 1000 / runs;
  return {
    totalMs: Math.round(perRunMs(totalMicroseconds) * 10) / 10,
    byCategory: sortDescending(
      Object.fromEntries(Object.entries(byCategoryMicros).map(([category, micros]) => [category, perRunMs(micros)])),
    ),
    bySource: sortDescending(
      Object.fromEntries(Object.entries(bySource).map(([source, micros]) => [source, perRunMs(micros)])),
      topSources,
    ),
  };
}
