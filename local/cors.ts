/**
 * The CORS rules API Gateway's `corsPreflight` applies when deployed, for
 * local mode: allowed origins get `Access-Control-Allow-Origin`, others get
 * nothing, so the browser blocks them.
 */

/** Methods and headers the API allows cross-origin (the CDK stack uses the same lists). */
export const CORS_ALLOW_METHODS = ['POST'] as const;
export const CORS_ALLOW_HEADERS = ['content-type', 'authorization'] as const;
export const CORS_MAX_AGE_SECONDS = 600;

/** Headers to add to an answer for a request from `origin`. */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (origin === undefined || !allowedOrigins.includes(origin)) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** Headers answering a preflight from `origin`. */
export function preflightHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): Record<string, string> {
  if (origin === undefined || !allowedOrigins.includes(origin)) return { Vary: 'Origin' };
  return {
    ...corsHeaders(origin, allowedOrigins),
    'Access-Control-Allow-Methods': CORS_ALLOW_METHODS.join(','),
    'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(','),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
  };
}
