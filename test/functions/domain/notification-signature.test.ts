import { describe, expect, it } from 'vitest';
import {
  isTimestampFresh,
  notificationSignature,
  readSignatureHeaders,
  sameSecret,
  signatureMatches,
} from '../../../functions/domain/notification-signature.js';

// Computed with `printf '%s' "$PAYLOAD$TIMESTAMP$NONCE" | openssl dgst -sha1 -hmac "$SECRET"`.
const PAYLOAD = '[{"humanId":"5f0c2a9e8b7d6c5a4b3c2d1e"}]';
const TIMESTAMP = '1767225600'; // 2026-01-01T00:00:00Z
const NONCE = 'n0nce-1';
const HEX_SIGNATURE = '143feda38805e9f0930a7fd98ac3d5181ad845e1';
const BASE64_SIGNATURE = 'FD/to4gF6fCTCn/ZisPVGBrYReE=';

const headers = (signature: string, extra: Record<string, string> = {}) => ({
  'x-humanapi-signature': signature,
  'x-humanapi-timestamp': TIMESTAMP,
  'x-humanapi-nonce': NONCE,
  ...extra,
});

describe('notificationSignature', () => {
  it('is the HMAC-SHA1 of payload + timestamp + nonce keyed with the client secret', () => {
    const digest = notificationSignature({
      payload: PAYLOAD,
      timestamp: TIMESTAMP,
      nonce: NONCE,
      clientSecret: 'the-client-secret',
    });

    expect(digest.toString('hex')).toBe(HEX_SIGNATURE);
  });
});

describe('readSignatureHeaders', () => {
  it('reads no signature when X-HumanAPI-Signature is absent', () => {
    expect(readSignatureHeaders({ 'x-humanapi-timestamp': TIMESTAMP })).toEqual({ kind: 'absent' });
  });

  it.each([
    ['hex', HEX_SIGNATURE],
    ['upper-case hex', HEX_SIGNATURE.toUpperCase()],
    ['base64', BASE64_SIGNATURE],
  ])('reads a %s digest with its timestamp and nonce', (_, signature) => {
    const read = readSignatureHeaders(headers(signature));

    expect(read).toEqual({
      kind: 'present',
      digest: Buffer.from(HEX_SIGNATURE, 'hex'),
      timestamp: TIMESTAMP,
      nonce: NONCE,
    });
  });

  it.each([
    ['no timestamp', { 'x-humanapi-timestamp': undefined }],
    ['no nonce', { 'x-humanapi-nonce': undefined }],
    ['a timestamp that is no number', { 'x-humanapi-timestamp': '2026-01-01T00:00:00Z' }],
    ['a nonce with a space', { 'x-humanapi-nonce': 'a nonce' }],
    ['a nonce over 256 characters', { 'x-humanapi-nonce': 'n'.repeat(257) }],
  ])('finds a signature with %s unusable', (_, override) => {
    const read = readSignatureHeaders({ ...headers(HEX_SIGNATURE), ...override });

    expect(read).toEqual({ kind: 'unusable' });
  });

  it.each(['', 'sha1=143feda3', `${HEX_SIGNATURE}00`, 'not-a-digest'])('finds the signature %j unusable', (value) => {
    expect(readSignatureHeaders(headers(value))).toEqual({ kind: 'unusable' });
  });
});

describe('isTimestampFresh', () => {
  const at = (iso: string) => new Date(iso);

  it('accepts a timestamp within 300 s either way, in seconds or milliseconds', () => {
    expect(isTimestampFresh(TIMESTAMP, at('2026-01-01T00:05:00Z'))).toBe(true);
    expect(isTimestampFresh(TIMESTAMP, at('2025-12-31T23:55:00Z'))).toBe(true);
    expect(isTimestampFresh('1767225600000', at('2026-01-01T00:04:59Z'))).toBe(true);
  });

  it('refuses one further away', () => {
    expect(isTimestampFresh(TIMESTAMP, at('2026-01-01T00:05:01Z'))).toBe(false);
    expect(isTimestampFresh(TIMESTAMP, at('2025-12-31T23:54:59Z'))).toBe(false);
    expect(isTimestampFresh('0', at('2026-01-01T00:00:00Z'))).toBe(false);
  });
});

describe('signatureMatches', () => {
  const present = readSignatureHeaders(headers(HEX_SIGNATURE));
  if (present.kind !== 'present') throw new Error('the fixture signature must read');

  it('matches the current secret or the previous one, and not another payload or secret', () => {
    expect(signatureMatches(present, PAYLOAD, ['the-client-secret'])).toBe(true);
    expect(signatureMatches(present, PAYLOAD, ['the-new-secret', 'the-client-secret'])).toBe(true);
    expect(signatureMatches(present, PAYLOAD, ['the-new-secret'])).toBe(false);
    expect(signatureMatches(present, `${PAYLOAD} `, ['the-client-secret'])).toBe(false);
    expect(signatureMatches(present, PAYLOAD, [])).toBe(false);
  });
});

describe('sameSecret', () => {
  it('compares values of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'a')).toBe(false);
  });
});
