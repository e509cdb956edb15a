import { describe, expect, it } from 'vitest';
import { RequestParameterError } from '../../../functions/domain/request-errors.js';
import { refuseQuery, userOfPath } from '../../../functions/http/user-parameter.js';

const alice = { kind: 'user', userId: 'alice' } as const;
const backEnd = { kind: 'trusted', principal: 'arn:aws:iam::123456789012:role/app' } as const;

const issuesOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestParameterError) return error.issues;
    throw error;
  }
  throw new Error('no RequestParameterError');
};

describe('userOfPath', () => {
  it('answers the named user, for a signed-in user (the caller rule is the domain\u2019s) and an IAM caller', () => {
    expect(userOfPath({ clientUserId: 'bob@example.com' }, backEnd)).toBe('bob@example.com');
    expect(userOfPath({ clientUserId: 'bob' }, alice)).toBe('bob');
  });

  it('reads "me" as the signed-in user', () => {
    expect(userOfPath({ clientUserId: 'me' }, alice)).toBe('alice');
  });

  it('refuses "me" from an IAM caller, naming path.clientUserId', () => {
    expect(issuesOf(() => userOfPath({ clientUserId: 'me' }, backEnd))).toEqual([
      { path: 'path.clientUserId', message: '"me" names the signed-in user; an IAM caller names the user' },
    ]);
  });

  it('refuses an empty id, naming path.clientUserId', () => {
    expect(issuesOf(() => userOfPath({ clientUserId: '' }, backEnd))).toContainEqual({
      path: 'path.clientUserId',
      message: 'must not be empty',
    });
  });

  it.each([
    ['too long', 'x'.repeat(257), 'must be at most 256 characters'],
    ['a control character', 'a\u0000b', 'must not contain control characters or lone surrogates'],
    ['a lone surrogate', 'a\ud800b', 'must not contain control characters or lone surrogates'],
  ])('refuses an id that is %s, naming path.clientUserId', (_, clientUserId, message) => {
    expect(issuesOf(() => userOfPath({ clientUserId }, backEnd))).toEqual([{ path: 'path.clientUserId', message }]);
  });
});

describe('refuseQuery', () => {
  it('lets a request without a query through', () => {
    expect(refuseQuery(new URLSearchParams(''))).toBeUndefined();
  });

  it('names each query parameter once, at most five, each cut to 64 characters', () => {
    expect(issuesOf(() => refuseQuery(new URLSearchParams('atHumanApi=true&atHumanApi=1&x=')))).toEqual([
      { path: 'query.atHumanApi', message: 'this route takes no query parameters' },
      { path: 'query.x', message: 'this route takes no query parameters' },
    ]);
    const many = new URLSearchParams(['a', 'b', 'c', 'd', 'e', 'f', 'y'.repeat(100)].map((name) => [name, '1']));
    expect(issuesOf(() => refuseQuery(many)).map((issue) => issue.path)).toEqual([
      'query.a',
      'query.b',
      'query.c',
      'query.d',
      'query.e',
    ]);
    expect(issuesOf(() => refuseQuery(new URLSearchParams([['y'.repeat(100), '1']])))[0]?.path).toBe(
      `query.${'y'.repeat(64)}`,
    );
  });
});
