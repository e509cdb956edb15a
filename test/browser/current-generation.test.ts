/**
 * The example page in the current generation (`CONNECT_GENERATION=current`): it asks for a
 * server-minted token (through the app back end without JWT, `POST /connect-tokens` with the
 * bearer token in JWT mode) and puts it on the Connect Health Data button (`data-hapi-token`, in
 * a `.hapi__token-container`), from which the sandbox's connect-client.js opens Connect; the
 * page follows `HumanConnect.on(...)` events and never calls the deprecated `open()`. A new user
 * gives an e-mail address and gets create mode, then edit mode once a source is connected; a
 * returning user gets edit mode on a new device, whichever generation they connected with; a
 * disconnected source is shown; a token about to expire never reaches Connect; an expired token
 * is explained and replaced.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/free-port.js';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage } from './support/connect-page.js';

const browsers = useBrowsers();

/** What the page's token requests answered: the route, status and the minted mode. */
interface TokenCall {
  readonly path: string;
  readonly status: number;
  readonly mode: unknown;
  readonly bearer: boolean;
}

function recordTokenCalls(page: Page): TokenCall[] {
  const calls: TokenCall[] = [];
  page.on('response', async (response) => {
    const { pathname } = new URL(response.url());
    if (pathname !== '/app/connect-token' && pathname !== '/connect-tokens') return;
    if (response.request().method() !== 'POST') return;
    const body: unknown = await response.json().catch(() => undefined);
    const mode = typeof body === 'object' && body !== null ? Reflect.get(body, 'mode') : undefined;
    const bearer = /^Bearer \S+$/.test(response.request().headers().authorization ?? '');
    calls.push({ path: pathname, status: response.status(), mode, bearer });
  });
  return calls;
}

/** The tokens the page's token requests answered, oldest first. */
function recordMintedTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('response', async (response) => {
    const { pathname } = new URL(response.url());
    if (pathname !== '/app/connect-token' && pathname !== '/connect-tokens') return;
    const body: unknown = await response.json().catch(() => undefined);
    const token = typeof body === 'object' && body !== null ? Reflect.get(body, 'token') : undefined;
    if (typeof token === 'string') tokens.push(token);
  });
  return tokens;
}

/** The tokens the Connect dialog posted to the sandbox (listing, connecting), in order. */
function recordPopupTokens(page: Page): string[] {
  const tokens: string[] = [];
  page.on('request', (request) => {
    if (!new URL(request.url()).pathname.startsWith('/sandbox/humanapi-auth/connect/')) return;
    const token: unknown = JSON.parse(request.postData() ?? '{}').token;
    if (typeof token === 'string') tokens.push(token);
  });
  return tokens;
}

/** How the page used the client: calls of `HumanConnect.open()`, and the console's warnings. */
interface ClientUse {
  /** `HumanConnect.open()` calls, or `undefined` if the page never got a `HumanConnect`. */
  openCalls(): Promise<number | undefined>;
  readonly warnings: readonly string[];
}

/**
 * Spies on `HumanConnect.open` from the moment the client defines `HumanConnect` (an init script,
 * before any of the page's), and records the console's warnings, where the deprecation would show.
 */
async function watchClientUse(page: Page): Promise<ClientUse> {
  await page.addInitScript(() => {
    const spy = window as unknown as { openCalls?: number };
    let client: unknown;
    Object.defineProperty(window, 'HumanConnect', {
      configurable: true,
      get: () => client,
      set: (value: unknown) => {
        client = value;
        const open: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, 'open') : undefined;
        if (typeof open !== 'function') return;
        spy.openCalls = 0;
        Reflect.set(value as object, 'open', (...args: unknown[]) => {
          spy.openCalls = (spy.openCalls ?? 0) + 1;
          return Reflect.apply(open, value, args);
        });
      },
    });
  });
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  return {
    openCalls: () => page.evaluate(() => (window as unknown as { openCalls?: number }).openCalls),
    warnings,
  };
}

