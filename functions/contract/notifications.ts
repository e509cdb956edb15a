/**
 * Human API's notifications as `POST /notifications/{secret}` receives them, and the hint each one
 * becomes on the notifications queue (docs/notifications.md). Human API publishes the shape of its
 * order-status notifications (a JSON array of objects with `humanId`, `clientUserId`, `endpoint`,
 * `topic`, `action`, …); the data notifications are taken to be alike. So the payload is read
 * loosely: `humanId` is required, the known fields are carried when they are strings within their
 * bounds and dropped otherwise, and every other field is allowed and never passed on.
 */
import * as z from 'zod/mini';
import { clientUserIdSchema } from './fields.js';

/** Largest notification body accepted (413 past it): far above a notification, far below Lambda's limit. */
export const NOTIFICATION_MAX_BODY_BYTES = 32 * 1024;
/** Most notifications one POST may carry. */
export const NOTIFICATION_MAX_ENTRIES = 100;

/** Printable ASCII without spaces: also the characters an SQS message group ID may hold. */
const PRINTABLE = /^[\x21-\x7e]+$/;
/** No control characters, well-formed Unicode. */
const TEXT = /^[^\p{Cc}\p{Cs}]+$/u;

/**
 * Human API's ID of the user: 1–128 printable ASCII characters, because it becomes the queue's
 * message group (at most 128 characters of exactly these).
 */
export const notificationHumanIdSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(PRINTABLE, { error: 'must be printable ASCII without spaces' }));

/** A known optional field: carried when it is a string within `maxLength`, dropped (not refused) otherwise. */
const carried = (maxLength: number) =>
  z.catch(z.optional(z.string().check(z.minLength(1), z.maxLength(maxLength), z.regex(TEXT))), undefined);

/**
 * The fields of a notification that say what changed, in the order its identity is computed
 * (functions/domain/notification-hints.ts): the queue's message carries these, nothing else.
 */
export const NOTIFICATION_HINT_FIELDS = [
  'clientUserId',
  'clientId',
  'userId',
  'endpoint',
  'type',
  'topic',
  'action',
  'property',
  'value',
  'objectId',
  'updatedAt',
] as const;

/** One notification: `humanId`, the known fields (loosely), any other field allowed. */
export const notificationEntrySchema = z.looseObject({
  humanId: notificationHumanIdSchema,
  clientUserId: z.catch(z.optional(clientUserIdSchema), undefined),
  clientId: carried(512),
  userId: carried(512),
  endpoint: carried(2048),
  type: carried(256),
  topic: carried(256),
  action: carried(256),
  property: carried(256),
  value: carried(256),
  objectId: carried(512),
  updatedAt: carried(64),
});

/** One notification as read. */
export type NotificationEntry = z.infer<typeof notificationEntrySchema>;

const notificationListSchema = z
  .array(notificationEntrySchema)
  .check(z.minLength(1), z.maxLength(NOTIFICATION_MAX_ENTRIES));

/**
 * The body of `POST /notifications/{secret}` as published (docs/openapi.json): an array of
 * 1–{@link NOTIFICATION_MAX_ENTRIES} notifications (Human API's documented form) or a single one.
 */
export const notificationPayloadInputSchema = z.union([notificationListSchema, notificationEntrySchema]);

/**
 * The body as the receiver reads it: always a list, a single notification as a list of one (so a
 * refusal names `0.humanId` for either form).
 */
export const notificationPayloadSchema = z.pipe(
  z.transform((payload: unknown) => (Array.isArray(payload) ? payload : [payload])),
  notificationListSchema,
);

/** What `POST /notifications/{secret}` answers once every notification is on the queue. */
export const notificationReceiptSchema = z.object({
  /** Notifications handed to the queue (a repeated one within the POST counted once). */
  accepted: z.int().check(z.nonnegative()),
});

/** The answer of `POST /notifications/{secret}`. */
export type NotificationReceipt = z.infer<typeof notificationReceiptSchema>;

/**
 * A message on the notifications queue: a hint that something changed for a user, never health
 * data. Consumers re-fetch through the data gateway (docs/notifications.md#consuming-notifications).
 */
export const notificationHintSchema = z.object({
  /** `1`: the shape below; a later shape gets a new number. */
  version: z.literal(1),
  /** The notification's identity (its SQS deduplication ID): the same notification, the same ID. */
  notificationId: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  humanId: notificationHumanIdSchema,
  clientUserId: z.optional(z.string()),
  clientId: z.optional(z.string()),
  userId: z.optional(z.string()),
  endpoint: z.optional(z.string()),
  type: z.optional(z.string()),
  topic: z.optional(z.string()),
  action: z.optional(z.string()),
  property: z.optional(z.string()),
  value: z.optional(z.string()),
  objectId: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  /** When the receiver took it (ISO 8601). */
  receivedAt: z.string(),
  /** Whether `X-HumanAPI-Signature` came with it and verified (the URL's secret always did). */
  signatureVerified: z.boolean(),
});

/** A message of the notifications queue. */
export type NotificationHint = z.infer<typeof notificationHintSchema>;
