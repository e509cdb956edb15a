/**
 * The sandbox's connect-client.js, the stand-in for `humanapi-connect-client` 2.x
 * (docs/local-mode.md#sandbox): the declarative path (`data-hapi-token` inside a
 * `.hapi__token-container`, bound on the window's `load`) with `HumanConnect.on(...)` listeners,
 * the package's payloads for `connect`, `disconnect` and `close`, refusals reported as `error`,
 * and the deprecated `HumanConnect.open()`, which still works and warns.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';
import { useBrowsers } from './support/browser.js';

let local: LocalModeProcess;
const browsers = useBrowsers();

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

const pharmacy = { id: 'demo-pharmacy', name: 'Demo Pharmacy' };
const lab = { id: 'demo-lab', name: 'Demo Lab' };

/** The package's payload of `connect`, `disconnect` and `close`. */
const payload = (
  connectedSources: readonly object[],
  disconnectedSources: readonly object[],
  currentConnections: readonly object[],
) => ({
  sessionResults: { connectedSources, disconnectedSources, requestedSources: [] },
  currentConnections,
  requestedProviders: [],
});

/** The `console.warn` lines of a page. */
function recordWarnings(page: Page): string[] {
  const warnings: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
  return warnings;
}

/**
 * A page on the example page's origin holding `body`, with the stand-in loaded before the window's
 * `load` (as the package asks) and a listener on each event, recording `[event, payload]` in
 * `window.connectEvents`.
 */
async function pageWith(page: Page, body: string): Promise<void> {
  // Any document of that origin, without the example page's own scripts.
  await page.goto(`${local.webUrl}/config.json`);
  await page.setContent(
    `${body}
    <script src="${local.apiUrl}/sandbox/connect-client.js"></script>
    <script>
      window.connectEvents = [];
      for (const event of ['connect', 'disconnect', 'close', 'error']) {
        HumanConnect.on(event, (payload) => window.connectEvents.push([event, payload]));
      }
    </script>`,
  );
}

const eventsOf = (page: Page) => page.evaluate(() => (window as unknown as { connectEvents: unknown[] }).connectEvents);

/** Mints a session token for a new user, as the back end does. */
async function sessionTokenFor(clientUserId: string): Promise<{ token: string; humanId: unknown }> {
  const created = await signedPost(`${local.apiUrl}/connect-tokens`, {
    clientUserId,
    email: `${clientUserId}@example.com`,
  });
  expect(created.json.mode).toBe('create');
  return { token: String(created.json.token), humanId: created.json.humanId };
}