/** The token on the Connect Health Data button (`data-hapi-token`), or `null`. */
const buttonToken = (page: Page) => page.locator('#connect-health-data-btn').getAttribute('data-hapi-token');

/** The sources the page shows as connected. */
const shownSources = async (page: Page) => (await page.locator('#sources').textContent()) ?? '';

/** The sandbox's Connect dialog (connect-client.js). */
const dialogOf = (page: Page) => page.getByRole('dialog', { name: 'Human API Connect' });

/** Opens Connect, connects `source` in the dialog, and closes it. */
async function connectSource(page: Page, source: string): Promise<void> {
  await page.getByRole('button', { name: 'Connect Health Data' }).click();
  await dialogOf(page).getByRole('button', { name: source, exact: true }).click();
  await dialogOf(page).getByText(`Connected ${source}.`).waitFor();
  await dialogOf(page).getByRole('button', { name: 'Close' }).click();
}

/** Connects a source for a user without a browser: a minted token, then what the popup does. */
async function connectedWithoutBrowser(
  local: LocalModeProcess,
  mint: (body: object) => Promise<{ status: number; json: Record<string, unknown> }>,
  email: string,
): Promise<string> {
  const minted = await mint({ email });
  expect(minted.json.mode).toBe('create');
  const completed = await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, {
    token: minted.json.token,
    source: 'demo-lab',
  });
  expect(completed.status).toBe(200);
  return String(minted.json.humanId);
}

