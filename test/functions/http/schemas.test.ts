import { describe, expect, it } from 'vitest';
import {
  publicTokenRequestSchema,
  requestIssueMessage,
  sessionTokenObjectSchema,
  toFieldIssues,
} from '../../../functions/http/schemas.js';

const humanId = 'h'.repeat(24);

function issuesOf(body: unknown) {
  const parsed = publicTokenRequestSchema.safeParse(body);
  return parsed.success ? [] : toFieldIssues(parsed.error.issues);
}

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
    expect(issuesOf(body)).toEqual([{ path: '', message: 'Give exactly one of clientUserId and humanId' }]);
  });

  it.each([
    ['a clientUserId over 256 characters', { clientUserId: 'x'.repeat(257) }, 'clientUserId'],
    ['a clientUserId with a control character', { clientUserId: 'al\u0000ice' }, 'clientUserId'],
    ['a humanId with a space', { humanId: 'h h' }, 'humanId'],
    ['a refresh that is not a boolean', { humanId, refresh: 'yes' }, 'refresh'],
  ])('refuses %s naming the field', (_, body, path) => {
    expect(issuesOf(body)).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('requestIssueMessage', () => {
  function messagesOf(body: unknown) {
    const parsed = sessionTokenObjectSchema.safeParse(body, { error: requestIssueMessage });
    return parsed.success ? [] : toFieldIssues(parsed.error.issues);
  }

  it('names a missing field in plain words', () => {
    expect(messagesOf({ humanId, clientId: 'c' })).toEqual([
      { path: 'sessionToken', message: 'sessionToken is required' },
    ]);
  });

  it('says how long a field may be', () => {
    expect(messagesOf({ humanId, clientId: 'c', sessionToken: 's'.repeat(513) })).toEqual([
      { path: 'sessionToken', message: 'must be at most 512 characters' },
    ]);
  });

  it('says which type a field must have', () => {
    expect(messagesOf({ humanId, clientId: 7, sessionToken: 's' })).toEqual([
      { path: 'clientId', message: 'must be a string' },
    ]);
    expect(messagesOf({ humanId, clientId: 'c', sessionToken: '' })).toContainEqual({
      path: 'sessionToken',
      message: 'must not be empty',
    });
  });

  it('refuses a body that is not an object as a whole', () => {
    expect(messagesOf('humanId=x')).toEqual([{ path: '', message: 'the body must be a JSON object or form fields' }]);
  });

  it('keeps the words a schema gives its own rule', () => {
    expect(messagesOf({ humanId: 'has space', clientId: 'c', sessionToken: 's' })).toEqual([
      { path: 'humanId', message: 'must be printable ASCII without spaces' },
    ]);
  });
});
