/**
 * The idempotency records a user's record lists (docs/design.md#deleting-a-user): ids and expiry,
 * never their contents. Its own module, read by the finish's and the deletion's adapters alone, so
 * no other bundle carries the list's schema.
 */
import * as z from 'zod/mini';

/** The `idempotencyRecords` attribute (attributes.ts `IDEMPOTENCY_RECORDS_ATTRIBUTE`). */
export const listedRecordsSchema = z.optional(z.array(z.object({ id: z.string(), expiresAt: z.number() })));