describe('the current generation, without JWT (through the app back end)', () => {
  let local: LocalModeProcess;

  beforeAll(async () => {
    local = await startLocalModeProcess({ env: { CONNECT_GENERATION: 'current' } });
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('asks a new user for an e-mail address, opens create mode, connects a source, then reopens in edit mode', async () => {
    // Prepare
    const { page } = await browsers.launch();
    const clientUse = await watchClientUse(page);
    const calls = recordTokenCalls(page);
    const minted = recordMintedTokens(page);

    // Act
    const connectPage = await ConnectPage.open(page, local, { user: 'current-new-user' });

    // Assess: the API named the missing e-mail; the page asks for it in a labelled field.
    const email = page.getByLabel('Your e-mail address');
    await email.waitFor();
    await expect
      .poll(() => calls)
      .toEqual([{ path: '/app/connect-token', status: 400, mode: undefined, bearer: false }]);
    expect(await connectPage.mode()).toBe('create');
    expect(await page.getByRole('button', { name: 'Connect Health Data' }).isDisabled()).toBe(true);
    expect(await buttonToken(page)).toBeNull();

    // Act
    await email.fill('current-new-user@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();

    // Assess
    await expect
      .poll(() => calls.at(-1))
      .toEqual({ path: '/app/connect-token', status: 200, mode: 'create', bearer: false });
    expect(await email.isVisible()).toBe(false);
    expect(await connectPage.mode()).toBe('create');
    await expect.poll(() => minted.length).toBe(1);
    expect(await buttonToken(page)).toBe(minted[0]);
    expect(await shownSources(page)).toBe('none');

    // Act
    await connectSource(page, 'Demo Pharmacy');

    // Assess: the success message from the connect event; the next token is an id_token (edit mode), on the button.
    await expect.poll(() => connectPage.notice.textContent()).toContain('Connected Demo Pharmacy');
    await expect.poll(() => connectPage.mode()).toBe('edit');
    expect(calls.at(-1)).toEqual({ path: '/app/connect-token', status: 200, mode: 'edit', bearer: false });
    expect(await connectPage.notice.textContent()).toContain('now opens in edit mode');
    await expect.poll(() => minted.length).toBe(2);
    expect(await buttonToken(page)).toBe(minted[1]);
    expect(await shownSources(page)).toBe('Demo Pharmacy');
    await saveScreenshot(page, 'current-generation-edit-mode');

    // Act: reopen.
    await page.getByRole('button', { name: 'Connect Health Data' }).click();

    // Assess: the dialog opens with the id_token, and it works (a second source connects).
    await dialogOf(page).getByRole('button', { name: 'Demo Lab', exact: true }).click();
    await dialogOf(page).getByText('Connected Demo Lab.').waitFor();
    expect(await connectPage.error.isVisible()).toBe(false);
    await expect.poll(() => shownSources(page)).toBe('Demo Pharmacy, Demo Lab');

    // Assess: Connect always opened from the button, never with the deprecated open().
    expect(await clientUse.openCalls()).toBe(0);
    expect(clientUse.warnings).toEqual([]);
  });

  it('opens edit mode for a returning user on a new device, through the app back end', async () => {
    // Prepare: the user connected elsewhere; this browser profile is fresh.
    const user = 'current-returning-user';
    const humanId = await connectedWithoutBrowser(
      local,
      (body) => signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: user, ...body }),
      'returning@example.com',
    );
    const { page } = await browsers.launch();
    const calls = recordTokenCalls(page);

    // Act
    const connectPage = await ConnectPage.open(page, local, { user });

    // Assess: no e-mail asked; its own server asked for the token.
    await expect.poll(() => connectPage.mode()).toBe('edit');
    await expect.poll(() => calls).toEqual([{ path: '/app/connect-token', status: 200, mode: 'edit', bearer: false }]);
    expect(await connectPage.shownHumanId()).toBe(humanId);
    expect(await page.getByLabel('Your e-mail address').isVisible()).toBe(false);

    // Act
    await connectSource(page, 'Demo Fitness Tracker');

    // Assess
    await expect.poll(() => connectPage.notice.textContent()).toContain('Connected Demo Fitness Tracker');
  });

  it('opens edit mode on a new device for a user who connected with the v1 flow', async () => {
    // Prepare: a v1 connection (POST /sessions), nothing in this browser.
    const user = 'v1-then-current-user';
    const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, user));
    expect(finished.status).toBe(200);
    const { page } = await browsers.launch();

    // Act
    const connectPage = await ConnectPage.open(page, local, { user });

    // Assess
    await expect.poll(() => connectPage.mode()).toBe('edit');
    expect(await connectPage.shownHumanId()).toBe(finished.json.humanId);
  });

  it('explains an expired token, gets a fresh one, and the retry connects', async () => {
    // Prepare: the page holds a token, then the sandbox's clock passes its expiry.
    const user = 'current-expiring-user';
    await connectedWithoutBrowser(
      local,
      (body) => signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: user, ...body }),
      'expiring@example.com',
    );
    const { page } = await browsers.launch();
    const clientUse = await watchClientUse(page);
    const calls = recordTokenCalls(page);
    const minted = recordMintedTokens(page);
    const popupTokens = recordPopupTokens(page);
    const connectPage = await ConnectPage.open(page, local, { user });
    await expect.poll(() => connectPage.mode()).toBe('edit');
    expect((await post(`${local.apiUrl}/sandbox/humanapi-auth/clock`, { advanceSeconds: 3700 })).status).toBe(200);

    // Act: the page still thinks its token fresh; Connect refuses it when it opens (an error event).
    await page.getByRole('button', { name: 'Connect Health Data' }).click();

    // Assess: a clear message, the stale popup closed, a fresh token fetched and on the button.
    await expect.poll(() => connectPage.error.textContent()).toContain('A fresh one is ready');
    expect(await connectPage.error.textContent()).toContain('Your Connect session expired');
    expect(await dialogOf(page).count()).toBe(0);
    expect(calls.filter((call) => call.status === 200)).toHaveLength(2);
    await expect.poll(() => minted.length).toBe(2);
    expect(await buttonToken(page)).toBe(minted[1]);
    expect(popupTokens).toEqual([minted[0]]);
    await saveScreenshot(page, 'current-generation-expired-token');

    // Act
    await page.getByRole('button', { name: 'Try again' }).click();
    await dialogOf(page).getByRole('button', { name: 'Demo Pharmacy', exact: true }).click();

    // Assess: the retry opened Connect with the fresh token, and it connects.
    await expect.poll(() => connectPage.notice.textContent()).toContain('Connected Demo Pharmacy');
    expect(await connectPage.error.isVisible()).toBe(false);
    expect(popupTokens).toEqual([minted[0], minted[1], minted[1]]);
    expect(await clientUse.openCalls()).toBe(0);
    expect(clientUse.warnings).toEqual([]);
  });

  it('shows what Connect reports: the current connections when it closes, and a source the user disconnects', async () => {
    // Prepare: a returning user who connected Demo Lab elsewhere.
    const user = 'current-disconnecting-user';
    await connectedWithoutBrowser(
      local,
      (body) => signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: user, ...body }),
      'disconnecting@example.com',
    );
    const { page } = await browsers.launch();
    const clientUse = await watchClientUse(page);
    const connectPage = await ConnectPage.open(page, local, { user });
    await expect.poll(() => connectPage.mode()).toBe('edit');

    // Act: open Connect and close it.
    await page.getByRole('button', { name: 'Connect Health Data' }).click();
    await dialogOf(page).getByRole('button', { name: 'Disconnect Demo Lab' }).waitFor();
    await dialogOf(page).getByRole('button', { name: 'Close' }).click();

    // Assess: the close event's current connections.
    await expect.poll(() => shownSources(page)).toBe('Demo Lab');
    expect(await connectPage.notice.textContent()).toBe('You closed Connect without connecting a new source.');

    // Act: open it again and disconnect Demo Lab.
    await page.getByRole('button', { name: 'Connect Health Data' }).click();
    await dialogOf(page).getByRole('button', { name: 'Disconnect Demo Lab' }).click();
    await dialogOf(page).getByText('Disconnected Demo Lab.').waitFor();

    // Assess: the disconnect event, shown.
    await expect.poll(() => shownSources(page)).toBe('none');
    expect(await connectPage.notice.textContent()).toBe(
      'Disconnected Demo Lab: this app no longer gets data from it. You have no source connected now; Connect Health Data still opens in edit mode, to add one.',
    );

    // Act
    await dialogOf(page).getByRole('button', { name: 'Close' }).click();

    // Assess: closing after a change keeps the message about it; still edit mode.
    expect(await dialogOf(page).count()).toBe(0);
    expect(await connectPage.notice.textContent()).toContain('Disconnected Demo Lab');
    expect(await connectPage.mode()).toBe('edit');
    expect(await clientUse.openCalls()).toBe(0);
    expect(clientUse.warnings).toEqual([]);
  });

  it('never lets a token about to expire reach Connect: the button drops it on time, and a late click gets a fresh one first', async () => {
    // Prepare: the page's clock is under the test's control.
    const user = 'current-stale-token-user';
    await connectedWithoutBrowser(
      local,
      (body) => signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: user, ...body }),
      'stale@example.com',
    );
    const { page } = await browsers.launch();
    await page.clock.install();
    const clientUse = await watchClientUse(page);
    const minted = recordMintedTokens(page);
    const popupTokens = recordPopupTokens(page);
    const connectPage = await ConnectPage.open(page, local, { user });
    await expect.poll(() => buttonToken(page)).toBe(minted[0]);

    // Act: 59 min 30 s pass (the token lasts an hour; the page keeps a minute's margin).
    await page.clock.fastForward('59:30');

    // Assess: the button no longer carries it, and nothing was fetched ahead of a click.
    expect(await buttonToken(page)).toBeNull();
    expect(minted).toHaveLength(1);

    // Act
    await page.getByRole('button', { name: 'Connect Health Data' }).click();
    await dialogOf(page).getByRole('button', { name: 'Close' }).click();

    // Assess: Connect opened with a token fetched for that click.
    await expect.poll(() => minted.length).toBe(2);
    expect(popupTokens).toEqual([minted[1]]);
    expect(await buttonToken(page)).toBe(minted[1]);

    // Act: the clock jumps another 59 min 30 s with no timer run (a laptop waking up), then a click.
    const now = await page.evaluate(() => Date.now());
    await page.clock.setSystemTime(now + 3_570_000);
    expect(await buttonToken(page)).toBe(minted[1]);
    await page.getByRole('button', { name: 'Connect Health Data' }).click();
    await dialogOf(page).getByRole('button', { name: 'Demo Pharmacy', exact: true }).click();

    // Assess: the click was held back until a fresh token was on the button; Connect opened with that one.
    await expect.poll(() => connectPage.notice.textContent()).toContain('Connected Demo Pharmacy');
    expect(popupTokens).toEqual([minted[1], minted[2], minted[2]]);
    expect(await connectPage.error.isVisible()).toBe(false);
    expect(await clientUse.openCalls()).toBe(0);
    expect(clientUse.warnings).toEqual([]);
  });
});

