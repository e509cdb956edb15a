import { describe, expect, it } from 'vitest';
import { boundedToken, clientUserIdSchema, connectToken, emailSchema } from '../../../functions/contract/fields.js';

const accepts = (schema: { safeParse(value: unknown): { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

describe('boundedToken: an ID or token Human API issues', () => {
  it.each([
    ['one character', 'a', true],
    ['512 printable ASCII characters', '~'.repeat(512), true],
    ['513 characters', 'a'.repeat(513), false],
    ['an empty string', '', false],
    ['a space', 'a b', false],
    ['a control character', 'a\u0000b', false],
    ['a non-ASCII character', 'caf\u00e9', false],
    ['a number', 42, false],
  ])('%s: %s', (_, value, ok) => {
    expect(accepts(boundedToken, value)).toBe(ok);
  });
});

describe('connectToken: a token Connect opens with', () => {
  it.each([
    ['8192 characters', 'J'.repeat(8192), true],
    ['8193 characters', 'J'.repeat(8193), false],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln', true],
    ['a space', 'a b', false],
  ])('%s: %s', (_, value, ok) => {
    expect(accepts(connectToken, value)).toBe(ok);
  });
});

describe('clientUserIdSchema: the app\u2019s ID for its user, the token table\u2019s key', () => {
  it.each([
    ['an e-mail', 'alice@example.com', true],
    ['text with spaces and accents', 'Al\u00efce Smith', true],
    ['256 characters', 'u'.repeat(256), true],
    ['257 characters', 'u'.repeat(257), false],
    ['an empty string', '', false],
    ['a control character', 'alice\u0007', false],
    ['a lone surrogate', 'alice\ud800', false],
    ['256 emoji (1024 bytes in UTF-8)', '\u{1f600}'.repeat(128), true],
    ['over 2048 bytes in UTF-8', '\u{1f600}'.repeat(600), false],
  ])('%s: %s', (_, value, ok) => {
    expect(accepts(clientUserIdSchema, value)).toBe(ok);
  });
});

describe('emailSchema', () => {
  it.each([
    ['an address', 'alice@example.com', true],
    ['254 characters', `${'a'.repeat(64)}@${'b'.repeat(185)}.com`, true],
    ['255 characters', `${'a'.repeat(64)}@${'b'.repeat(186)}.com`, false],
    ['no @', 'alice.example.com', false],
  ])('%s: %s', (_, value, ok) => {
    expect(accepts(emailSchema, value)).toBe(ok);
  });
});
