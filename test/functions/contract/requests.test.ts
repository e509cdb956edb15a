import { describe, expect, it } from 'vitest';
import {
  connectTokenRequestSchema,
  publicTokenRequestSchema,
  sessionTokenObjectSchema,
} from '../../../functions/contract/requests.js';

const humanId = 'h'.repeat(24);

/** The failing fields of `body` (zod's own words: the plain-words ones are the edge's, test/functions/http/). */
function issuesOf(schema: { safeParse(body: unknown): { success: boolean; error?: unknown } }, body: unknown) {
  const parsed = schema.safeParse(body);
  if (parsed.success) return [];
  const { issues } = parsed.error as { issues: { path: PropertyKey[]; message: string }[] };
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

describe('sessionTokenObjectSchema', () => {
  it('keeps the three documented fields and drops anything else (such as userId)', () => {
    expect(
      sessionTokenObjectSchema.parse({ humanId, clientId: 'c'.repeat(40), sessionToken: 's'.repeat(32), userId: 'u' }),
    ).toEqual({ humanId, clientId: 'c'.repeat(40), sessionToken: 's'.repeat(32) });
  });

  it.each([
    ['a missing sessionToken', { humanId, clientId: 'c' }, 'sessionToken'],
    ['a sessionToken of 513 characters', { humanId, clientId: 'c', sessionToken: 's'.repeat(513) }, 'sessionToken'],
    ['a humanId with a space', { humanId: 'h h', clientId: 'c', sessionToken: 's' }, 'humanId'],
    ['a clientId that is a number', { humanId, clientId: 42, sessionToken: 's' }, 'clientId'],
  ])('refuses %s naming the field', (_, body, path) => {
    expect(issuesOf(sessionTokenObjectSchema, body)).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('publicTokenRequestSchema', () => {
  it.each([
    [{ clientUserId: 'alice@example.com' }, { clientUserId: 'alice@example.com' }],
    [
      { clientUserId: 'alice', refresh: true },
      { clientUserId: 'alice', refresh: true },
    ],
    [{ humanId }, { humanId }],
    [
      { humanId, refresh: false },
      { humanId, refresh: false },
    ],
    [{ clientUserId: 'alice', extra: 'ignored' }, { clientUserId: 'alice' }],
  ])('accepts %j as %j', (body, request) => {
    expect(publicTokenRequestSchema.parse(body)).toEqual(request);
  });

  it('types a request by clientUserId without a humanId, and one by humanId without a clientUserId', () => {
    const byUser = publicTokenRequestSchema.parse({ clientUserId: 'alice' });
    const byHuman = publicTokenRequestSchema.parse({ humanId });

    expect('humanId' in byUser).toBe(false);
    expect('clientUserId' in byHuman).toBe(false);
  });

  it.each([
    ['both identifiers', { clientUserId: 'alice', humanId }],
    ['neither identifier', { refresh: true }],
    ['an empty body', {}],
  ])('refuses %s naming the exactly-one rule', (_, body) => {
    expect(issuesOf(publicTokenRequestSchema, body)).toEqual([
      { path: '', message: 'Give exactly one of clientUserId and humanId' },
    ]);
  });

  it.each([
    ['a clientUserId over 256 characters', { clientUserId: 'x'.repeat(257) }, 'clientUserId'],
    ['a clientUserId with a control character', { clientUserId: 'al\u0000ice' }, 'clientUserId'],
    ['a humanId with a space', { humanId: 'h h' }, 'humanId'],
    ['a refresh that is not a boolean', { humanId, refresh: 'yes' }, 'refresh'],
  ])('refuses %s naming the field', (_, body, path) => {
    expect(issuesOf(publicTokenRequestSchema, body)).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('connectTokenRequestSchema', () => {
  it.each([
    [{}, {}],
    [{ email: 'alice@example.com' }, { email: 'alice@example.com' }],
    [
      { clientUserId: 'alice', email: 'alice@example.com' },
      { clientUserId: 'alice', email: 'alice@example.com' },
    ],
  ])('accepts %j (which of the two is required is the domain\u2019s to say)', (body, request) => {
    expect(connectTokenRequestSchema.parse(body)).toEqual(request);
  });

  it.each([
    ['a malformed email', { email: 'not-an-email' }, 'email'],
    ['an email over 254 characters', { email: `${'a'.repeat(64)}@${'b'.repeat(186)}.com` }, 'email'],
    ['a clientUserId with a control character', { clientUserId: 'al\u0007ice' }, 'clientUserId'],
    ['a field of another route', { sessionToken: 'x' }, ''],
  ])('refuses %s naming the field', (_, body, path) => {
    expect(issuesOf(connectTokenRequestSchema, body)).toEqual([{ path, message: expect.any(String) }]);
  });
});
