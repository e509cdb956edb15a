/**
 * Who is calling, and the rule that a signed-in user acts only for themself
 * (docs/design.md#caller-identity).
 */
import { CallerMismatchError } from './errors.js';

/** Who is calling. */
export type Caller =
  /** A signed-in end user, identified by the JWT claim. */
  | { readonly kind: 'user'; readonly userId: string }
  /** No JWT authorizer: an open `/sessions` call, or an IAM-authorized back end on `/public-tokens`. */
  | { readonly kind: 'trusted' };

/**
 * Asserts that the caller may act on `clientUserId`.
 *
 * @throws {CallerMismatchError} when a signed-in user names another user
 */
export function assertCallerIs(caller: Caller, clientUserId: string): void {
  if (caller.kind === 'user' && caller.userId !== clientUserId) throw new CallerMismatchError();
}
