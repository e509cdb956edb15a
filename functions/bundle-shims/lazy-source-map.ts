/**
 * Readable stack traces without `--enable-source-maps`, which costs 8–16 ms of every cold start
 * (docs/performance.md). Injected first into each bundle (infra/function-bundling.ts): frames in
 * the bundle are mapped to the TypeScript sources through `index.mjs.map`, read and parsed only
 * the first time a stack is formatted (when an error is logged), not at load.
 */
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapping } from 'node:module';

const bundleUrl = import.meta.url;
/** The parsed map: undefined until needed, null when the bundle has none. */
let map: SourceMap | null | undefined;

function sourceMap(): SourceMap | null {
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(new URL(`${bundleUrl}.map`), 'utf8')));
    } catch {
      // No map shipped (or unreadable): the frames stay as they are.
      map = null;
    }
  }
  return map;
}

/** `findEntry` answers `{}` for a position the map does not cover. */
function isMapping(entry: object | undefined): entry is SourceMapping {
  return entry !== undefined && 'originalSource' in entry;
}

function formatFrame(frame: NodeJS.CallSite): string {
  const line = frame.getLineNumber();
  const column = frame.getColumnNumber();
  const mapped =
    frame.getFileName() === bundleUrl && line !== null && column !== null
      ? sourceMap()?.findEntry(line - 1, column - 1)
      : undefined;
  if (!isMapping(mapped)) return `    at ${frame.toString()}`;
  const name = frame.getFunctionName() ?? '<anonymous>';
  const source = mapped.originalSource.replace(/^(\.\.\/)+/, '');
  return `    at ${name} (${source}:${mapped.originalLine + 1}:${mapped.originalColumn + 1})`;
}

// Not when Node.js maps stacks itself (an explicit --enable-source-maps).
if (!process.sourceMapsEnabled) {
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    let header: string;
    try {
      header = String(error);
    } catch {
      header = 'Error';
    }
    return [header, ...frames.map(formatFrame)].join('\n');
  };
}
