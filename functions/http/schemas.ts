/**
 * Request schemas (validated at the edge) and the field rules they share with
 * the Human API client. Bounds are generous: real tokens can be longer than
 * Human API's examples (docs/design.md#human-api).
 */

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

/** No control characters, no whitespace: what an ID or token may look like. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;
/**
 * Printable text without control characters (clientUserId can be an e-mail, a UUID, …), and
 * well-formed: a lone surrogate has no UTF-8 form, so DynamoDB could not store it as a key.
 */
const TEXT_PATTERN = /^[^\p{Cc}\p{Cs}]+$/u;

/** An ID or token issued by Human API: 1–512 printable ASCII characters. */
export const boundedToken = z
  .string()
  .check(z.minLength(1), z.maxLength(512), z.regex(TOKEN_PATTERN, { error: 'must be printable ASCII without spaces' }));

/** DynamoDB's limit on a partition key value, in UTF-8 bytes: `clientUserId` is the token table's key. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/**
 * The app's ID for its user: 1–256 characters, no control characters, well-formed Unicode, and
 * short enough in UTF-8 to be a DynamoDB key. Human API's answers are held to it too.
 */
export const clientUserIdSchema = z.string().check(
  z.minLength(1),
  z.maxLength(256),
  z.regex(TEXT_PATTERN, { error: 'must not contain control characters or lone surrogates' }),
  z.refine((value) => new TextEncoder().encode(value).length <= MAX_PARTITION_KEY_BYTES, {
    error: `must be at most ${MAX_PARTITION_KEY_BYTES} bytes in UTF-8`,
  }),
);

/**
 * The sessionTokenObject that connect.js's `finish` delivers. Only the three
 * documented fields are kept; anything else (such as `userId`) is ignored.
 */
export const sessionTokenObjectSchema = z.object({
  humanId: boundedToken,
  clientId: boundedToken,
  sessionToken: boundedToken,
});

/** A validated sessionTokenObject. */
export type SessionTokenObject = z.infer<typeof sessionTokenObjectSchema>;

const refreshSchema = z.optional(z.boolean());

/** `POST /public-tokens` by the app's ID for the user. */
const byClientUserIdSchema = z.object({ clientUserId: clientUserIdSchema, refresh: refreshSchema });
/** `POST /public-tokens` by Human API's ID for the user. */
const byHumanIdSchema = z.object({ humanId: boundedToken, refresh: refreshSchema });

/**
 * `POST /public-tokens`: exactly one of `clientUserId` and `humanId`, optional `refresh`.
 * The first stage checks each field and the exactly-one rule, so a refusal names the failing
 * field (or the rule); the second only types the result as the union of the two requests.
 */
export const publicTokenRequestSchema = z.pipe(
  z
    .object({
      clientUserId: z.optional(clientUserIdSchema),
      humanId: z.optional(boundedToken),
      refresh: refreshSchema,
    })
    .check(
      z.refine((request) => (request.clientUserId === undefined) !== (request.humanId === undefined), {
        error: 'Give exactly one of clientUserId and humanId',
        path: [],
      }),
    ),
  z.union([byClientUserIdSchema, byHumanIdSchema]),
);

/** A validated publicToken recovery request: by `clientUserId` or by `humanId`. */
export type PublicTokenRequest = z.infer<typeof publicTokenRequestSchema>;

/** An e-mail address Human API can register: at most 254 characters (RFC 5321's path limit). */
const emailSchema = z.email().check(z.maxLength(254));

/**
 * `POST /connect-tokens`: `{ email? }` from a signed-in user (the user is the caller), `{ clientUserId,
 * email? }` from a trusted back end; which of the two is required depends on the caller, so the
 * domain checks it. Other fields are refused: a body meant for another route is a mistake to name.
 */
export const connectTokenRequestSchema = z.strictObject({
  clientUserId: z.optional(clientUserIdSchema),
  email: z.optional(emailSchema),
});

/** A validated `/connect-tokens` body. */
export type ConnectTokenRequest = z.infer<typeof connectTokenRequestSchema>;

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
export function toFieldIssues(issues: readonly z.core.$ZodIssue[]): { path: string; message: string }[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
