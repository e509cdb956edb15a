/** A real HTTP server on 127.0.0.1 for the Human API clients' tests: records every request and connection. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a loopback server saw. */
export interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const servers: Server[] = [];

/** Starts a server answering with `answer`; {@link closeServers} stops every one started. */
export async function startServer(answer: (response: ServerResponse, received: Received) => void) {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((incoming, response) => {
    let body = '';
    incoming.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    incoming.on('end', () => {
      const entry = { method: incoming.method, url: incoming.url, headers: incoming.headers, body };
      received.push(entry);
      answer(response, entry);
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, received, connections: () => connections };
}

/** An answer of `status` with a JSON body (a string is sent as it is). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (response: ServerResponse) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

/** Stops every server started. */
export function closeServers(): void {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
}
