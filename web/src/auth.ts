/**
 * Sign-in for JWT mode. Local mode's development issuer signs a token for any
 * user id; a real app gets the token from its identity provider (Cognito,
 * Auth0, …) instead: replace {@link signIn} with that.
 */
import type { PageConfig } from './config.js';

/** The user could not be signed in. */
export class SignInError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SignInError';
  }
}

/**
 * Signs `clientUserId` in and resolves a bearer token whose subject is that user.
 *
 * @throws {SignInError} when there is no issuer to ask or it refuses
 */
export async function signIn(config: PageConfig, clientUserId: string): Promise<string> {
  if (config.devIssuerUrl === undefined) {
    throw new SignInError('JWT mode needs a sign-in: connect your identity provider in web/src/auth.ts.');
  }
  let response: Response;
  try {
    response = await fetch(`${config.devIssuerUrl}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ sub: clientUserId }),
    });
  } catch (cause) {
    throw new SignInError('The sign-in service could not be reached.', { cause });
  }
  const body: unknown = await response.json().catch(() => undefined);
  const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).token : undefined;
  if (!response.ok || typeof token !== 'string') {
    throw new SignInError(`The sign-in service answered ${response.status}.`);
  }
  return token;
}
