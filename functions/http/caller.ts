/**
 * Reads the caller from an API Gateway event (docs/design.md#caller-identity).
 *
 * With a JWT authorizer the caller is one user: the configured claim of the
 * verified token. Without one, `/sessions` is open (Human API vouches for the
 * session token) and `/public-tokens` is reachable only by IAM-signed callers,
 * which may act for any user.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { clientUserIdSchema } from '../contract/fields.js';
import type { Caller } from '../domain/caller.js';
import { CallerMismatchError } from '../domain/errors.js';
import { InvalidCallerIdError } from '../domain/request-errors.js';
import { requestIssueMessage } from './field-issues.js';

/**
 * The part of the request context a JWT authorizer fills in. The event type of a route without
 * one has no `authorizer`, so it is parsed rather than cast.
 */
const jwtRequestContextSchema = z.object({
  authorizer: z.object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()) }) }),
});

/** The part of the request context API Gateway's IAM authorizer fills in: the signer. */
const iamRequestContextSchema = z.object({
  authorizer: z.object({ iam: z.object({ userArn: z.string().check(z.minLength(1)) }) }),
});

/**
 * Reads the caller from an HTTP API event.
 *
 * @param event - the API Gateway HTTP API (payload 2.0) event
 * @param jwtUserClaim - the claim naming the user in JWT mode; `undefined` when there is no JWT authorizer
 * @throws {CallerMismatchError} in JWT mode when the claim is missing or not a non-empty string
 *   (API Gateway already refused unauthenticated requests, so this is a token without that claim)
 * @throws {InvalidCallerIdError} in JWT mode when the claim is a string that breaks the
 *   `clientUserId` rules: the user is the token table's key, held to what every route accepts
 */
export function callerFrom(event: APIGatewayProxyEventV2, jwtUserClaim: string | undefined): Caller {
  if (jwtUserClaim === undefined) {
    const iam = iamRequestContextSchema.safeParse(event.requestContext);
    return iam.success ? { kind: 'trusted', principal: iam.data.authorizer.iam.userArn } : { kind: 'trusted' };
  }
  const context = jwtRequestContextSchema.safeParse(event.requestContext);
  const claim = context.success ? context.data.authorizer.jwt.claims[jwtUserClaim] : undefined;
  if (typeof claim !== 'string' || claim === '') throw new CallerMismatchError();
  // The same rules and words as a clientUserId in a body: DynamoDB would refuse some of these
  // keys, and an answer blaming DynamoDB (503) would hide that the identity is at fault.
  const userId = clientUserIdSchema.safeParse(claim, { error: requestIssueMessage });
  if (!userId.success) {
    throw new InvalidCallerIdError(
      jwtUserClaim,
      userId.error.issues.map((issue) => ({ path: jwtUserClaim, message: issue.message })),
    );
  }
  return { kind: 'user', userId: userId.data };
}
