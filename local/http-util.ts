/** Small helpers for local mode's plain `node:http` servers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Reads a request body, refusing more than `limitBytes` (returns `undefined` when over). */
export async function readBody(request: IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON object body, or `undefined` when it is not one. */
export function parseJsonObject(body: Buffer | undefined): Record<string, unknown> | undefined {
  if (body === undefined) return undefined;
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Answers JSON. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  response.end(text);
}

/** The AWS JSON protocols the stand-ins speak: 1.0 (SQS, DynamoDB) and 1.1 (KMS, Secrets Manager). */
export type AwsJsonVersion = '1.0' | '1.1';

/** Answers an AWS JSON protocol request, as the real service does. */
export function sendAwsJson(response: ServerResponse, version: AwsJsonVersion, body: object): void {
  sendJson(response, 200, body, { 'Content-Type': `application/x-amz-json-${version}` });
}

/**
 * Answers an AWS JSON protocol error: `__type` and the `x-amzn-errortype` header name the error,
 * which is what the SDK's error deserializers read.
 *
 * @param headers - more headers a service adds (SQS's `x-amzn-query-error`)
 */
export function sendAwsJsonError(
  response: ServerResponse,
  version: AwsJsonVersion,
  status: number,
  { type, message, headers = {} }: { type: string; message: string; headers?: Record<string, string> },
): void {
  sendJson(
    response,
    status,
    { __type: type, message },
    { 'x-amzn-errortype': type, 'Content-Type': `application/x-amz-json-${version}`, ...headers },
  );
}

/** Starts listening on 127.0.0.1 and resolves the bound port. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server, dropping idle keep-alive connections. */
export function close(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
