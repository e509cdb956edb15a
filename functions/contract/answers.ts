/**
 * What the API answers (docs/api.md): the bodies of its 200s, its problem details, and API
 * Gateway's own refusals. One definition for the functions, the OpenAPI document and the
 * service client, which parses every answer with these.
 */
import * as z from 'zod/mini';
import { boundedToken, clientUserIdSchema, connectToken } from './fields.js';

/** What `POST /sessions` and `POST /public-tokens` answer: never the accessToken. */
export const userPublicTokenSchema = z.object({
  humanId: boundedToken,
  clientUserId: clientUserIdSchema,
  publicToken: boundedToken,
});

/** The user's current publicToken, as the front end learns it. */
export type UserPublicToken = z.infer<typeof userPublicTokenSchema>;

/** What `POST /connect-tokens` answers: the token a current-generation Connect opens with. */
export const connectSessionTokenSchema = z.object({
  /** For `data-hapi-token` (or the deprecated `HumanConnect.open({ token })`). */
  token: connectToken,
  /** `create`: a session token for a new user; `edit`: an id token for a user who connected. */
  mode: z.enum(['create', 'edit']),
  /** Seconds until the token expires. */
  expiresIn: z.int().check(z.positive()),
  humanId: boundedToken,
});

/** The answer of `POST /connect-tokens`. */
export type ConnectSessionToken = z.infer<typeof connectSessionTokenSchema>;

/**
 * What `DELETE /users/{clientUserId}` answers (docs/api.md#delete-usersclientuserid): what this
 * call removed, and the tombstone's time, before which no token is ever stored again.
 */
export const userDeletionSchema = z.object({
  clientUserId: clientUserIdSchema,
  /**
   * No token Human API issued before this instant is stored for the user again (ISO 8601, UTC,
   * milliseconds: a plain pattern, as zod's ISO schema would weigh on every bundle).
   */
  deletedAt: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)),
  deleted: z.object({
    /** Whether a record holding the user's tokens or humanId was removed (`false` when none was left). */
    tokenRecord: z.boolean(),
    /** Idempotency records holding one of the user's publicTokens, removed by this call. */
    idempotencyRecords: z.int().check(z.nonnegative()),
    /** Always `false`: this route deletes nothing at Human API (docs/api.md#deleting-a-user-at-human-api). */
    atHumanApi: z.literal(false),
  }),
});

/** The answer of `DELETE /users/{clientUserId}`. */
export type UserDeletion = z.infer<typeof userDeletionSchema>;

/** One field that failed validation: its dotted path (`''` for the body) and what is wrong with it. */
export const fieldIssueSchema = z.object({ path: z.string(), message: z.string() });

/** An RFC 9457 problem, as functions/http/problem.ts builds it. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.optional(z.string()),
  errors: z.optional(z.array(fieldIssueSchema)),
  requestId: z.optional(z.string()),
});

/** A problem+json answer body. */
export type Problem = z.infer<typeof problemSchema>;

/**
 * What API Gateway itself answers when it refuses a request before any function runs (401, the
 * IAM 403, an unknown route's 404): `{"message":"Unauthorized"}` and so on
 * (docs/api.md#api-gateways-own-answers). Local mode adds a `reason` to its IAM refusals.
 */
export const gatewayMessageSchema = z.object({ message: z.string(), reason: z.optional(z.string()) });
