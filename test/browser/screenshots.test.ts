/**
 * The screenshots in `docs/screenshots/`: create mode, edit mode, the "Your health data" panel
 * and an error state, at 1280 px and at 390 px (a phone), light and dark. The sandbox knows the
 * user under a fixed humanId and its clock, like the browser's, says 2099-06-15, so the panel
 * shows the same numbers on every run (test/browser/support/health-data.ts). Each also checks
 * that nothing overflows the viewport's width. They are written to
 * `test-results/screenshots/`, and to `docs/screenshots/` with
 * `UPDATE_SCREENSHOTS=1 npx vitest run test/browser/screenshots.test.ts`
 * (a test run leaves the repository as it was).
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault } from '../support/http.js';
import { SCREENSHOT_DIR, useBrowsers } from './support/browser.js';
import { ConnectPage } from './support/connect-page.js';
import {
  fixBrowserClock,
  HEALTH_SYSTEM_DAYS,
  SEEDED_HUMAN_ID,
  type SeededLocalMode,
  shownDays,
  startSeededLocalMode,
} from './support/health-data.js';

const DOCS_SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? resolve(import.meta.dirname, '../../docs/screenshots') : SCREENSHOT_DIR;
const WIDTHS = [1280, 390] as const;

let local: SeededLocalMode;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startSeededLocalMode({ seeded: { 'maria.lopez@example.com': SEEDED_HUMAN_ID } });
  await mkdir(DOCS_SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await local?.stop();
});

/**
 * Screenshots the page (or only the element `selector` names) as
 * `docs/screenshots/<name>-<width>[-dark].png`, after checking it fits its width.
 */
async function capture(page: Page, name: string, width: number, dark = false, selector?: string): Promise<void> {
  await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
  await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  const path = join(DOCS_SCREENSHOTS, `${name}-${width}${dark ? '-dark' : ''}.png`);
  if (selector === undefined) await page.screenshot({ path, fullPage: true });
  else await page.locator(selector).screenshot({ path });
}

describe('the screenshots of docs/screenshots/', () => {
  it('create mode, edit mode, the health data panel and a refused save fit 1280 px and 390 px', async () => {
    // Prepare
    const { page } = await browsers.launch({ timezoneId: 'UTC' });
    await fixBrowserClock(page);
    const connectPage = await ConnectPage.open(page, local, { user: 'maria.lopez@example.com' });

    // Act and Assess: create mode.
    expect(await connectPage.mode()).toBe('create');
    for (const width of WIDTHS) await capture(page, 'create-mode', width);

    // Act and Assess: edit mode, just connected.
    await connectPage.connectSource('Demo Health System');
    expect(await connectPage.mode()).toBe('edit');
    expect(await shownDays(page)).toEqual(HEALTH_SYSTEM_DAYS);
    for (const width of WIDTHS) await capture(page, 'edit-mode', width);
    await capture(page, 'edit-mode', 390, true);

    // Act and Assess: the health data panel on its own, as the README shows it.
    for (const width of WIDTHS) await capture(page, 'health-data', width, false, '#health');
    await capture(page, 'health-data', 390, true, '#health');

    // Act and Assess: Human API refuses the next session token, so the save is refused (422).
    await injectHumanApiFault(local.apiUrl, { status: 400 });
    await connectPage.clickConnectHealthData();
    await connectPage.connectInDialog('Demo Pharmacy');
    await connectPage.error.waitFor();
    expect(await page.locator('#error-title').textContent()).toMatch(/^422 /);
    for (const width of WIDTHS) await capture(page, 'error', width);
    await capture(page, 'error', 390, true);
  });
});
