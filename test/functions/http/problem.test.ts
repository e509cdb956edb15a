import { createError } from '@middy/util';
import { describe, expect, it } from 'vitest';
import { problemSchema } from '../../../functions/contract/answers.js';
import {
  CallerMismatchError,
  DependencyUnavailableError,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
  HumanApiUnreachableError,
  NotificationRefusedError,
  RequestInFlightError,
  TokenRecordNotFoundError,
  UnreadableTokenRecordError,
  UserDeletedError,
} from '../../../functions/domain/errors.js';
import {
  DataPageTooLargeError,
  HumanDataNotFoundError,
  ReconnectRequiredError,
} from '../../../functions/domain/human-data-errors.js';
import {
  InvalidCallerIdError,
  MalformedBodyError,
  PayloadTooLargeError,
  RequestValidationError,
  UnsupportedMediaTypeError,
} from '../../../functions/domain/request-errors.js';
import { problemResponse, toProblem } from '../../../functions/http/problem.js';

describe('toProblem', () => {
  it.each([
    [new MalformedBodyError(), 400],
    [new RequestValidationError([{ path: 'humanId', message: 'Required' }]), 400],
    [createError(422, 'Invalid or malformed JSON was provided'), 400],
    [createError(400, 'Forbidden key'), 400],
    [new InvalidCallerIdError('sub', [{ path: 'sub', message: 'must be at most 256 characters' }]), 400],
    [new NotificationRefusedError('path-secret', 'The URL is wrong.'), 401],
    [new NotificationRefusedError('signature-mismatch', 'The signature is wrong.'), 401],
    [new ForeignClientIdError(), 403],
    [new CallerMismatchError(), 403],
    [new TokenRecordNotFoundError(), 404],
    [new RequestInFlightError(), 409],
    [new UserDeletedError(), 409],
    [new ReconnectRequiredError(401), 409],
    [new HumanDataNotFoundError(), 404],
    [new DataPageTooLargeError(4_194_304, 200), 502],
    [new HumanApiUnreachableError(), 502],
    [new PayloadTooLargeError(16384), 413],
    [new UnsupportedMediaTypeError(), 415],
    [createError(415, 'Unsupported Media Type'), 415],
    [new HumanApiRejectedError(400), 422],
    [new HumanApiAuthError(401), 502],
    [new HumanApiFailedError('boom'), 502],
    [new DependencyUnavailableError('DynamoDB'), 503],
    [new DependencyUnavailableError('Secrets Manager'), 503],
    [new UnreadableTokenRecordError(['version']), 503],
    [new HumanApiRateLimitedError(5), 503],
    [new HumanApiTimeoutError(1000), 504],
    [new Error('something internal with a token abc123'), 500],
    ['a string', 500],
  ])('maps %s to %i', (error, status) => {
    expect(toProblem(error).status).toBe(status);
  });

  it('answers a refused notification with 401 notification-refused and the message the receiver wrote', () => {
    expect(toProblem(new NotificationRefusedError('signature-stale', 'The timestamp is stale.'))).toEqual({
      type: 'urn:humanconnect:problem:notification-refused',
      title: 'Unauthorized',
      status: 401,
      detail: 'The timestamp is stale.',
    });
  });

  it('answers 409 with its own message while the same session is being finished', () => {
    expect(toProblem(new RequestInFlightError())).toEqual({
      type: 'urn:humanconnect:problem:session-in-flight',
      title: 'Conflict',
      status: 409,
      detail: 'This session is being finished by another request; retry shortly.',
    });
  });

  it('answers 409 user-deleted, telling the user to connect again, when the user was deleted while the session finished', () => {
    expect(toProblem(new UserDeletedError())).toEqual({
      type: 'urn:humanconnect:problem:user-deleted',
      title: 'Conflict',
      status: 409,
      detail: 'This user was deleted while the session finished; nothing was stored. Open Human Connect again.',
    });
  });

  it('answers 409 reconnect-required, saying the user must connect again, when Human API refuses the user\u2019s token', () => {
    expect(toProblem(new ReconnectRequiredError(401))).toEqual({
      type: 'urn:humanconnect:problem:reconnect-required',
      title: 'The user must connect again',
      status: 409,
      detail: 'Human API no longer accepts this user\u2019s access token: the user must connect again.',
    });
  });

  it('answers 404 humanapi-not-found when Human API has no such record', () => {
    expect(toProblem(new HumanDataNotFoundError())).toEqual({
      type: 'urn:humanconnect:problem:humanapi-not-found',
      title: 'Not found',
      status: 404,
      detail: 'Human API has no such record for this user.',
    });
  });

  it('answers 502 data-page-too-large, telling the caller to ask a smaller page, when the answer cannot fit', () => {
    expect(toProblem(new DataPageTooLargeError(4_194_304, 200))).toEqual({
      type: 'urn:humanconnect:problem:data-page-too-large',
      title: 'Bad gateway',
      status: 502,
      detail:
        "Human API's answer is larger than the 4194304 bytes this gateway can answer; ask a smaller page (limit).",
    });
  });

  it('answers 400 naming the claim when the signed-in user\u2019s id cannot be a clientUserId', () => {
    const error = new InvalidCallerIdError('sub', [{ path: 'sub', message: 'must be at most 256 characters' }]);

    expect(toProblem(error)).toEqual({
      type: 'urn:humanconnect:problem:invalid-caller-id',
      title: 'Invalid caller identity',
      status: 400,
      detail: 'The signed-in user\u2019s id (JWT claim "sub") cannot be used as a clientUserId.',
      errors: [{ path: 'sub', message: 'must be at most 256 characters' }],
    });
  });

  it('answers a storage failure naming the service but not the item', () => {
    const problem = toProblem(new UnreadableTokenRecordError(['accessToken']));

    expect(problem.title).toBe('DynamoDB is unavailable');
    expect(JSON.stringify(problem)).not.toContain('accessToken');
  });

  it.each([
    [new DependencyUnavailableError('Secrets Manager'), 'Secrets Manager is unavailable'],
    [new DependencyUnavailableError('KMS'), 'KMS is unavailable'],
    [new DependencyUnavailableError('the outbox'), 'the outbox is unavailable'],
    [new DependencyUnavailableError('the notifications queue'), 'the notifications queue is unavailable'],
    [new DependencyUnavailableError('DynamoDB'), 'DynamoDB is unavailable'],
  ])('names the failed service of %s in the 503 title', (error, title) => {
    expect(toProblem(error)).toMatchObject({ status: 503, title });
  });

  it('says which Human API answer a 422 comes from, with its error code', () => {
    const problem = toProblem(new HumanApiRejectedError(400, 'invalid_token: Session token expired'));

    expect(problem.detail).toContain('Human API answered 400 (invalid_token: Session token expired)');
  });

  it('says which status Human API answered when it failed', () => {
    expect(toProblem(new HumanApiFailedError('Human API answered 503.', { upstreamStatus: 503 })).detail).toContain(
      'Human API answered 503',
    );
    expect(toProblem(new HumanApiAuthError(401)).detail).toContain('answered 401');
  });

  it('answers every problem in the shape the contract publishes', () => {
    const errors = [
      new RequestValidationError([{ path: 'humanId', message: 'Required' }]),
      new UserDeletedError(),
      new HumanApiRateLimitedError(5),
      new DependencyUnavailableError('KMS'),
      new Error('internal'),
    ];

    for (const error of errors) {
      expect(problemSchema.safeParse(JSON.parse(problemResponse(error, 'req-1').body ?? '')).success).toBe(true);
    }
  });

  it('quotes the request id in the body', () => {
    const response = problemResponse(new TokenRecordNotFoundError(), 'req-abc-123');

    expect(JSON.parse(response.body ?? '')).toMatchObject({ status: 404, requestId: 'req-abc-123' });
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
