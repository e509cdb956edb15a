/**
 * The CORS rules of the API, shared by the CDK stack (API Gateway's
 * `corsPreflight`) and local mode (which answers preflights itself), so both
 * allow exactly the same (docs/security.md).
 */
import { ROUTES, type Route } from '../contract/routes.js';

/** Methods the API allows cross-origin: its routes' methods, each once, in the route table's order. */
export const CORS_ALLOW_METHODS: readonly Route['method'][] = [...new Set(ROUTES.map((route) => route.method))];
/** Request headers the API allows cross-origin. */
export const CORS_ALLOW_HEADERS = ['content-type', 'authorization'] as const;
/**
 * Answer headers a page may read cross-origin beyond the safelisted ones: the data gateway's
 * paging headers (docs/api.md#get-usersclientuseridhumanpath).
 */
export const CORS_EXPOSE_HEADERS = ['x-total-count', 'link'] as const;
/** How long a browser may cache a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Why `origin` cannot be an allowed origin, or `undefined` when it can: it must
 * be an exact `http(s)://host[:port]`, with no `*`, path or trailing slash,
 * because the browser compares the `Origin` header character for character.
 */
export function allowedOriginProblem(origin: string): string | undefined {
  if (origin.includes('*')) return `must list exact origins, not "${origin}" (no "*")`;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `has "${origin}", which is not an origin`;
  }
  if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
    return `has "${origin}"; write scheme://host[:port] with no path or trailing slash, e.g. "${parsed.origin}"`;
  }
  return undefined;
}
