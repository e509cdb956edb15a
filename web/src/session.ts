/**
 * Who is signed in: the sign-in of either identity mode (JWT: a bearer token from the identity
 * provider, `./auth.ts`; without JWT: the app back end's session cookie) and the sign-out, which
 * stops what the page does for the user (the new-data polling) and returns to the start.
 */
import { signInToApp } from './api.js';
import { signIn } from './auth.js';
import type { PageConfig } from './config.js';
import { view } from './page-view.js';

/**
 * Signs `clientUserId` in.
 *
 * @returns the bearer token in JWT mode, else `undefined`
 */
export async function signInUser(config: PageConfig, clientUserId: string): Promise<string | undefined> {
  if (config.jwtMode) {
    const bearerToken = await signIn(config, clientUserId);
    view.signedIn.textContent = `as ${clientUserId} (Authorization: Bearer)`;
    return bearerToken;
  }
  if (config.appBackend) {
    await signInToApp(clientUserId);
    view.signedIn.textContent = `as ${clientUserId} (the app's session cookie; its server ${
      config.connectGeneration === 'current' ? 'asks for your Connect token' : 'recovers your publicToken'
    })`;
  }
  return undefined;
}

/**
 * Shows the Sign out button. A click runs `stop` (what the page does for the user ends at once),
 * ends the app back end's session when there is one (a JWT page just forgets its token), then
 * reloads the page without a user.
 */
export function offerSignOut(config: PageConfig, stop: () => void): void {
  view.signOut.hidden = false;
  view.signOut.addEventListener('click', async () => {
    view.signOut.disabled = true;
    stop();
    if (config.appBackend) {
      await fetch('/app/sign-out', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
        credentials: 'same-origin',
        signal: AbortSignal.timeout(5000),
      }).catch(() => undefined);
    }
    const params = new URLSearchParams(location.search);
    params.delete('user');
    location.search = params.toString();
  });
}
