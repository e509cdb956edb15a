import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CallerMismatchError } from '../../../functions/commons/errors.js';
import { callerFrom } from '../../../functions/http/caller.js';

function eventWithClaims(claims?: Record<string, unknown>): APIGatewayProxyEventV2 {
  return {
    requestContext: claims === undefined ? {} : { authorizer: { jwt: { claims, scopes: null } } },
  } as unknown as APIGatewayProxyEventV2;
}

describe('callerFrom', () => {
  it('without a JWT authorizer, the caller is trusted', () => {
    expect(callerFrom(eventWithClaims(), undefined)).toEqual({ kind: 'trusted' });
  });

  it('in JWT mode, the caller is the configured claim', () => {
    expect(callerFrom(eventWithClaims({ sub: 'user-1', email: 'a@example.com' }), 'sub')).toEqual({
      kind: 'user',
      userId: 'user-1',
    });
    expect(callerFrom(eventWithClaims({ sub: 'user-1', email: 'a@example.com' }), 'email')).toEqual({
      kind: 'user',
      userId: 'a@example.com',
    });
  });

  it.each([
    ['no authorizer context', undefined],
    ['no such claim', { email: 'a@example.com' }],
    ['an empty claim', { sub: '' }],
    ['a non-string claim', { sub: 42 }],
  ])('in JWT mode, refuses %s', (_, claims) => {
    expect(() => callerFrom(eventWithClaims(claims), 'sub')).toThrow(CallerMismatchError);
  });

  it.each([
    ['claims that are not an object', { authorizer: { jwt: { claims: 'sub=alice' } } }],
    ['an authorizer without jwt', { authorizer: { lambda: { sub: 'alice' } } }],
    ['an authorizer that is not an object', { authorizer: 'alice' }],
  ])('in JWT mode, refuses a request context with %s', (_, requestContext) => {
    const event = { requestContext } as unknown as APIGatewayProxyEventV2;

    expect(() => callerFrom(event, 'sub')).toThrow(CallerMismatchError);
  });
});
