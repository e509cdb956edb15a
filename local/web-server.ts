/**
 * Builds and serves the example front end (`web/`) on its own origin, as in
 * production, so the browser really applies CORS to the API.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { build } from 'esbuild';
import { refuseForeignHost } from './host-check.js';

/** The example front end's sources: `index.html` and `src/`. */
export const WEB_SOURCE_DIR = resolve(import.meta.dirname, '../web');
/** Where local mode writes the built front end (git-ignored). */
export const WEB_DIST_DIR = resolve(WEB_SOURCE_DIR, 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Settings of {@link buildWebApp}. */
export interface BuildWebAppOptions {
  /** Folder holding `index.html` and `src/`. @default {@link WEB_SOURCE_DIR} */
  readonly sourceDir?: string;
  /** Folder to write `index.html`, `app.js`, `styles.css` (and source maps) to. */
  readonly outDir: string;
}

/**
 * Builds the example front end with esbuild: `src/main.ts` becomes `app.js`,
 * `src/styles.css` becomes `styles.css`, and `index.html` is copied.
 *
 * Every file is written to a temporary name and renamed into place, so several
 * local modes building at once (parallel test files) never serve a
 * half-written file.
 *
 * @returns the paths written
 */
export async function buildWebApp({ sourceDir = WEB_SOURCE_DIR, outDir }: BuildWebAppOptions): Promise<string[]> {
  const result = await build({
    absWorkingDir: sourceDir,
    entryPoints: { app: 'src/main.ts', styles: 'src/styles.css' },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  const files = [
    ...result.outputFiles.map((file) => ({ path: file.path, contents: file.contents })),
    { path: join(outDir, 'index.html'), contents: await readFile(join(sourceDir, 'index.html')) },
  ];
  await mkdir(outDir, { recursive: true });
  await Promise.all(
    files.map(async ({ path, contents }) => {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temporary, contents);
      await rename(temporary, path);
    }),
  );
  return files.map((file) => file.path);
}

/** Settings of {@link createWebServer}. */
export interface WebServerOptions {
  /** Folder of static files (the build output). */
  readonly root: string;
  /** Values the page reads from `/config.json` (API URL, clientId, connect.js URL, …). */
  readonly pageConfig: () => Record<string, unknown>;
  /**
   * Build the front end from {@link WEB_SOURCE_DIR} into `root` first; requests wait for the build.
   * `false` serves `root` as it is.
   * @default true
   */
  readonly build?: boolean;
  /**
   * The app back end's routes (`web/app-server/`), asked first; resolving `false` passes the
   * request on to the static files. Read per request, so it may be set after the server starts.
   */
  readonly routes?: () => WebRoutes | undefined;
}

/** Routes served next to the page; resolve `true` when they answered. */
export type WebRoutes = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<boolean>;

/** Creates (unstarted) the static server of the example front end, starting its build. */
export function createWebServer({ root, pageConfig, build: shouldBuild = true, routes }: WebServerOptions): Server {
  const built: Promise<unknown> = shouldBuild ? buildWebApp({ outDir: root }) : Promise.resolve();
  built.catch((error: unknown) => {
    process.stderr.write(`The example front end failed to build: ${error instanceof Error ? error.message : error}\n`);
  });

  return createServer(async (request, response) => {
    if (refuseForeignHost(request, response)) return;
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    try {
      if ((await routes?.()?.(request, response, path)) === true) return;
    } catch {
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('Internal Server Error');
      return;
    }
    if (path === '/config.json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(pageConfig()));
      return;
    }
    try {
      await built;
    } catch {
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end('The example front end failed to build: see the output of npm start.');
      return;
    }
    const relative = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    try {
      const file = await readFile(join(root, relative));
      response.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(relative)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      response.end(file);
    } catch {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('Not found');
    }
  });
}
