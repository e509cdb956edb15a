/**
 * The bodies the `/sandbox/` hooks accept (docs/local-mode.md#sandbox), checked as strictly as
 * the API checks its own: a hook given `{"status":"500"}` or a misspelt field answers 400 naming
 * the field, instead of silently injecting nothing.
 */
import * as z from 'zod/mini';
import { requestIssueMessage, toFieldIssues } from '../../functions/http/field-issues.js';
import { NOTIFICATION_TYPES } from './notifications.js';

const count = z.optional(z.int().check(z.minimum(1), z.maximum(1000)));

/** `POST /sandbox/humanapi/faults`. */
export const humanApiFaultBody = z.strictObject({
  status: z.optional(z.int().check(z.minimum(100), z.maximum(599))),
  delayMs: z.optional(z.int().check(z.minimum(0), z.maximum(120_000))),
  count,
  body: z.optional(z.string()),
  /** An answer of this many bytes (up to 16 MiB), generated: larger than a hook body may be. */
  bodyBytes: z.optional(z.int().check(z.minimum(4), z.maximum(16 * 1024 * 1024))),
  reset: z.optional(z.boolean()),
  /** Seconds for a `Retry-After` header on the fault's answer (a 429's, say). */
  retryAfter: z.optional(z.int().check(z.minimum(0), z.maximum(86_400))),
});

/** `POST /sandbox/humanapi/revoke`: the user whose access tokens stop working. */
export const revokeAccessTokensBody = z.strictObject({ clientUserId: z.string().check(z.minLength(1)) });

/** `POST /sandbox/humanapi/users/delete`: the user Human API deletes. */
export const deleteHumanApiUserBody = z.strictObject({ clientUserId: z.string().check(z.minLength(1)) });

/** `POST /sandbox/humanapi/notifications/send`: a notification about a known user (docs/local-mode.md#notifications). */
export const sendNotificationBody = z.strictObject({
  clientUserId: z.string().check(z.minLength(1)),
  type: z.optional(z.enum(NOTIFICATION_TYPES)),
  /** Deliveries of the same notification after the first, as Human API may deliver one twice. */
  redeliveries: z.optional(z.int().check(z.minimum(0), z.maximum(10))),
  /** `false`: no `X-HumanAPI-Signature` (Human API signs optionally). @default true */
  signed: z.optional(z.boolean()),
});

/** `POST /sandbox/dynamodb/faults`. */
export const dynamoDbFaultBody = z.strictObject({
  operation: z.optional(z.string().check(z.minLength(1))),
  tableName: z.optional(z.string().check(z.minLength(1))),
  count,
  kind: z.optional(z.enum(['throttle', 'error', 'reset'])),
});

/** `POST /sandbox/secretsmanager/faults`. */
export const secretStoreFaultBody = z.strictObject({ count });

/** `POST /sandbox/kms/faults`. */
export const kmsFaultBody = z.strictObject({ count });

/** `POST /sandbox/sqs/faults`: `operation` is an SQS action such as `SendMessage`. */
export const sqsFaultBody = z.strictObject({ count, operation: z.optional(z.string().check(z.minLength(1))) });

/** `POST /sandbox/auth/token`. */
export const devTokenBody = z.strictObject({
  sub: z.string().check(z.minLength(1)),
  audience: z.optional(z.string().check(z.minLength(1))),
  expiresInSeconds: z.optional(z.number()),
  notBeforeSeconds: z.optional(z.number()),
});

/** A hook body checked: its value, or the 400 answer naming what is wrong. */
export type HookBody<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly problem: { error: string; message: string; errors: { path: string; message: string }[] };
    };

/**
 * Checks a hook body (already parsed as a JSON object, or `undefined` when it was not one).
 */
export function checkHookBody<T>(schema: z.ZodMiniType<T>, body: Record<string, unknown> | undefined): HookBody<T> {
  if (body === undefined) {
    return {
      ok: false,
      problem: { error: 'Bad Request', message: 'Body must be a JSON object', errors: [] },
    };
  }
  const parsed = schema.safeParse(body, { error: requestIssueMessage });
  if (parsed.success) return { ok: true, value: parsed.data };
  const errors = toFieldIssues(parsed.error.issues);
  const message = errors.map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`));
  return { ok: false, problem: { error: 'Bad Request', message: message.join('; '), errors } };
}
