/**
 * A grant as the outbox queue carries it (docs/design.md#outbox): the {@link TokenGrant} of a
 * finish whose token write failed, as JSON. The drain parses it like any input, with the limits
 * the exchange itself holds Human API's answers to: what fails them is never stored.
 */
import * as z from 'zod/mini';
import { boundedToken, clientUserIdSchema } from '../contract/fields.js';
import type { TokenGrant } from './ports.js';

/**
 * The longest access-token ciphertext accepted, base64: a KMS ciphertext of the longest token the
 * exchange accepts (512 bytes) is about 700 characters.
 */
export const MAX_CIPHERTEXT_LENGTH = 4096;

/**
 * How old a queued grant may be (by its issue time): the outbox keeps a message 14 days, so an
 * older grant is none of ours. Deleting a user leaves a tombstone that outlives this
 * (docs/design.md#deleting-a-user).
 */
export const MAX_GRANT_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** How far in the future a grant's issue time may be: clocks of Lambda environments differ a little. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * An ISO 8601 instant in UTC (`2026-12-04T15:04:31.000Z`): Human API's answer time, as the finish
 * wrote it. Here, not in contract/fields.ts: no request carries one, and the schema would weigh on
 * every bundle (about 2 kB).
 */
export const isoTime = z.iso.datetime();

/** An outbox message: a {@link TokenGrant} as JSON. */
export const grantMessageSchema = z.strictObject({
  clientUserId: clientUserIdSchema,
  humanId: boundedToken,
  clientId: boundedToken,
  accessTokenCiphertext: z
    .string()
    .check(z.minLength(1), z.maxLength(MAX_CIPHERTEXT_LENGTH), z.regex(/^[A-Za-z0-9+/]+={0,2}$/)),
  accessTokenIssuedAt: isoTime,
  publicToken: boundedToken,
  publicTokenIssuedAt: isoTime,
}) satisfies z.ZodMiniType<TokenGrant>;

/** The message body of a grant. */
export function grantMessageOf(grant: TokenGrant): string {
  const message: TokenGrant = {
    clientUserId: grant.clientUserId,
    humanId: grant.humanId,
    clientId: grant.clientId,
    accessTokenCiphertext: grant.accessTokenCiphertext,
    accessTokenIssuedAt: grant.accessTokenIssuedAt,
    publicToken: grant.publicToken,
    publicTokenIssuedAt: grant.publicTokenIssuedAt,
  };
  return JSON.stringify(message);
}

/**
 * Reads a queued message: the grant, when it is a grant of this app issued in the outbox's
 * lifetime (issue times normalized to the form newest-wins compares), else why it cannot be
 * applied. The reason names the rule, never a value (values are tokens).
 */
export function readGrantMessage(
  body: string,
  clientId: string,
  now: Date,
): { problem: string } | { grant: TokenGrant } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = grantMessageSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(body)'))];
    return { problem: `fails the grant's rules: ${fields.join(', ')}` };
  }
  const grant = parsed.data;
  if (grant.clientId !== clientId) return { problem: 'another app\u2019s grant' };
  for (const issuedAt of [grant.accessTokenIssuedAt, grant.publicTokenIssuedAt]) {
    const age = now.getTime() - Date.parse(issuedAt);
    if (age > MAX_GRANT_AGE_MS) return { problem: 'issued before the outbox\u2019s lifetime' };
    if (age < -MAX_CLOCK_SKEW_MS) return { problem: 'issued in the future' };
  }
  return {
    grant: {
      ...grant,
      accessTokenIssuedAt: new Date(grant.accessTokenIssuedAt).toISOString(),
      publicTokenIssuedAt: new Date(grant.publicTokenIssuedAt).toISOString(),
    },
  };
}
