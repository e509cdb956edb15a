import { describe, expect, it } from 'vitest';
import { errorFields } from '../../../functions/commons/observability.js';

describe('errorFields', () => {
  it('names the error and its cause, never their messages', () => {
    const cause = new TypeError('token abc123 refused');
    const error = new RangeError('secret xyz', { cause });

    const fields = errorFields(error);

    expect(fields).toEqual({ errorName: 'RangeError', causeName: 'TypeError' });
    expect(JSON.stringify(fields)).not.toMatch(/abc123|xyz/);
  });

  it('leaves causeName out when the cause is absent or not an Error', () => {
    expect(errorFields(new Error('x'))).toEqual({ errorName: 'Error' });
    expect(errorFields(new Error('x', { cause: 'a string' }))).toEqual({ errorName: 'Error' });
  });

  it('names the type of a thrown value that is not an Error', () => {
    expect(errorFields('a token')).toEqual({ errorName: 'string' });
    expect(errorFields(undefined)).toEqual({ errorName: 'undefined' });
  });
});
