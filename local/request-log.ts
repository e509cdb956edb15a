/**
 * Local mode's terminal (docs/local-mode.md#the-terminal): one short line per API request,
 * `POST /sessions 200 21ms`, with the problem title on errors
 * (`POST /sessions 503 12ms DynamoDB is unavailable`). Never a body, header or token.
 */
import { STATUS_CODES } from 'node:http';

/** What one answered request shows. */
export interface RequestSummary {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  /** The problem's `title` (or local mode's own error text) for a 4xx or 5xx. */
  readonly title?: string | undefined;
}

/** Formats a request's line. */
export function formatRequestLine({ method, path, status, durationMs, title }: RequestSummary): string {
  const line = `${method} ${path} ${status} ${Math.round(durationMs)}ms`;
  if (status < 400) return line;
  return `${line} ${title ?? STATUS_CODES[status] ?? 'Error'}`;
}

/**
 * The `title` of a problem+json answer body, or `undefined`. Only the title is read: it is
 * one of the fixed texts of functions/http/problem.ts, never the caller's input.
 */
export function problemTitleOf(contentType: string | undefined, body: string | undefined): string | undefined {
  if (body === undefined || !/^application\/problem\+json/i.test(contentType ?? '')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('title' in parsed)) return undefined;
    return typeof parsed.title === 'string' ? parsed.title : undefined;
  } catch {
    return undefined;
  }
}
