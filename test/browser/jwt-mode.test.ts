/**
 * The page in JWT mode (docs/design.md#security-model): it signs in through local mode's
 * development issuer, sends `Authorization: Bearer` on every API call, and
 * recovers a lost or outdated publicToken from `POST /public-tokens`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/free-port.js';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage, storedPublicToken } from './support/connect-page.js';

let local: LocalModeProcess;
const browsers = useBrowsers();

beforeAll(async () => {
  // The issuer and JWKS URLs name the API's port, so it is chosen before the start.
  const port = await findFreePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  local = await startLocalModeProcess({
    env: {
      PORT: String(port),
      AUTH_ISSUER: `${apiUrl}/sandbox/auth`,
      AUTH_AUDIENCE: 'humanapi-connect-local',
      AUTH_JWKS_URL: `${apiUrl}/sandbox/auth/jwks.json`,
    },
  });
  expect(local.apiUrl).toBe(apiUrl);
  expect(local.output.join('\n')).toContain('JWT mode');
});

afterAll(async () => {
  await local?.stop();
});

/** A bearer token for `sub` from the development issuer, for the test's own reads. */
async function tokenFor(sub: string): Promise<string> {
  const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub });
  if (typeof answer.json.token !== 'string') throw new Error(`no token: ${answer.status} ${answer.text}`);
  return answer.json.token;
}

/** Records the page's calls to the API: route, status, and whether they carried a bearer token. */
function recordApiCalls(page: Page): { path: string; status: number; bearer: boolean }[] {
  const calls: { path: string; status: number; bearer: boolean }[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin !== local.apiUrl || url.pathname.startsWith('/sandbox/') || response.request().method() !== 'POST')
      return;
    const authorization = response.request().headers().authorization ?? '';
    calls.push({ path: url.pathname, status: response.status(), bearer: /^Bearer \S+$/.test(authorization) });
  });
  return calls;
}

describe('in JWT mode', () => {
  it('signs in through the sandbox issuer, opens create mode for a new user, and finishes with a bearer token', async () => {
    // Prepare
    const user = 'jwt-new-user';
    const { page } = await browsers.launch();
    const calls = recordApiCalls(page);

    // Act
    const connectPage = await ConnectPage.open(page, local, { user });

    // Assess: signed in; the API knows no publicToken for this user.
    expect(await page.locator('#signed-in').textContent()).toContain(user);
    expect(calls).toEqual([{ path: '/public-tokens', status: 404, bearer: true }]);
    expect(await connectPage.mode()).toBe('create');

    // Act
    const exchange = await connectPage.connectSource('Demo Health System');

    // Assess
    expect(exchange.status).toBe(200);
    expect(calls).toContainEqual({ path: '/sessions', status: 200, bearer: true });
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(
      await storedPublicToken(local.apiUrl, user, await tokenFor(user)),
    );
    await saveScreenshot(page, 'jwt-mode-edit-mode');
  });

  it('recovers a lost publicToken from /public-tokens on a new device, and opens Connect in edit mode with it', async () => {
    // Prepare: the user connected on one device.
    const user = 'jwt-returning-user';
    const firstDevice = await browsers.launch();
    await (await ConnectPage.open(firstDevice.page, local, { user })).connectSource('Demo Lab');
    const bearer = await tokenFor(user);
    const connectedPublicToken = await storedPublicToken(local.apiUrl, user, bearer);
    const newDevice = await browsers.launch();
    const calls = recordApiCalls(newDevice.page);

    // Act
    const connectPage = await ConnectPage.open(newDevice.page, local, { user });

    // Assess
    expect(calls).toEqual([{ path: '/public-tokens', status: 200, bearer: true }]);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(connectedPublicToken);
    expect(await connectPage.notice.textContent()).toContain('recovered your publicToken');
    await saveScreenshot(newDevice.page, 'jwt-mode-recovered-public-token');

    // Act: Connect opens in edit mode with the recovered publicToken, and the user adds a source.
    await connectPage.clickConnectHealthData();
    expect(await connectPage.dialog.locator('[data-mode]').getAttribute('data-mode')).toBe('edit');
    await connectPage.page.keyboard.press('Escape');
    await expect.poll(() => connectPage.dialog.count()).toBe(0);
    const exchange = await connectPage.connectSource('Demo Pharmacy');

    // Assess
    expect(exchange.status).toBe(200);
    const newPublicToken = await storedPublicToken(local.apiUrl, user, bearer);
    expect(newPublicToken).not.toBe(connectedPublicToken);
    expect(await connectPage.shownPublicToken()).toBe(newPublicToken);
  });

  it('recovers the current publicToken when Connect refuses an outdated one, and reopens Connect in edit mode with no error', async () => {
    // Prepare: two devices of one user; a source connected on the first outdates the second's publicToken.
    const user = 'jwt-two-devices';
    const firstDevice = await browsers.launch();
    const first = await ConnectPage.open(firstDevice.page, local, { user });
    await first.connectSource('Demo Lab');
    const secondDevice = await browsers.launch();
    const second = await ConnectPage.open(secondDevice.page, local, { user });
    await first.connectSource('Demo Pharmacy');
    const bearer = await tokenFor(user);
    const current = await storedPublicToken(local.apiUrl, user, bearer);
    expect(await second.shownPublicToken()).not.toBe(current);

    // Act
    await second.clickConnectHealthData();

    // Assess: Connect is open again, in edit mode, with the current publicToken; no error box.
    await second.dialog.getByRole('radio', { name: 'Demo Fitness Tracker' }).waitFor();
    expect(await second.dialog.locator('[data-mode]').getAttribute('data-mode')).toBe('edit');
    expect(await second.shownPublicToken()).toBe(current);
    expect(await second.error.isVisible()).toBe(false);
    expect(await second.notice.textContent()).toContain('Found your current connection');
    await saveScreenshot(secondDevice.page, 'jwt-mode-outdated-public-token');

    // Act: the user connects in the reopened dialog.
    const answered = second.page.waitForResponse((response) => response.url() === `${local.apiUrl}/sessions`);
    await second.connectInDialog('Demo Fitness Tracker');
    const exchange = await answered;
    await second.settled();

    // Assess
    expect(exchange.status()).toBe(200);
    expect(await second.mode()).toBe('edit');
    expect(await second.shownPublicToken()).toBe(await storedPublicToken(local.apiUrl, user, bearer));
  });
});
