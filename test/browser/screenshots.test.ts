/**
 * The screenshots in `docs/screenshots/`: create mode, edit mode and an error
 * state, at 1280 px and at 390 px (a phone), light and dark. Each also checks
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
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { SCREENSHOT_DIR, useBrowsers } from './support/browser.js';
import { ConnectPage } from './support/connect-page.js';

const DOCS_SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? resolve(import.meta.dirname, '../../docs/screenshots') : SCREENSHOT_DIR;
const WIDTHS = [1280, 390] as const;

let local: LocalModeProcess;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startLocalModeProcess();
  await mkdir(DOCS_SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await local?.stop();
});

/** Screenshots the page as `docs/screenshots/<name>-<width>[-dark].png`, after checking it fits its width. */
async function capture(page: Page, name: string, width: number, dark = false): Promise<void> {
  await page.setViewportSize({ width, height: width > 500 ? 800 : 844 });
  await page.emulateMedia({ colorScheme: dark ? 'dark' : 'light' });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  await page.screenshot({
    path: join(DOCS_SCREENSHOTS, `${name}-${width}${dark ? '-dark' : ''}.png`),
    fullPage: true,
  });
}

describe('the screenshots of docs/screenshots/', () => {
  it('create mode, edit mode and a refused save fit 1280 px and 390 px', async () => {
    // Prepare
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user: 'maria.lopez@example.com' });

    // Act and Assess: create mode.
    expect(await connectPage.mode()).toBe('create');
    for (const width of WIDTHS) await capture(page, 'create-mode', width);

    // Act and Assess: edit mode, just connected.
    await connectPage.connectSource('Demo Health System');
    expect(await connectPage.mode()).toBe('edit');
    for (const width of WIDTHS) await capture(page, 'edit-mode', width);
    await capture(page, 'edit-mode', 390, true);

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
