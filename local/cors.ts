/**
 * The CORS rules API Gateway's `corsPreflight` applies when deployed, for
 * local mode: allowed origins get `Access-Control-Allow-Origin`, others get
 * nothing, so the browser blocks them. The methods, headers and max-age are
 * the stack's own (functions/commons/cors-rules.ts).
 */
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from '../functions/commons/cors-rules.js';

/** Headers to add to an answer for a request from `origin`. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (origin === undefined || !allowedOrigins.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(','),
    Vary: 'Origin',
  };
}

/** Headers answering a preflight from `origin`. */
export function preflightHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (origin === undefined || !allowedOrigins.includes(origin)) return { Vary: 'Origin' };
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Methods': CORS_ALLOW_METHODS.join(','),
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(','),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}
