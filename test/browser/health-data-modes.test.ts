/**
 * The "Your health data" panel in the other two set-ups (web/src/health-panel.ts): the current
 * generation through the app back end (a token the server mints; Human API's new user gives an
 * e-mail address), and JWT mode, where the page reads the data gateway itself,
 * `GET {apiUrl}/users/me/human/activities/summaries` with the bearer token, and polls local mode's
 * inbox route for "New data". The sandbox's clock and the browser's say 2099-06-15 and the seeded
 * user's humanId is fixed, so the numbers are the sandbox's, written out (test/browser/support/health-data.ts).
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/free-port.js';
import { post } from '../support/http.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage } from './support/connect-page.js';
import {
  FITNESS_TRACKER_DAYS,
  FITNESS_TRACKER_SUMMARY,
  fixBrowserClock,
  HEALTH_SYSTEM_DAYS,
  HEALTH_SYSTEM_SUMMARY,
  SEEDED_HUMAN_ID,
  type SeededLocalMode,
  shownDays,
  startSeededLocalMode,
} from './support/health-data.js';

const browsers = useBrowsers();

/** A user's page in a browser of its own, on the fixed day, with what its console printed. */
async function openPage(
  local: SeededLocalMode,
  user: string,
): Promise<{ page: Page; connectPage: ConnectPage; console: string[] }> {
  const { page } = await browsers.launch({ timezoneId: 'UTC' });
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  await fixBrowserClock(page);
  const connectPage = await ConnectPage.open(page, local, { user });
  return { page, connectPage, console };
}

/** The page's reads of activity summaries (the app back end's or the gateway's), as they are made. */
function recordActivityReads(page: Page): Request[] {
  const reads: Request[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === '/app/activity' || pathname.endsWith('/human/activities/summaries')) reads.push(request);
  });
  return reads;
}

/** The sandbox's Connect dialog of the current generation (connect-client.js). */
const dialogOf = (page: Page) => page.getByRole('dialog', { name: 'Human API Connect' });

/** Gives the e-mail address the page asks for, then connects `source` in the dialog and closes it. */
async function connectAsNewUser(page: Page, email: string, source: string): Promise<void> {
  await page.getByLabel('Your e-mail address').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(() => page.locator('#connect-health-data-btn[data-hapi-token]').count()).toBe(1);
  await page.getByRole('button', { name: 'Connect Health Data' }).click();
  await dialogOf(page).getByRole('button', { name: source, exact: true }).click();
  await dialogOf(page).getByText(`Connected ${source}.`).waitFor();
  await dialogOf(page).getByRole('button', { name: 'Close' }).click();
}

