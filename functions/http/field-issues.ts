/**
 * Plain-words messages for request validation (docs/api.md#errors), and zod's issues as
 * problem+json `errors`. Only requests get these words: schemas are shared with the checks of
 * Human API's answers, whose failures are never shown to callers.
 */
import type * as z from 'zod/mini';
import type { FieldIssue } from '../domain/request-errors.js';

/** What a JSON type is called in a message. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'must be a string',
  boolean: 'must be true or false',
  number: 'must be a number',
  int: 'must be a whole number',
  object: 'must be an object',
};

/**
 * Plain-words messages for request validation (docs/api.md#errors): "sessionToken is required",
 * "must be at most 512 characters". Passed to `safeParse` at the edge, so only requests get
 * them; messages written on a schema (a pattern, the exactly-one rule) win over these.
 * Returns `undefined` for an issue it has no words for (zod's English text applies).
 */
export function requestIssueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const field = issue.path?.at(-1);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return field === undefined ? 'a body is required' : `${String(field)} is required`;
      if (field === undefined) return 'the body must be a JSON object or form fields';
      return TYPE_WORDS[issue.expected] ?? `must be of type ${issue.expected}`;
    case 'too_big':
      if (issue.origin === 'number') return `must be at most ${String(issue.maximum)}`;
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : undefined;
    case 'too_small':
      if (issue.origin === 'number') return `must be at least ${String(issue.minimum)}`;
      if (issue.origin !== 'string') return undefined;
      return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return undefined;
  }
}

/** Turns zod issues into problem+json `errors`. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
