import { describe, expect, it } from 'vitest';
import { describeUpstreamError } from '../../../../functions/adapters/human-api/upstream-detail.js';

describe('describeUpstreamError', () => {
  it('repeats an error code and message', () => {
    expect(describeUpstreamError('{"code":"invalid_token","message":"Session token expired"}')).toBe(
      'invalid_token: Session token expired',
    );
  });

  it('repeats an OAuth-style error alone', () => {
    expect(describeUpstreamError('{"error":"invalid_grant"}')).toBe('invalid_grant');
  });

  it('never repeats text that may hold a token or an ID', () => {
    expect(describeUpstreamError('{"message":"Session 0123456789abcdef0123456789abcdef is used"}')).toBeUndefined();
  });

  it.each(['not json', '[]', '{"message":42}', `{"message":"${'x '.repeat(100)}"}`, '{"message":"bad\\u0007bell"}'])(
    'gives nothing for %s',
    (body) => {
      expect(describeUpstreamError(body)).toBeUndefined();
    },
  );
});
