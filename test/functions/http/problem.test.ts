import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { createError } from '@middy/util';
import { describe, expect, it } from 'vitest';
import {
  CallerMismatchError,
  DependencyUnavailableError,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  MalformedBodyError,
  PayloadTooLargeError,
  RequestValidationError,
  SessionInFlightError,
  TokenRecordNotFoundError,
  UnsupportedMediaTypeError,
} from '../../../functions/commons/errors.js';
import { problemResponse, toProblem } from '../../../functions/http/problem.js';

describe('toProblem', () => {
  it.each([
    [new MalformedBodyError(), 400],
    [new RequestValidationError([{ path: 'humanId', message: 'Required' }]), 400],
    [createError(422, 'Invalid or malformed JSON was provided'), 400],
    [new ForeignClientIdError(), 403],
    [new CallerMismatchError(), 403],
    [new TokenRecordNotFoundError(), 404],
    [new SessionInFlightError(), 409],
    [new IdempotencyAlreadyInProgressError('in progress'), 409],
    [new PayloadTooLargeError(16384), 413],
    [new UnsupportedMediaTypeError(), 415],
    [createError(415, 'Unsupported Media Type'), 415],
    [new HumanApiRejectedError(400), 422],
    [new HumanApiAuthError(401), 502],
    [new HumanApiFailedError('boom'), 502],
    [new DependencyUnavailableError('DynamoDB'), 503],
    [new DependencyUnavailableError('Secrets Manager'), 503],
    [new HumanApiTimeoutError(1000), 504],
    [new Error('something internal with a token abc123'), 500],
    ['a string', 500],
  ])('maps %s to %i', (error, status) => {
    expect(toProblem(error).status).toBe(status);
  });

  it('lists the failing fields of a validation error', () => {
    const problem = toProblem(new RequestValidationError([{ path: 'sessionToken', message: 'Required' }]));

    expect(problem).toMatchObject({ status: 400, errors: [{ path: 'sessionToken', message: 'Required' }] });
  });

  it('never exposes the message of an unexpected error', () => {
    const response = problemResponse(new Error('secret-value-123 leaked?'));

    expect(response.body).not.toContain('secret-value-123');
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'urn:humanconnect:problem:internal',
      title: 'Internal server error',
      status: 500,
    });
  });

  it("answers 503 with Human API's Retry-After when Human API rate limits the app", () => {
    const response = problemResponse(new HumanApiRateLimitedError(17));

    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '17', 'Content-Type': 'application/problem+json' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({ type: 'urn:humanconnect:problem:humanapi-rate-limited' });
  });

  it('answers application/problem+json that must not be cached or sniffed', () => {
    const response = problemResponse(new TokenRecordNotFoundError());

    expect(response.statusCode).toBe(404);
    expect(response.headers).toEqual({
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });
});
