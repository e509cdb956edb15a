/**
 * The user a route's `{clientUserId}` path parameter names (docs/api.md#identity-modes), and the
 * refusal of a query on a route that takes none: both checked at the edge, as bodies are, so a bad
 * request is a 400 naming `path.clientUserId` or `query.<name>` before any work.
 */
import { clientUserIdSchema } from '../contract/fields.js';
import type { Caller } from '../domain/caller.js';
import { type FieldIssue, RequestParameterError } from '../domain/request-errors.js';
import { requestIssueMessage } from './field-issues.js';

/** The path segment a signed-in user names themself with. */
export const SELF = 'me';

/** Most query parameters one refusal names: a long query string is refused just the same. */
const MAX_NAMED_PARAMETERS = 5;

/**
 * The user `{clientUserId}` names: `me` is the signed-in caller (JWT); any other value must be a
 * valid clientUserId. Whether the caller may act on that user is the domain's rule (`assertCallerIs`).
 *
 * @throws {RequestParameterError} naming `path.clientUserId`: an invalid id, or `me` from an IAM
 *   caller, who names users and is none
 */
export function userOfPath(pathParameters: Readonly<Record<string, string>>, caller: Caller): string {
  const value = pathParameters.clientUserId ?? '';
  if (value === SELF) {
    if (caller.kind === 'user') return caller.userId;
    throw new RequestParameterError([
      { path: 'path.clientUserId', message: `"${SELF}" names the signed-in user; an IAM caller names the user` },
    ]);
  }
  const parsed = clientUserIdSchema.safeParse(value, { error: requestIssueMessage });
  if (!parsed.success) {
    throw new RequestParameterError(
      parsed.error.issues.map((issue): FieldIssue => ({ path: 'path.clientUserId', message: issue.message })),
    );
  }
  return parsed.data;
}

/**
 * Refuses a query on a route that takes none: a parameter this route does not know (a hoped-for
 * `atHumanApi=true`, say) is a mistake to name, never silently ignored.
 *
 * @throws {RequestParameterError} naming each parameter as `query.<name>` (the first few)
 */
export function refuseQuery(query: URLSearchParams): void {
  const names = [...new Set(query.keys())];
  if (names.length === 0) return;
  throw new RequestParameterError(
    names.slice(0, MAX_NAMED_PARAMETERS).map((name) => ({
      path: `query.${name.slice(0, 64)}`,
      message: 'this route takes no query parameters',
    })),
  );
}
