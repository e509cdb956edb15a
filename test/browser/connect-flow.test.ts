/**
 * The Connect flow of Human API's web guide in a real browser, against
 * `npm start` without JWT: create mode, edit mode once saved, a second source,
 * and a returning user on a new device. Once with `fetch` posting JSON, once
 * posting the form-urlencoded body jQuery's `$.post(url, obj)` sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { saveScreenshot, useBrowsers } from './support/browser.js';
import { ConnectPage, storedPublicToken } from './support/connect-page.js';

let local: LocalModeProcess;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

const POST_MODES = [
  { post: 'json', contentType: 'application/json' },
  { post: 'form', contentType: 'application/x-www-form-urlencoded; charset=UTF-8' },
] as const;

describe.each(POST_MODES)('posting sessions as $post', ({ post, contentType }) => {
  it('connects a new user, says so, and shows edit mode with the publicToken the API stored', async () => {
    // Prepare
    const user = `new-user-${post}`;
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user, post });
    expect(await connectPage.mode()).toBe('create');
    expect(await connectPage.shownPublicToken()).toBe('none');

    // Act
    const exchange = await connectPage.connectSource('Demo Health System');

    // Assess
    expect(exchange.status).toBe(200);
    expect(exchange.request.headers()['content-type']).toBe(contentType);
    const sent =
      post === 'form'
        ? Object.fromEntries(new URLSearchParams(exchange.request.postData() ?? ''))
        : (JSON.parse(exchange.request.postData() ?? '{}') as Record<string, unknown>);
    expect(Object.keys(sent).sort()).toEqual(['clientId', 'humanId', 'sessionToken', 'userId']);
    const stored = await storedPublicToken(local.apiUrl, user);
    expect(stored).toMatch(/^\w{16,}$/);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(stored);
    expect(await connectPage.notice.textContent()).toContain('Connected');
    await saveScreenshot(page, `connect-flow-${post}-edit-mode`);
  });

  it('connects a second source: the stored publicToken changes and the page shows the new one', async () => {
    // Prepare
    const user = `second-source-${post}`;
    const { page } = await browsers.launch();
    const connectPage = await ConnectPage.open(page, local, { user, post });
    await connectPage.connectSource('Demo Health System');
    const firstPublicToken = await storedPublicToken(local.apiUrl, user);
    const firstHumanId = await connectPage.shownHumanId();
    expect(await connectPage.shownPublicToken()).toBe(firstPublicToken);

    // Act
    const second = await connectPage.connectSource('Demo Pharmacy');

    // Assess
    expect(second.status).toBe(200);
    const stored = await storedPublicToken(local.apiUrl, user);
    expect(stored).not.toBe(firstPublicToken);
    expect(await connectPage.mode()).toBe('edit');
    expect(await connectPage.shownPublicToken()).toBe(stored);
    expect(await connectPage.shownHumanId()).toBe(firstHumanId);
    await saveScreenshot(page, `connect-flow-${post}-second-source`);
  });

  it('opens edit mode for a returning user on a new device: the app back end recovers the publicToken, no "User Already Exists"', async () => {
    // Prepare: the user connected on one device; a second device has no publicToken.
    const user = `returning-user-${post}`;
    const firstDevice = await browsers.launch();
    const withToken = await ConnectPage.open(firstDevice.page, local, { user, post });
    await withToken.connectSource('Demo Lab');
    const connected = await storedPublicToken(local.apiUrl, user);
    const newDevice = await browsers.launch();
    const recoveries: number[] = [];
    newDevice.page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/app/public-token') recoveries.push(response.status());
    });

    // Act
    const onNewDevice = await ConnectPage.open(newDevice.page, local, { user, post });

    // Assess: asked its own server (which signs for IAM), not the API.
    expect(recoveries).toEqual([200]);
    expect(await onNewDevice.mode()).toBe('edit');
    expect(await onNewDevice.shownPublicToken()).toBe(connected);
    expect(await onNewDevice.notice.textContent()).toContain('recovered your publicToken');
    expect(await onNewDevice.error.isVisible()).toBe(false);

    // Act: Connect opens in edit mode; closing it is reported to the user.
    await onNewDevice.clickConnectHealthData();

    // Assess
    await onNewDevice.dialog.getByRole('radio', { name: 'Demo Pharmacy' }).waitFor();
    expect(await onNewDevice.dialog.locator('[data-mode]').getAttribute('data-mode')).toBe('edit');
    await onNewDevice.dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => onNewDevice.notice.textContent()).toContain('closed Connect');
    expect(await onNewDevice.dialog.count()).toBe(0);
    expect(await onNewDevice.error.isVisible()).toBe(false);
  });
});
