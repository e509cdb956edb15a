import { describe, expect, it } from 'vitest';
import { assertCallerIs } from '../../../functions/domain/caller.js';
import { CallerMismatchError } from '../../../functions/domain/errors.js';

describe('assertCallerIs', () => {
  it('lets a user act on their own record and a trusted caller on any', () => {
    expect(() => assertCallerIs({ kind: 'user', userId: 'alice' }, 'alice')).not.toThrow();
    expect(() => assertCallerIs({ kind: 'trusted' }, 'bob')).not.toThrow();
  });

  it('refuses a user acting on another user', () => {
    expect(() => assertCallerIs({ kind: 'user', userId: 'alice' }, 'bob')).toThrow(CallerMismatchError);
  });
});
