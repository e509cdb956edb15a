import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { callerLabel } from '../../../functions/domain/caller.js';
import { CallerMismatchError } from '../../../functions/domain/errors.js';
import { InvalidCallerIdError } from '../../../functions/domain/request-errors.js';
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

  it('without a JWT authorizer, an IAM-signed caller is trusted and named by the ARN API Gateway reports', () => {
    const event = {
      requestContext: {
        authorizer: {
          iam: {
            accessKey: 'AKIAEXAMPLE',
            accountId: '123456789012',
            userArn: 'arn:aws:sts::123456789012:assumed-role/app-backend/session',
          },
        },
      },
    } as unknown as APIGatewayProxyEventV2;

    expect(callerFrom(event, undefined)).toEqual({
      kind: 'trusted',
      principal: 'arn:aws:sts::123456789012:assumed-role/app-backend/session',
    });
    expect(callerLabel(callerFrom(event, undefined))).toBe(
      'arn:aws:sts::123456789012:assumed-role/app-backend/session',
    );
    expect(callerLabel(callerFrom(eventWithClaims(), undefined))).toBe('anonymous');
    expect(callerLabel({ kind: 'user', userId: 'alice' })).toBe('user:alice');
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

  it.each([
    ['longer than 256 characters', 'u'.repeat(257), 'must be at most 256 characters'],
    ['holding a control character', 'bell\u0007user', 'must not contain control characters or lone surrogates'],
    ['holding a lone surrogate', 'half\ud800', 'must not contain control characters or lone surrogates'],
  ])('in JWT mode, refuses a claim %s: it cannot be a clientUserId', (_, claim, message) => {
    const refusal = (() => {
      try {
        callerFrom(eventWithClaims({ sub: claim }), 'sub');
      } catch (error: unknown) {
        return error;
      }
      return undefined;
    })();

    expect(refusal).toBeInstanceOf(InvalidCallerIdError);
    expect(refusal).toMatchObject({ claim: 'sub', issues: [{ path: 'sub', message }] });
  });

  it('names the configured claim when it cannot be a clientUserId', () => {
    expect(() => callerFrom(eventWithClaims({ sub: 'ok', email: 'e'.repeat(300) }), 'email')).toThrow(
      expect.objectContaining({
        claim: 'email',
        issues: [{ path: 'email', message: 'must be at most 256 characters' }],
      }),
    );
  });

  it('accepts a claim of exactly 256 characters', () => {
    expect(callerFrom(eventWithClaims({ sub: 'u'.repeat(256) }), 'sub')).toEqual({
      kind: 'user',
      userId: 'u'.repeat(256),
    });
  });
});
