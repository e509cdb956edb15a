/**
 * CORS as the browser applies it: the same page, served from the allowed
 * origin (local mode's front end) and from one that is not in
 * `CORS_ALLOW_ORIGINS` (a second static server started here).
 */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../../local/http-util.js';
import { createWebServer, WEB_DIST_DIR } from '../../local/web-server.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage, storedPublicToken } from './support/connect-page.js';

let local: LocalModeProcess;
let foreignServer: Server;
let foreignUrl: string;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startLocalModeProcess();
  // Local mode built the page before answering this; the foreign server serves the same files and settings.
  const index = await fetch(`${local.webUrl}/`);
  expect(index.status).toBe(200);
  const pageConfig = (await (await fetch(`${local.webUrl}/config.json`)).json()) as Record<string, unknown>;
  // A static copy of the page: no app back end behind it.
  const staticConfig = { ...pageConfig, appBackend: false };
  foreignServer = createWebServer({ root: WEB_DIST_DIR, pageConfig: () => staticConfig, build: false });
  foreignUrl = `http://127.0.0.1:${await listen(foreignServer, 0)}`;
});

afterAll(async () => {
  if (foreignServer !== undefined) await close(foreignServer);
  await local?.stop();
});

describe('a page served from an origin not in the allowed list', () => {
  it('cannot read the answer of a JSON POST /sessions: the preflight is refused and nothing is stored', async () => {
    // Prepare
    const allowed = local.output.find((line) => line.trimStart().startsWith('CORS:')) ?? '';
    expect(allowed).toContain(local.webUrl);
    expect(allowed).not.toContain(foreignUrl);
    const user = 'foreign-origin-json';
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, { webUrl: foreignUrl, apiUrl: local.apiUrl }, { user });
    const failed = page.waitForEvent('requestfailed', (request) => request.url() === `${local.apiUrl}/sessions`);

    // Act
    await connectPage.clickConnectHealthData();
    await connectPage.connectInDialog('Demo Health System');

    // Assess
    expect((await failed).failure()?.errorText).toBe('net::ERR_FAILED');
    await connectPage.error.waitFor({ timeout: 20_000 });
    expect(await page.locator('#error-title').textContent()).toBe('Your connection is not saved yet');
    expect(await page.locator('#error-detail').textContent()).toContain("The API's answer could not be read");
    expect(await page.locator('#error-detail').textContent()).toContain('CORS');
    expect(await connectPage.mode()).toBe('create');
    expect(await connectPage.shownPublicToken()).toBe('none');
    expect(await storedPublicToken(local.apiUrl, user)).toBeUndefined();
    await saveScreenshot(page, 'cors-foreign-origin-json');
  });

  it('cannot read the answer of a form post either, although that simple request reaches the API', async () => {
    // Prepare
    const user = 'foreign-origin-form';
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(
      page,
      { webUrl: foreignUrl, apiUrl: local.apiUrl },
      { user, post: 'form' },
    );
    const failed = page.waitForEvent('requestfailed', (request) => request.url() === `${local.apiUrl}/sessions`);

    // Act
    await connectPage.clickConnectHealthData();
    await connectPage.connectInDialog('Demo Health System');

    // Assess: no preflight for a form post, so the API stores the tokens; the browser still hides its answer.
    expect((await failed).failure()?.errorText).toBe('net::ERR_FAILED');
    await connectPage.error.waitFor({ timeout: 20_000 });
    expect(await page.locator('#error-detail').textContent()).toContain("The API's answer could not be read");
    expect(await storedPublicToken(local.apiUrl, user)).toMatch(/^\w{16,}$/);
    expect(await connectPage.mode()).toBe('create');
    expect(await connectPage.shownPublicToken()).toBe('none');
    await saveScreenshot(page, 'cors-foreign-origin-form');
  });
});

describe('the page served from the allowed origin', () => {
  it('reads the answer and shows edit mode with the stored publicToken', async () => {
    // Prepare
    const user = 'allowed-origin';
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user });

    // Act
    const exchange = await connectPage.connectSource('Demo Health System');

    // Assess
    expect(exchange.status).toBe(200);
    expect(await exchange.request.headerValue('origin')).toBe(local.webUrl);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(await storedPublicToken(local.apiUrl, user));
    expect(await connectPage.error.isVisible()).toBe(false);
    await saveScreenshot(page, 'cors-allowed-origin');
  });
});