describe('the current generation in JWT mode', () => {
  let local: LocalModeProcess;

  beforeAll(async () => {
    // The issuer and JWKS URLs name the API's port, so it is chosen before the start.
    const port = await findFreePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    local = await startLocalModeProcess({
      env: {
        PORT: String(port),
        CONNECT_GENERATION: 'current',
        AUTH_ISSUER: `${apiUrl}/sandbox/auth`,
        AUTH_AUDIENCE: 'humanapi-connect-local',
        AUTH_JWKS_URL: `${apiUrl}/sandbox/auth/jwks.json`,
      },
    });
  });

  afterAll(async () => {
    await local?.stop();
  });

  async function bearerFor(sub: string): Promise<string> {
    const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub });
    if (typeof answer.json.token !== 'string') throw new Error(`no token: ${answer.status} ${answer.text}`);
    return answer.json.token;
  }

  it('opens edit mode for a returning user on a new device, asking POST /connect-tokens with the bearer token', async () => {
    // Prepare
    const user = 'jwt-current-returning-user';
    const bearer = await bearerFor(user);
    const humanId = await connectedWithoutBrowser(
      local,
      (body) => post(`${local.apiUrl}/connect-tokens`, body, { headers: { authorization: `Bearer ${bearer}` } }),
      'jwt-returning@example.com',
    );
    const { page } = await browsers.launch();
    const calls = recordTokenCalls(page);

    // Act
    const connectPage = await ConnectPage.open(page, local, { user });

    // Assess
    await expect.poll(() => connectPage.mode()).toBe('edit');
    await expect.poll(() => calls).toEqual([{ path: '/connect-tokens', status: 200, mode: 'edit', bearer: true }]);
    expect(await connectPage.shownHumanId()).toBe(humanId);

    // Act
    await connectSource(page, 'Demo Health System');

    // Assess
    await expect.poll(() => connectPage.notice.textContent()).toContain('Connected Demo Health System');
  });

  it('gives a new user create mode after the e-mail address, then edit mode once connected', async () => {
    // Prepare
    const { page } = await browsers.launch();
    const clientUse = await watchClientUse(page);
    const calls = recordTokenCalls(page);
    const minted = recordMintedTokens(page);
    const connectPage = await ConnectPage.open(page, local, { user: 'jwt-current-new-user' });

    // Act
    await page.getByLabel('Your e-mail address').fill('jwt-new@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => calls.at(-1)?.mode).toBe('create');
    await connectSource(page, 'Demo Lab');

    // Assess
    await expect.poll(() => connectPage.mode()).toBe('edit');
    expect(calls.map((call) => [call.status, call.mode, call.bearer])).toEqual([
      [400, undefined, true],
      [200, 'create', true],
      [200, 'edit', true],
    ]);
    await expect.poll(() => minted.length).toBe(2);
    expect(await buttonToken(page)).toBe(minted[1]);
    expect(await clientUse.openCalls()).toBe(0);
    expect(clientUse.warnings).toEqual([]);
  });
});
