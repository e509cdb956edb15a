/**
 * Who is calling, and the rule that a signed-in user acts only for themself
 * (docs/design.md#caller-identity).
 */
import { CallerMismatchError } from './errors.js';

/** Who is calling. */
export type Caller =
  /** A signed-in end user, identified by the JWT claim. */
  | { readonly kind: 'user'; readonly userId: string }
  /**
   * No JWT authorizer: an open `/sessions` call, or an IAM-authorized back end, which may act for
   * any user. `principal` is the signer's ARN as API Gateway's IAM authorizer reports it (for the
   * audit lines of the routes that keep one); absent on an open route.
   */
  | { readonly kind: 'trusted'; readonly principal?: string };

/** Who a caller is, for an audit line: the IAM principal's ARN, the signed-in user, or `anonymous`. */
export function callerLabel(caller: Caller): string {
  if (caller.kind === 'user') return `user:${caller.userId}`;
  return caller.principal ?? 'anonymous';
}

/**
 * Asserts that the caller may act on `clientUserId`.
 *
 * @throws {CallerMismatchError} when a signed-in user names another user
 */
export function assertCallerIs(caller: Caller, clientUserId: string): void {
  if (caller.kind === 'user' && caller.userId !== clientUserId) throw new CallerMismatchError();
}