describe('the sandbox connect-client.js (stand-in for humanapi-connect-client 2.x)', () => {
  it('opens Connect from a [data-hapi-token] button with the token it carries when clicked, reports connect, disconnect and close to on() listeners with the package payload, and the user is then in edit mode', async () => {
    // Prepare: the button starts with a token Human API never issued; the page then puts a
    // freshly minted one on it, as a page replacing its token does.
    const { token, humanId } = await sessionTokenFor('xena');
    const { page } = await browsers.launch();
    const warnings = recordWarnings(page);
    await pageWith(
      page,
      '<div class="hapi__token-container"><button type="button" data-hapi-token="not-a-token">Open Connect</button></div>',
    );
    await page.getByRole('button', { name: 'Open Connect' }).evaluate((button, fresh) => {
      button.setAttribute('data-hapi-token', fresh);
    }, token);
    const dialog = page.getByRole('dialog', { name: 'Human API Connect' });

    // Act
    await page.getByRole('button', { name: 'Open Connect' }).click();
    await dialog.getByRole('button', { name: 'Demo Pharmacy', exact: true }).click();
    await dialog.getByText('Connected Demo Pharmacy.').waitFor();
    await dialog.getByRole('button', { name: 'Demo Lab', exact: true }).click();
    await dialog.getByText('Connected Demo Lab.').waitFor();
    await dialog.getByRole('button', { name: 'Disconnect Demo Pharmacy' }).click();
    await dialog.getByText('Disconnected Demo Pharmacy.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Assess
    expect(await eventsOf(page)).toEqual([
      ['connect', payload([pharmacy], [], [pharmacy])],
      ['connect', payload([pharmacy, lab], [], [pharmacy, lab])],
      ['disconnect', payload([pharmacy, lab], [pharmacy], [lab])],
      ['close', payload([pharmacy, lab], [pharmacy], [lab])],
    ]);
    expect(warnings).toEqual([]);
    const edited = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'xena' });
    expect(edited.json).toMatchObject({ mode: 'edit', humanId });
  });

  it("opens on the user's current connections: an id_token's Connect lists them, and a close reports them with an empty session", async () => {
    // Prepare: a user who connected Demo Lab elsewhere.
    const { token: sessionToken } = await sessionTokenFor('yusuf');
    await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token: sessionToken, source: 'demo-lab' });
    const edit = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'yusuf' });
    expect(edit.json.mode).toBe('edit');
    const { page } = await browsers.launch();
    await pageWith(
      page,
      `<div class="hapi__token-container"><button type="button" data-hapi-token="${edit.json.token}">Open Connect</button></div>`,
    );
    const dialog = page.getByRole('dialog', { name: 'Human API Connect' });

    // Act
    await page.getByRole('button', { name: 'Open Connect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect Demo Lab' }).waitFor();

    // Assess: Demo Lab is shown connected (not offered again), the others are offered.
    expect(await dialog.getByRole('button', { name: 'Demo Lab', exact: true }).isDisabled()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Demo Pharmacy', exact: true }).isEnabled()).toBe(true);

    // Act
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Assess
    expect(await eventsOf(page)).toEqual([['close', payload([], [], [lab])]]);
  });

  it('reports a token Connect refuses to error listeners when it opens, and says so in the dialog', async () => {
    // Prepare
    const { page } = await browsers.launch();
    await pageWith(
      page,
      '<div class="hapi__token-container"><button type="button" data-hapi-token="made-up-token">Open Connect</button></div>',
    );
    const dialog = page.getByRole('dialog', { name: 'Human API Connect' });

    // Act
    await page.getByRole('button', { name: 'Open Connect' }).click();

    // Assess: nothing can be done with that token.
    await dialog.getByText('Unknown or expired token').waitFor();
    expect(await eventsOf(page)).toEqual([['error', { code: 401, message: 'Unknown or expired token' }]]);
    expect(await dialog.getByRole('button', { name: 'Demo Pharmacy', exact: true }).isDisabled()).toBe(true);
  });

  it('binds nothing, warns and reports an error when the page has no .hapi__token-container at load, as the package does', async () => {
    // Prepare
    const { token } = await sessionTokenFor('yvette');
    const { page } = await browsers.launch();
    const warnings = recordWarnings(page);
    await pageWith(page, `<button type="button" data-hapi-token="${token}">Open Connect</button>`);

    // Act
    await page.getByRole('button', { name: 'Open Connect' }).click();

    // Assess
    const noContainer =
      'HumanConnect: no element with class hapi__token-container when the page loaded, so no [data-hapi-token] element opens Connect.';
    expect(warnings).toEqual([noContainer]);
    expect(await eventsOf(page)).toEqual([['error', noContainer]]);
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('still opens Connect with the deprecated open(): one console.warn line, and its callbacks (not on() listeners) get the payload', async () => {
    // Prepare
    const { token, humanId } = await sessionTokenFor('zelda');
    const { page } = await browsers.launch();
    const warnings = recordWarnings(page);
    await pageWith(page, '<div class="hapi__token-container"></div>');

    // Act
    await page.evaluate((sessionToken) => {
      const connect = (window as unknown as { HumanConnect: { open(options: object): void } }).HumanConnect;
      const events = (window as unknown as { connectEvents: unknown[] }).connectEvents;
      connect.open({
        token: sessionToken,
        onConnectSource: (sent: unknown) => events.push(['onConnectSource', sent]),
        onClose: (sent: unknown) => events.push(['onClose', sent]),
      });
    }, token);
    await page.getByRole('button', { name: 'Demo Pharmacy', exact: true }).click();
    await page.getByText('Connected Demo Pharmacy.').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();

    // Assess
    expect(await eventsOf(page)).toEqual([
      ['onConnectSource', payload([pharmacy], [], [pharmacy])],
      ['onClose', payload([pharmacy], [], [pharmacy])],
    ]);
    expect(warnings).toEqual([
      'HumanConnect.open() is deprecated and will be removed: put the token in data-hapi-token on an element inside a .hapi__token-container, and listen with HumanConnect.on(event, listener).',
    ]);
    const edited = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'zelda' });
    expect(edited.json).toMatchObject({ mode: 'edit', humanId });
  });

  it('reports an error to listeners when opened without a token', async () => {
    // Prepare
    const { page } = await browsers.launch();
    await page.goto(local.webUrl);
    await page.addScriptTag({ url: `${local.apiUrl}/sandbox/connect-client.js` });

    // Act
    const error = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const connect = (
            window as unknown as {
              HumanConnect: { on(e: string, l: (p: unknown) => void): void; open(o: object): void };
            }
          ).HumanConnect;
          connect.on('error', resolve);
          connect.open({});
        }),
    );

    // Assess
    expect(error).toMatchObject({ code: 400 });
  });
});
