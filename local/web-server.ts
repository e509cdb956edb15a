/**
 * Serves the example front end (`web/`) on its own origin, as in production,
 * so the browser really applies CORS to the API.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Settings of {@link createWebServer}. */
export interface WebServerOptions {
  /** Folder of static files. */
  readonly root: string;
  /** Values the page reads from `/config.json` (API URL, clientId, connect.js URL, …). */
  readonly pageConfig: () => Record<string, unknown>;
}

/** Creates (unstarted) the static server of the example front end. */
export function createWebServer({ root, pageConfig }: WebServerOptions): Server {
  return createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/config.json') {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      response.end(JSON.stringify(pageConfig()));
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
