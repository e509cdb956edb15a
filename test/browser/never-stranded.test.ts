/**
 * The page never leaves the user stuck: a save that fails is retried with the
 * same sessionTokenObject (and again after a reload), and two tabs connecting at
 * once both end in edit mode. Storage fails through local mode's DynamoDB and SQS fault
 * hooks, so the outbox cannot take the grant either (docs/local-mode.md#sandbox).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAMES } from '../../local/dynamodb.js';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage, storedPublicToken } from './support/connect-page.js';

/** The SDK makes 3 attempts per request: this many failures make one `POST /sessions` answer 503. */
const FAILURES_PER_503 = 3;
/** The page tries a save this many times before it keeps it for the next load. */
const PAGE_TRIES = 4;

let local: LocalModeProcess;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterEach(async () => {
  await post(`${local.apiUrl}/sandbox/faults/reset`, {});
});

afterAll(async () => {
  await local?.stop();
});

/**
 * Makes the next `answers` saves answer 503: the token write fails past the SDK's retries, and so
 * does the outbox that would otherwise take the grant and answer 200 (docs/design.md#outbox).
 */
async function failTokenWrites(answers: number): Promise<void> {
  const write = await post(`${local.apiUrl}/sandbox/dynamodb/faults`, {
    operation: 'UpdateItem',
    tableName: LOCAL_TABLE_NAMES.tokens,
    count: answers * FAILURES_PER_503,
  });
  const outbox = await post(`${local.apiUrl}/sandbox/sqs/faults`, {
    operation: 'SendMessage',
    count: answers * FAILURES_PER_503,
  });
  expect([write.status, outbox.status]).toEqual([201, 201]);
}

async function humanApiExchanges(): Promise<number> {
  const response = await fetch(`${local.apiUrl}/sandbox/humanapi/stats`);
  const stats: unknown = await response.json();
  const calls = typeof stats === 'object' && stats !== null ? Object.entries(stats) : [];
  const exchangeCalls = calls.find(([key]) => key === 'exchangeCalls')?.[1];
  if (typeof exchangeCalls !== 'number') throw new Error('no Human API stats');
  return exchangeCalls;
}

/** Statuses of the page's `POST /sessions`, in order, and the sessionTokens they carried. */
function recordSessions(connectPage: ConnectPage): { statuses: number[]; bodies: string[] } {
  const recorded = { statuses: [] as number[], bodies: [] as string[] };
  connectPage.page.on('response', (response) => {
    if (response.url() !== `${local.apiUrl}/sessions` || response.request().method() !== 'POST') return;
    recorded.statuses.push(response.status());
    recorded.bodies.push(response.request().postData() ?? '');
  });
  return recorded;
}

