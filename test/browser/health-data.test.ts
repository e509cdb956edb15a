/**
 * The "Your health data" panel without JWT (web/src/health-panel.ts): once a user has connected,
 * the page reads the last 14 days of steps through the app back end's `GET /app/activity`, which
 * reads the data gateway with the package's service client, and shows them as a chart and as a
 * list. The user who must connect again, the user with no record, and Human API's rate limits and
 * failures each get a way forward. The sandbox's clock and the browser's say 2099-06-15, and the
 * first user's humanId is fixed, so the numbers are the sandbox's, written out.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault, post } from '../support/http.js';
import { signedRequest } from '../support/sigv4.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage } from './support/connect-page.js';
import {
  fixBrowserClock,
  HEALTH_SYSTEM_DAYS,
  HEALTH_SYSTEM_SUMMARY,
  SEEDED_HUMAN_ID,
  type SeededLocalMode,
  shownDays,
  startSeededLocalMode,
} from './support/health-data.js';

let local: SeededLocalMode;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startSeededLocalMode({ seeded: { 'iris@example.com': SEEDED_HUMAN_ID } });
});

afterAll(async () => {
  await local?.stop();
});

/** A user's page in a browser of its own, on the fixed day. */
async function openPage(user: string): Promise<{ page: Page; connectPage: ConnectPage; console: string[] }> {
  const { page } = await browsers.launch({ timezoneId: 'UTC' });
  const console: string[] = [];
  page.on('console', (message) => console.push(message.text()));
  await fixBrowserClock(page);
  const connectPage = await ConnectPage.open(page, local, { user });
  return { page, connectPage, console };
}

/** The page's reads of `/app/activity`, as they are made. */
function recordActivityReads(page: Page): Request[] {
  const reads: Request[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/app/activity') reads.push(request);
  });
  return reads;
}

