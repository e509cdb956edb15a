import { describe, expect, it } from 'vitest';
import { errorFields } from '../../../functions/commons/observability.js';
import {
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../functions/domain/errors.js';

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

  it.each([
    [new HumanApiRejectedError(404, 'invalid_token'), { errorName: 'HumanApiRejectedError', upstreamStatus: 404 }],
    [new HumanApiAuthError(401), { errorName: 'HumanApiAuthError', upstreamStatus: 401 }],
    [new HumanApiFailedError('x', { upstreamStatus: 503 }), { errorName: 'HumanApiFailedError', upstreamStatus: 503 }],
    [new HumanApiRateLimitedError(5), { errorName: 'HumanApiRateLimitedError', upstreamStatus: 429 }],
    [new HumanApiTimeoutError(1000), { errorName: 'HumanApiTimeoutError' }],
    [new HumanApiFailedError('no answer'), { errorName: 'HumanApiFailedError' }],
  ])('adds Human API\u2019s status when it answered one: %s', (error, fields) => {
    expect(errorFields(error)).toEqual(fields);
  });

  it('reads upstreamStatus by name, on any error, only when it is a number', () => {
    const numbered = Object.assign(new Error('x'), { upstreamStatus: 418 });
    const worded = Object.assign(new Error('x'), { upstreamStatus: 'token abc123' });

    expect(errorFields(numbered)).toEqual({ errorName: 'Error', upstreamStatus: 418 });
    expect(errorFields(worded)).toEqual({ errorName: 'Error' });
  });
});