describe('a save that fails', () => {
  it('is retried with the same sessionTokenObject while saying "saving…", and succeeds on the 4th try', async () => {
    // Prepare
    const user = 'save-fails-three-times';
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user });
    const sessions = recordSessions(connectPage);
    const exchangesBefore = await humanApiExchanges();
    await failTokenWrites(PAGE_TRIES - 1);

    // Act
    await connectPage.clickConnectHealthData();
    await connectPage.connectInDialog('Demo Health System');

    // Assess: a visible, announced "saving…" while it retries.
    await expect.poll(() => connectPage.notice.textContent(), { timeout: 15_000 }).toContain('try 2 of 4');
    expect(await page.locator('#account').getAttribute('aria-busy')).toBe('true');
    await page.locator('body[data-state="ready"]').waitFor({ timeout: 30_000 });
    expect(sessions.statuses).toEqual([503, 503, 503, 200]);
    expect(new Set(sessions.bodies).size).toBe(1);
    expect(await humanApiExchanges()).toBe(exchangesBefore + 1);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(await storedPublicToken(local.apiUrl, user));
    expect(await connectPage.notice.textContent()).toContain('Connected');
    expect(await connectPage.error.isVisible()).toBe(false);
  });

  it('is kept for this tab after 4 failed tries, and saved on the next load', async () => {
    // Prepare
    const user = 'save-fails-until-reload';
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user });
    const sessions = recordSessions(connectPage);
    await failTokenWrites(PAGE_TRIES + 2);

    // Act
    await connectPage.clickConnectHealthData();
    await connectPage.connectInDialog('Demo Health System');

    // Assess: it says what happened and what comes next, with a focused way to try now.
    await connectPage.error.waitFor({ timeout: 30_000 });
    expect(sessions.statuses).toEqual([503, 503, 503, 503]);
    expect(await page.locator('#error-title').textContent()).toBe('Your connection is not saved yet');
    expect(await page.locator('#error-hint').textContent()).toContain('tries again when you reload');
    const retryButton = page.getByRole('button', { name: 'Try saving again' });
    expect(await retryButton.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([`humanapi-connect:pending:${user}`]);
    expect(await storedPublicToken(local.apiUrl, user)).toBeUndefined();
    expect(await connectPage.mode()).toBe('create');

    // Act: storage recovers; the user reloads the page.
    await post(`${local.apiUrl}/sandbox/faults/reset`, {});
    await page.reload();
    await connectPage.settled();

    // Assess: the same sessionTokenObject was saved.
    expect(sessions.statuses).toEqual([503, 503, 503, 503, 200]);
    expect(new Set(sessions.bodies).size).toBe(1);
    expect(await connectPage.notice.textContent()).toContain('Saved the connection from your last visit');
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(await storedPublicToken(local.apiUrl, user));
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
  });
});

describe('two tabs of one user', () => {
  it('connect at once: both end in edit mode with no error, and both open Connect in edit mode', async () => {
    // Prepare
    const user = 'two-tabs-at-once';
    const { context, page } = await browsers.launch();
    const first = await ConnectPage.open(page, local, { user });
    const second = await ConnectPage.open(await context.newPage(), local, { user });
    await first.clickConnectHealthData();
    await first.dialog.getByRole('radio', { name: 'Demo Lab' }).check();
    await second.clickConnectHealthData();
    await second.dialog.getByRole('radio', { name: 'Demo Pharmacy' }).check();
    const answers = [first, second].map((tab) =>
      tab.page.waitForResponse((response) => response.url() === `${local.apiUrl}/sessions`),
    );

    // Act
    await Promise.all([
      first.dialog.getByRole('button', { name: 'Connect', exact: true }).click(),
      second.dialog.getByRole('button', { name: 'Connect', exact: true }).click(),
    ]);
    const statuses = await Promise.all(answers.map(async (answer) => (await answer).status()));
    await Promise.all([first.settled(), second.settled()]);

    // Assess
    expect(statuses).toEqual([200, 200]);
    const stored = await storedPublicToken(local.apiUrl, user);
    for (const tab of [first, second]) {
      expect(await tab.mode()).toBe('edit');
      expect(await tab.error.isVisible()).toBe(false);
    }
    // Both tabs share localStorage: the last save is what both show.
    await expect.poll(async () => (await first.shownPublicToken()) === (await second.shownPublicToken())).toBe(true);

    // Act and Assess: each tab opens Connect in edit mode (recovering the current publicToken if its own is outdated).
    for (const tab of [first, second]) {
      await tab.clickConnectHealthData();
      await tab.dialog.getByRole('radio', { name: 'Demo Fitness Tracker' }).waitFor();
      expect(await tab.dialog.locator('[data-mode]').getAttribute('data-mode')).toBe('edit');
      expect(await tab.error.isVisible()).toBe(false);
      await tab.dialog.getByRole('button', { name: 'Close' }).click();
      await expect.poll(() => tab.dialog.count()).toBe(0);
    }
    expect(await storedPublicToken(local.apiUrl, user)).toBe(stored);
    await saveScreenshot(page, 'two-tabs-first-tab');
  });
});