describe('the health data panel, without JWT', () => {
  it('shows a user who connected the last 14 days of steps, as a chart and as numbers', async () => {
    // Prepare
    const { page, connectPage, console } = await openPage('iris@example.com');
    const reads = recordActivityReads(page);
    expect(await page.locator('#health').isHidden()).toBe(true);

    // Act
    await connectPage.connectSource('Demo Health System');

    // Assess: the list, newest first, with the sandbox's numbers.
    expect(await shownDays(page)).toEqual(HEALTH_SYSTEM_DAYS);
    expect(await page.locator('#activity-summary').textContent()).toBe(HEALTH_SYSTEM_SUMMARY);
    // The chart: an image with a title, a bar per day with data, a mark for the day without.
    const chart = page.getByRole('img', { name: 'Daily steps, last 14 days' });
    expect(await chart.locator('rect.bar').count()).toBe(13);
    expect(await chart.locator('rect.no-data').count()).toBe(1);
    expect(await chart.locator('rect.bar title').first().textContent()).toBe('Tue 2 Jun: 12,884 steps');
    // One read, of the 14 days, through the app back end, which passes on only what the page shows.
    expect(reads.map((read) => new URL(read.url()).search)).toEqual(['?start_date=2099-06-02&end_date=2099-06-15']);
    const answer = await (await reads[0]?.response())?.json();
    expect(answer).toHaveLength(13);
    expect(answer[0]).toEqual({ date: '2099-06-14', source: 'demo-health-system', steps: 12490 });
    await saveScreenshot(page, 'health-data-v1');

    // Assess: nothing of the records but a date and its steps reached the page, its storage or its console.
    const gateway = await signedRequest(
      'GET',
      `${local.apiUrl}/users/iris%40example.com/human/activities/summaries?start_date=2099-06-02&end_date=2099-06-15`,
    );
    const records = JSON.parse(gateway.text) as { id: string; calories: number; distance: number }[];
    expect(records).toHaveLength(13);
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    const html = await page.content();
    for (const record of records) {
      for (const place of [html, stored, console.join('\n')]) {
        expect(place).not.toContain(record.id);
        expect(place).not.toContain(`${record.calories} `);
      }
    }
    expect(console.join('\n')).not.toMatch(/12,?490/);
  });

  it('keeps showing the chart to a v1 user whose token Human API revoked (the gateway mints one)', async () => {
    // Prepare: connected, and the chart shown; then Human API revokes the v1 token.
    const { page, connectPage } = await openPage('pia@example.com');
    await connectPage.connectSource('Demo Health System');
    const before = await shownDays(page);
    expect(before.filter((day) => day.endsWith(' steps'))).toHaveLength(13);
    const revoked = await post(`${local.apiUrl}/sandbox/humanapi/revoke`, { clientUserId: 'pia@example.com' });
    expect(revoked.json).toEqual({ revoked: 1 });
    const reads = recordActivityReads(page);

    // Act: the user comes back.
    await page.reload();
    await connectPage.settled();

    // Assess: the same days, read with the token the gateway minted; no message.
    expect(await shownDays(page)).toEqual(before);
    expect((await reads[0]?.response())?.status()).toBe(200);
    expect(await page.locator('#health-problem').isHidden()).toBe(true);
  });

  it('tells a user Human API no longer knows (409) to connect again; Connect again opens create mode, and the chart comes back', async () => {
    // Prepare: connected, and the chart shown; then Human API deletes the user.
    const { page, connectPage } = await openPage('rhea@example.com');
    await connectPage.connectSource('Demo Health System');
    const before = await shownDays(page);
    expect(before.filter((day) => day.endsWith(' steps'))).toHaveLength(13);
    const oldHumanId = await connectPage.shownHumanId();
    const deleted = await post(`${local.apiUrl}/sandbox/humanapi/users/delete`, { clientUserId: 'rhea@example.com' });
    expect(deleted.json).toEqual({ deleted: true });
    const reads = recordActivityReads(page);

    // Act: the user comes back.
    await page.reload();
    await connectPage.settled();

    // Assess: the gateway's 409 passed on; a plain message, no chart, and Connect again in create mode.
    const problem = page.locator('#health-problem');
    await problem.waitFor();
    expect((await reads[0]?.response())?.status()).toBe(409);
    expect(await problem.getByRole('strong').textContent()).toBe('Connect your health data again');
    expect(await problem.locator('p').textContent()).toContain('Human API no longer lets this app read your data');
    expect(await page.locator('#activity').isHidden()).toBe(true);
    await expect.poll(() => connectPage.mode()).toBe('create');
    expect(await connectPage.shownPublicToken()).toBe('none');
    expect(await page.evaluate(() => localStorage.getItem('humanapi-connect:rhea@example.com'))).toBeNull();
    await saveScreenshot(page, 'health-data-reconnect');

    // Act: Connect again opens Connect as for a new user, and the user connects.
    await problem.getByRole('button', { name: 'Connect again' }).click();
    const saved = page.waitForResponse((response) => new URL(response.url()).pathname === '/sessions');
    await connectPage.connectInDialog('Demo Health System');
    expect((await saved).status()).toBe(200);

    // Assess: the chart comes back, for the new human Human API knows the user as (its days are its own).
    await expect.poll(() => problem.isHidden()).toBe(true);
    await expect.poll(() => page.locator('#activity').isVisible()).toBe(true);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownHumanId()).toMatch(/^[0-9a-f]{24}$/);
    expect(await connectPage.shownHumanId()).not.toBe(oldHumanId);
    const after = await shownDays(page);
    expect(after).toHaveLength(14);
    expect(after[0]).toBe('Mon 15 Jun no data');
    expect(after.filter((day) => /^\w{3} \d{1,2} Jun \d{1,2},?\d{3} steps$/.test(day))).toHaveLength(13);
  });

  it('asks a user this device remembers but the vault has no record of to connect first', async () => {
    // Prepare: this browser remembers a connection (a publicToken) the back end never saved.
    const { page, connectPage } = await openPage('sami@example.com');
    expect(await connectPage.mode()).toBe('create');
    await page.evaluate(() =>
      localStorage.setItem(
        'humanapi-connect:sami@example.com',
        JSON.stringify({ publicToken: 'b1a5b1a5b1a5b1a5b1a5b1a5b1a5b1a5', humanId: '5a5a5a5a5a5a5a5a5a5a5a5a' }),
      ),
    );
    const reads = recordActivityReads(page);

    // Act
    await page.reload();
    await connectPage.settled();

    // Assess: the gateway's 404 passed on; "connect first", and the button opens Connect.
    const problem = page.locator('#health-problem');
    await problem.waitFor();
    expect((await reads[0]?.response())?.status()).toBe(404);
    expect(await problem.getByRole('strong').textContent()).toBe('Connect a source first');
    await problem.getByRole('button', { name: 'Connect Health Data' }).click();
    await connectPage.dialog.waitFor();
  });

  it('says when Human API rate limits, waits out its Retry-After, and Retry reads again', async () => {
    // Prepare
    const { page, connectPage } = await openPage('tess@example.com');
    await connectPage.connectSource('Demo Health System');
    const before = await shownDays(page);
    const reads = recordActivityReads(page);
    const fault = await post(`${local.apiUrl}/sandbox/humanapi/faults`, { status: 429, retryAfter: 2 });
    expect(fault.status).toBe(201);

    // Act
    await page.reload();
    await connectPage.settled();

    // Assess: the app back end passed the gateway's 503 and its Retry-After on; the button waits.
    const problem = page.locator('#health-problem');
    await problem.waitFor();
    const refused = await reads[0]?.response();
    expect(refused?.status()).toBe(503);
    expect(await refused?.headerValue('retry-after')).toBe('2');
    expect(await problem.getByRole('strong').textContent()).toBe('Human API is busy');
    expect(await problem.locator('p').textContent()).toBe(
      'It is limiting how often this app reads data: try again in 2 seconds.',
    );
    const retry = problem.getByRole('button', { name: 'Retry' });
    expect(await retry.isDisabled()).toBe(true);

    // Act: once enabled, Retry.
    await expect.poll(() => retry.isEnabled(), { timeout: 5000 }).toBe(true);
    await retry.click();

    // Assess
    await expect.poll(() => problem.isHidden()).toBe(true);
    expect(await shownDays(page)).toEqual(before);
    expect(reads).toHaveLength(2);
  });

  it('offers Retry when Human API keeps failing (502), and Retry reads again', async () => {
    // Prepare: the gateway calls Human API three times before it answers 502.
    const { page, connectPage } = await openPage('uma@example.com');
    await connectPage.connectSource('Demo Health System');
    const before = await shownDays(page);
    await injectHumanApiFault(local.apiUrl, { status: 500, count: 3 });

    // Act
    await page.reload();
    await connectPage.settled();

    // Assess
    const problem = page.locator('#health-problem');
    await problem.waitFor();
    expect(await problem.getByRole('strong').textContent()).toBe('Your health data could not be read just now');
    expect(await problem.locator('p').textContent()).toMatch(/^502 .*Try again in a moment\.$/);
    await saveScreenshot(page, 'health-data-retry');

    // Act
    await problem.getByRole('button', { name: 'Retry' }).click();

    // Assess
    await expect.poll(() => problem.isHidden()).toBe(true);
    expect(await shownDays(page)).toEqual(before);
  });
});

