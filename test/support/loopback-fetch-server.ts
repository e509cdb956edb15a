/**
 * A loopback HTTP server that hands every request to a `fetch`-shaped function and writes back
 * the `Response` it returns: lets handler tests script Human API's answers with `vi.fn<typeof
 * fetch>()` while the client under test talks real HTTP (it does not use `fetch`).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts the server on 127.0.0.1 and answers its base URL. It is unref'd: it never keeps a
 * test process alive.
 */
export async function serveFetchHandler(
  handle: (url: string, init: RequestInit) => Promise<Response>,
): Promise<string> {
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const init: RequestInit = { method: incoming.method, headers, body: Buffer.concat(chunks).toString('utf8') };
      handle(`http://${incoming.headers.host}${incoming.url}`, init).then(
        async (response) => {
          outgoing.writeHead(response.status, Object.fromEntries(response.headers));
          outgoing.end(await response.text());
        },
        () => outgoing.socket?.destroy(),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.unref();
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
