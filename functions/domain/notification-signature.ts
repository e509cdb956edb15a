/**
 * `X-HumanAPI-Signature`, as this code reads Human API's scheme (docs/notifications.md#the-signature).
 *
 * Documented by Human API: an HMAC-SHA1 keyed with the app's client secret over
 * `String(payload + timestamp + nonce)`. Not documented publicly: where the timestamp and the nonce
 * travel, how the digest is encoded, and how old a timestamp may be. Assumed here, all in this one
 * module so that a correction is one edit: `X-HumanAPI-Timestamp` (seconds since the epoch; a value
 * in milliseconds is read as such) and `X-HumanAPI-Nonce` headers, the digest in hex (what
 * crypto-js, which Human API's page recommends, prints by default) or base64, and a timestamp
 * within {@link SIGNATURE_WINDOW_SECONDS} of the receiver's clock.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The signature header (documented). */
export const SIGNATURE_HEADER = 'x-humanapi-signature';
/** Where the signed timestamp travels (assumed). */
export const TIMESTAMP_HEADER = 'x-humanapi-timestamp';
/** Where the signed nonce travels (assumed). */
export const NONCE_HEADER = 'x-humanapi-nonce';
/**
 * How far the signed timestamp may be from the receiver's clock, either way (assumed). Five
 * minutes: a replay of a captured notification inside it is the same notification, which the
 * queue's five-minute deduplication delivers once; after it, the replay is refused.
 */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** Timestamps above this are milliseconds (it is the year 5138 in seconds). */
const MILLISECONDS_FROM = 1e11;

/** What the signature headers of a request say, before anything is checked. */
export type SignatureHeaders =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unusable' }
  | { readonly kind: 'present'; readonly digest: Buffer; readonly timestamp: string; readonly nonce: string };

/** The signature's digest, from hex (40 characters) or base64 (28): `undefined` when it is neither. */
function digestOf(signature: string): Buffer | undefined {
  const value = signature.trim();
  if (/^[0-9a-f]{40}$/i.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{27}=$/.test(value)) return Buffer.from(value, 'base64');
  return undefined;
}

/**
 * Reads the signature headers (names in lower case, as API Gateway passes them): `absent` without
 * `X-HumanAPI-Signature`, `unusable` when it comes without a timestamp and a nonce of the expected
 * form or is not an SHA-1 digest.
 */
export function readSignatureHeaders(headers: Readonly<Record<string, string | undefined>>): SignatureHeaders {
  const signature = headers[SIGNATURE_HEADER];
  if (signature === undefined) return { kind: 'absent' };
  const digest = digestOf(signature);
  const timestamp = headers[TIMESTAMP_HEADER]?.trim();
  const nonce = headers[NONCE_HEADER]?.trim();
  if (digest === undefined || timestamp === undefined || !/^\d{1,16}$/.test(timestamp)) return { kind: 'unusable' };
  if (nonce === undefined || !/^[\x21-\x7e]{1,256}$/.test(nonce)) return { kind: 'unusable' };
  return { kind: 'present', digest, timestamp, nonce };
}

/** Whether the signed timestamp is within {@link SIGNATURE_WINDOW_SECONDS} of `now`. */
export function isTimestampFresh(timestamp: string, now: Date): boolean {
  const value = Number(timestamp);
  const milliseconds = value >= MILLISECONDS_FROM ? value : value * 1000;
  return Math.abs(now.getTime() - milliseconds) <= SIGNATURE_WINDOW_SECONDS * 1000;
}

/** The HMAC-SHA1 of `payload + timestamp + nonce` keyed with `clientSecret`, as Human API computes it. */
export function notificationSignature({
  payload,
  timestamp,
  nonce,
  clientSecret,
}: {
  readonly payload: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly clientSecret: string;
}): Buffer {
  return createHmac('sha1', clientSecret).update(`${payload}${timestamp}${nonce}`, 'utf8').digest();
}

const sha256 = (value: Buffer | string) => createHash('sha256').update(value).digest();

/**
 * Compares two secrets (or digests) in constant time: `timingSafeEqual` over their SHA-256
 * digests, which are always of equal length, so not even the length of the expected value shows.
 */
export function sameSecret(presented: Buffer | string, expected: Buffer | string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/**
 * Whether `digest` is the signature of `payload` with the timestamp and nonce under any of
 * `clientSecrets` (each compared, in constant time, whether or not an earlier one matched).
 */
export function signatureMatches(
  { digest, timestamp, nonce }: Extract<SignatureHeaders, { kind: 'present' }>,
  payload: string,
  clientSecrets: readonly string[],
): boolean {
  let matched = false;
  for (const clientSecret of clientSecrets) {
    if (sameSecret(digest, notificationSignature({ payload, timestamp, nonce, clientSecret }))) matched = true;
  }
  return matched;
}