describe('"New data", without JWT', () => {
  /** The page's answered polls of `/app/notifications`, counted as they come. */
  function countPolls(page: Page): { count: number } {
    const polls = { count: 0 };
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/app/notifications' && response.status() === 200) polls.count += 1;
    });
    return polls;
  }

  it('appears for the user a notification is about, and only them; activating it reads again and clears it', async () => {
    // Prepare: two users, each connected in a browser of their own, each page polling.
    const nina = await openPage('nina@example.com');
    const otto = await openPage('otto@example.com');
    const ninaPolls = countPolls(nina.page);
    const ottoPolls = countPolls(otto.page);
    await nina.connectPage.connectSource('Demo Health System');
    await otto.connectPage.connectSource('Demo Health System');
    await shownDays(nina.page);
    await shownDays(otto.page);
    // Each page has polled since its connection's own notice (a "sources" one, which raises nothing).
    const polled = { nina: ninaPolls.count, otto: ottoPolls.count };
    await expect.poll(() => ninaPolls.count, { timeout: 15_000 }).toBeGreaterThan(polled.nina + 1);
    await expect.poll(() => ottoPolls.count, { timeout: 15_000 }).toBeGreaterThan(polled.otto + 1);
    const ninaBadge = nina.page.getByRole('button', { name: 'New data' });
    const ottoBadge = otto.page.getByRole('button', { name: 'New data' });
    expect(await ninaBadge.isHidden()).toBe(true);
    expect(await ottoBadge.isHidden()).toBe(true);
    const reads = recordActivityReads(nina.page);

    // Act: Human API tells the app that Nina has new activity.
    const sent = await post(`${local.apiUrl}/sandbox/humanapi/notifications/send`, {
      clientUserId: 'nina@example.com',
    });
    expect(sent.status).toBe(200);

    // Assess: Nina's page shows it within a poll or two; Otto's, having polled twice since, does not.
    await ninaBadge.waitFor({ timeout: 15_000 });
    const ottoSince = ottoPolls.count;
    await expect.poll(() => ottoPolls.count, { timeout: 15_000 }).toBeGreaterThan(ottoSince + 1);
    expect(await ottoBadge.isHidden()).toBe(true);
    await saveScreenshot(nina.page, 'health-data-new-data');

    // Act
    await ninaBadge.click();

    // Assess: one more read, and the badge is gone.
    await expect.poll(() => reads.length).toBe(1);
    expect((await reads[0]?.response())?.status()).toBe(200);
    expect(await ninaBadge.isHidden()).toBe(true);
    expect(await shownDays(nina.page)).toHaveLength(14);
  });

  it('stops polling when the user signs out', async () => {
    // Prepare
    const { page, connectPage } = await openPage('vera@example.com');
    const polls = countPolls(page);
    await connectPage.connectSource('Demo Health System');
    await expect.poll(() => polls.count, { timeout: 15_000 }).toBeGreaterThan(0);

    // Act
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => !url.searchParams.has('user'));
    const after = polls.count;
    await page.waitForTimeout(7000);

    // Assess: back at the start, no poll since, and the app's session is over.
    expect(polls.count).toBe(after);
    expect(await page.locator('#health').isHidden()).toBe(true);
    const me = await page.evaluate(async () => (await fetch('/app/me')).status);
    expect(me).toBe(401);
  });
});
