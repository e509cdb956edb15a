/**
 * The one leak scanner of the test suites (docs/security.md): finds tokens and
 * secrets in captured log lines and in recorded answers. The reliability
 * harness feeds it every exchange and the values it learned; an integration
 * test may feed it log lines alone.
 */
import { matchRoutePath, ROUTES } from '../../functions/contract/routes.js';
import { redactPathSecrets } from '../../local/request-log.js';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';

/** The route of the API a path is (`/users/alice` is `DELETE /users/{clientUserId}`'s), if any. */
export const apiRouteOf = (path: string) =>
  ROUTES.find((route) => matchRoutePath(route.path, path.split('?')[0] ?? path) !== undefined);

/** Whether a path is one of the API's routes: every answer on them is a token response. */
export const isApiPath = (path: string): boolean => apiRouteOf(path) !== undefined;

/** One recorded exchange with local mode. */
export interface RecordedResponse {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What the leak scan found: where, what kind, and a redacted hint (never the value itself). */
export interface LeakFinding {
  readonly where: 'log' | 'response';
  readonly kind: string;
  readonly hint: string;
}

const HEX_RUN = /[0-9a-f]{32,}/gi;
/** A JSON field named after an access token or the client secret (a parameter's name in an `errors` path is not one). */
const TOKEN_FIELD = /"(?:access_?token|client_?secret)"\s*:/i;

/**
 * API Gateway's own refusal (`{"message":"Forbidden"}` and the like, before any function runs):
 * its headers are API Gateway's, not the functions' (docs/api.md#api-gateways-own-answers).
 */
function isGatewayRefusal(response: RecordedResponse): boolean {
  if (response.status < 400 || !(response.headers['content-type'] ?? '').startsWith('application/json')) return false;
  try {
    const body: unknown = JSON.parse(response.body);
    return typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string';
  } catch {
    return false;
  }
}
const NONE: ReadonlySet<string> = new Set();

/**
 * Scans logs and answers for leaks. Every token and secret the sandbox issues
 * is lowercase hex (accessTokens and secrets 40 characters, publicTokens and
 * session tokens 32), so besides the exact values known, any run of 32 hex
 * characters or more in a log line, or of 40 or more in an answer, is a
 * finding unless it is the (public) clientId. Values not known (a test that
 * only has log lines) leave just that rule.
 */
export function scanForLeaks({
  logLines,
  responses = [],
  secrets = NONE,
  accessTokens = NONE,
  publicTokens = NONE,
  sessionTokens = NONE,
}: {
  logLines: readonly string[];
  responses?: readonly RecordedResponse[];
  secrets?: ReadonlySet<string>;
  accessTokens?: ReadonlySet<string>;
  publicTokens?: ReadonlySet<string>;
  sessionTokens?: ReadonlySet<string>;
}): LeakFinding[] {
  const findings: LeakFinding[] = [];
  const hint = (value: string) => `${value.slice(0, 4)}… (${value.length} chars)`;
  const knownIn = (run: string, kinds: [string, ReadonlySet<string>][]) => {
    const found: string[] = [];
    for (const [kind, values] of kinds) {
      for (const length of new Set([...values].map((value) => value.length))) {
        for (let start = 0; start + length <= run.length; start += 1) {
          if (values.has(run.slice(start, start + length))) found.push(kind);
        }
      }
    }
    return found;
  };

  for (const line of logLines) {
    for (const [run] of line.matchAll(HEX_RUN)) {
      const lower = run.toLowerCase();
      if (lower === LOCAL_CLIENT_ID) continue;
      const kinds = knownIn(lower, [
        ['secret', secrets],
        ['accessToken', accessTokens],
        ['publicToken', publicTokens],
        ['sessionToken', sessionTokens],
      ]);
      for (const kind of kinds.length > 0 ? kinds : ['unidentified 32+ hex token']) {
        findings.push({ where: 'log', kind, hint: hint(lower) });
      }
    }
  }

  for (const response of responses) {
    // A hint names the path, never the notification URL's secret in it.
    const path = redactPathSecrets(response.path);
    if (isApiPath(response.path) && !isGatewayRefusal(response)) {
      if (response.headers['cache-control'] !== 'no-store') {
        findings.push({ where: 'response', kind: 'missing Cache-Control: no-store', hint: path });
      }
      if (response.headers['x-content-type-options'] !== 'nosniff') {
        findings.push({ where: 'response', kind: 'missing X-Content-Type-Options: nosniff', hint: path });
      }
      if (TOKEN_FIELD.test(response.body)) {
        findings.push({ where: 'response', kind: 'accessToken or clientSecret field', hint: path });
      }
    }
    for (const [run] of response.body.matchAll(HEX_RUN)) {
      const lower = run.toLowerCase();
      if (lower === LOCAL_CLIENT_ID) continue;
      const kinds = knownIn(lower, [
        ['secret', secrets],
        ['accessToken', accessTokens],
      ]);
      if (kinds.length === 0 && lower.length >= 40) kinds.push('unidentified 40+ hex token');
      for (const kind of kinds) findings.push({ where: 'response', kind, hint: `${path}: ${hint(lower)}` });
    }
  }
  return findings;
}
