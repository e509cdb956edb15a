/**
 * DNS-rebinding defence of the local servers (docs/local-mode.md): they listen on 127.0.0.1 only,
 * but a web page can make its own domain resolve to 127.0.0.1 and then call them as "same
 * origin". The browser still sends that domain in `Host`, so only loopback names are served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `127.0.0.1`, `localhost` or `[::1]`, optionally with a port. */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Whether a `Host` header names the loopback interface. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/**
 * Answers 403 to a request whose `Host` is not a loopback name.
 *
 * @returns `true` when the request was refused and answered
 */
export function refuseForeignHost(request: IncomingMessage, response: ServerResponse): boolean {
  if (isLoopbackHost(request.headers.host)) return false;
  response.writeHead(403, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify({ message: 'Forbidden: local mode answers only requests to a loopback host name' }));
  return true;
}
