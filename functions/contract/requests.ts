/**
 * The request bodies of the API (docs/api.md), validated at the edge: one definition for the
 * functions, the OpenAPI document and the service client.
 */
import * as z from 'zod/mini';
import { boundedToken, clientUserIdSchema, emailSchema } from './fields.js';

/**
 * The sessionTokenObject that connect.js's `finish` delivers. Only the three documented fields
 * are kept; anything else (such as `userId`) is ignored.
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