describe('the health data panel in the current generation, without JWT', () => {
  let local: SeededLocalMode;

  beforeAll(async () => {
    local = await startSeededLocalMode({
      seeded: { 'ines@example.com': SEEDED_HUMAN_ID },
      env: { CONNECT_GENERATION: 'current' },
    });
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('shows the chart once connected; a user Human API deleted meanwhile (409) gives the e-mail again, connects, and the chart comes back', async () => {
    // Prepare
    const { page, connectPage, console } = await openPage(local, 'ines@example.com');
    const reads = recordActivityReads(page);
    expect(await page.locator('#health').isHidden()).toBe(true);

    // Act: create mode (the e-mail first), then a source in Connect.
    await connectAsNewUser(page, 'ines@example.com', 'Demo Fitness Tracker');

    // Assess: the sandbox's numbers for that source, read through the app back end.
    expect(await shownDays(page)).toEqual(FITNESS_TRACKER_DAYS);
    expect(await page.locator('#activity-summary').textContent()).toBe(FITNESS_TRACKER_SUMMARY);
    expect(await page.getByRole('img', { name: 'Daily steps, last 14 days' }).locator('rect.bar').count()).toBe(13);
    expect(new URL(reads.at(-1)?.url() ?? '').pathname).toBe('/app/activity');
    await expect.poll(() => connectPage.mode()).toBe('edit');

    // Act: Human API tells the app of new data; then it deletes the user; the user activates "New data".
    const sent = await post(`${local.apiUrl}/sandbox/humanapi/notifications/send`, {
      clientUserId: 'ines@example.com',
    });
    expect(sent.status).toBe(200);
    const badge = page.getByRole('button', { name: 'New data' });
    await badge.waitFor({ timeout: 15_000 });
    const deleted = await post(`${local.apiUrl}/sandbox/humanapi/users/delete`, { clientUserId: 'ines@example.com' });
    expect(deleted.json).toEqual({ deleted: true });
    await badge.click();

    // Assess: the 409's message, and the page asks for the e-mail address again (create mode).
    const problem = page.locator('#health-problem');
    await problem.waitFor();
    expect((await reads.at(-1)?.response())?.status()).toBe(409);
    expect(await problem.getByRole('strong').textContent()).toBe('Connect your health data again');
    const email = page.getByLabel('Your e-mail address');
    await email.waitFor();
    expect(await connectPage.mode()).toBe('create');

    // Act: Connect again leads to the e-mail field; the user connects as a new user.
    await problem.getByRole('button', { name: 'Connect again' }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('email');
    await connectAsNewUser(page, 'ines@example.com', 'Demo Fitness Tracker');

    // Assess: the chart is back, for the new human Human API knows (its days are its own).
    await expect.poll(() => problem.isHidden()).toBe(true);
    await expect.poll(() => page.locator('#activity').isVisible()).toBe(true);
    const after = await shownDays(page);
    expect(after).toHaveLength(14);
    expect(after.filter((day) => day.endsWith(' steps'))).toHaveLength(13);
    expect(await connectPage.shownHumanId()).not.toBe(SEEDED_HUMAN_ID);
    // Nothing of the data, nor a token, in the console.
    expect(console.join('\n')).not.toMatch(/13,?047|steps|token/i);
  });
});

describe('the health data panel in JWT mode', () => {
  let local: SeededLocalMode;

  beforeAll(async () => {
    // The issuer and JWKS URLs name the API's port, so it is chosen before the start.
    const port = await findFreePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    local = await startSeededLocalMode({
      seeded: { 'jonas@example.com': SEEDED_HUMAN_ID },
      env: {
        PORT: String(port),
        AUTH_ISSUER: `${apiUrl}/sandbox/auth`,
        AUTH_AUDIENCE: 'humanapi-connect-local',
        AUTH_JWKS_URL: `${apiUrl}/sandbox/auth/jwks.json`,
      },
    });
    expect(local.output.join('\n')).toContain('JWT mode');
  });

  afterAll(async () => {
    await local?.stop();
  });

  it('reads the gateway itself with the bearer token and shows the sandbox numbers; "New data" for this user only', async () => {
    // Prepare: two users, each in a browser of their own.
    const jonas = await openPage(local, 'jonas@example.com');
    const kai = await openPage(local, 'kai@example.com');
    const reads = recordActivityReads(jonas.page);

    // Act
    await jonas.connectPage.connectSource('Demo Health System');
    await kai.connectPage.connectSource('Demo Health System');

    // Assess: the page asked the gateway for `me`, with its bearer token, and shows the sandbox's numbers.
    expect(await shownDays(jonas.page)).toEqual(HEALTH_SYSTEM_DAYS);
    expect(await jonas.page.locator('#activity-summary').textContent()).toBe(HEALTH_SYSTEM_SUMMARY);
    const read = reads.at(-1);
    expect(read?.url()).toBe(
      `${local.apiUrl}/users/me/human/activities/summaries?start_date=2099-06-02&end_date=2099-06-15&limit=200`,
    );
    expect(await read?.headerValue('authorization')).toMatch(/^Bearer \S+$/);
    expect((await read?.response())?.status()).toBe(200);
    await saveScreenshot(jonas.page, 'health-data-jwt');

    // Act: each page has had its first answer from the inbox; Human API tells the app Jonas has new data.
    const polled = (page: Page) =>
      page.waitForResponse((response) => new URL(response.url()).pathname === '/sandbox/notifications/inbox', {
        timeout: 15_000,
      });
    await Promise.all([polled(jonas.page), polled(kai.page)]);
    const sent = await post(`${local.apiUrl}/sandbox/humanapi/notifications/send`, {
      clientUserId: 'jonas@example.com',
    });
    expect(sent.status).toBe(200);

    // Assess: the badge for Jonas; Kai's page, having polled twice since, shows none.
    const jonasBadge = jonas.page.getByRole('button', { name: 'New data' });
    await jonasBadge.waitFor({ timeout: 15_000 });
    await polled(kai.page);
    await polled(kai.page);
    expect(await kai.page.getByRole('button', { name: 'New data' }).isHidden()).toBe(true);

    // Act
    const before = reads.length;
    await jonasBadge.click();

    // Assess: read again, the badge gone, the same days.
    await expect.poll(() => reads.length).toBe(before + 1);
    expect((await reads.at(-1)?.response())?.status()).toBe(200);
    expect(await jonasBadge.isHidden()).toBe(true);
    expect(await shownDays(jonas.page)).toEqual(HEALTH_SYSTEM_DAYS);
    expect(jonas.console.join('\n')).not.toMatch(/12,?490|Bearer|eyJ/);
  });
});
