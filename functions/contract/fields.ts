/**
 * The rules of the API's fields, shared by the request schemas, the checks of Human API's answers,
 * the outbox drain and the service client. Bounds are generous: real tokens can be longer than
 * Human API's examples (docs/design.md#human-api).
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// English messages only: `import { z } from 'zod'` would pull every locale into the bundles.
z.config(en());

/** No control characters, no whitespace: what an ID or token may look like. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;
/**
 * Printable text without control characters (clientUserId can be an e-mail, a UUID, …), and
 * well-formed: a lone surrogate has no UTF-8 form, so DynamoDB could not store it as a key.
 */
const TEXT_PATTERN = /^[^\p{Cc}\p{Cs}]+$/u;

/** The longest ID or token Human API issues that this API accepts. */
export const MAX_TOKEN_LENGTH = 512;

/** An ID or token issued by Human API: 1–512 printable ASCII characters. */
export const boundedToken = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(MAX_TOKEN_LENGTH),
    z.regex(TOKEN_PATTERN, { error: 'must be printable ASCII without spaces' }),
  );

/**
 * A token Connect opens with. These are often JWTs, far longer than the v1 tokens, so the bound is
 * generous; printable ASCII without spaces, as every token here.
 */
export const connectToken = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(8192),
    z.regex(TOKEN_PATTERN, { error: 'must be printable ASCII without spaces' }),
  );

/** DynamoDB's limit on a partition key value, in UTF-8 bytes: `clientUserId` is the token table's key. */
export const MAX_PARTITION_KEY_BYTES = 2048;

/**
 * The app's ID for its user: 1–256 characters, no control characters, well-formed Unicode, and
 * short enough in UTF-8 to be a DynamoDB key. Human API's answers and JWT callers are held to it too.
 */
export const clientUserIdSchema = z.string().check(
  z.minLength(1),
  z.maxLength(256),
  z.regex(TEXT_PATTERN, { error: 'must not contain control characters or lone surrogates' }),
  z.refine((value) => new TextEncoder().encode(value).length <= MAX_PARTITION_KEY_BYTES, {
    error: `must be at most ${MAX_PARTITION_KEY_BYTES} bytes in UTF-8`,
  }),
);

/** An e-mail address Human API can register: at most 254 characters (RFC 5321's path limit). */
export const emailSchema = z.email().check(z.maxLength(254));
