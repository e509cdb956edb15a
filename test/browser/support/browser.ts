/**
 * Debian's chromium, driven by playwright-core, offline: a fresh user-data
 * directory per launch, and no way out of loopback (host names do not
 * resolve, anything else goes to a dead proxy). Requests are only observed,
 * never intercepted: Playwright's interception would answer CORS preflights
 * itself and hide what the API's CORS rules do.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';

/** The browser CI installs with `apt-get install -y chromium`. */
export const CHROMIUM_EXECUTABLE = '/usr/bin/chromium';

/** How chromium is started. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // Loopback only: no host name resolves, and every non-loopback address goes to a port nobody listens on.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
];

/** Where tests save screenshots (git-ignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../../test-results/screenshots');

/** One browser with one page, as a user's device. */
export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL the browser asked for that is not on 127.0.0.1 (they all fail). */
  readonly offLoopbackRequests: readonly string[];
  close(): Promise<void>;
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /** The browser's time zone (`UTC`), for a page whose "today" a test fixes. @default the machine's */
  readonly timezoneId?: string;
}

/** Starts chromium with a fresh profile. */
export async function launchBrowser({ timezoneId }: LaunchOptions = {}): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'humanapi-connect-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_EXECUTABLE,
    args: CHROMIUM_ARGS,
    viewport: { width: 1000, height: 760 },
    timeout: 30_000,
    ...(timezoneId === undefined ? {} : { timezoneId }),
  });
  const offLoopbackRequests: string[] = [];
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') offLoopbackRequests.push(request.url());
  });
  context.setDefaultTimeout(10_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    offLoopbackRequests,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `test-results/screenshots/<name>.png`; resolves its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Launches browsers for the tests of a file. After each test it screenshots
 * the pages of a failed test, closes every browser, and asserts that none
 * tried to leave loopback.
 */
export function useBrowsers(): { launch(options?: LaunchOptions): Promise<BrowserSession> } {
  const sessions: BrowserSession[] = [];
  afterEach(async ({ task }) => {
    const open = sessions.splice(0);
    if (task.result?.state === 'fail') {
      await Promise.all(
        open.map((session, index) =>
          saveScreenshot(session.page, `failed-${task.name.replace(/\W+/g, '-')}-${index}`).catch(() => undefined),
        ),
      );
    }
    await Promise.all(open.map((session) => session.close()));
    expect(open.flatMap((session) => session.offLoopbackRequests)).toEqual([]);
  });
  return {
    async launch(options) {
      const session = await launchBrowser(options);
      sessions.push(session);
      return session;
    },
  };
}
