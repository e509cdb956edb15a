import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('the sandbox connect-client.js (stand-in for humanapi-connect-client 2.x)', () => {
  it('opens with a server-minted token, connects a source, reports connect and close, and the user is then in edit mode', async () => {
    const created = await signedPost(`${local.apiUrl}/connect-tokens`, {
      clientUserId: 'xena',
      email: 'xena@example.com',
    });
    expect(created.json.mode).toBe('create');
    const { page } = await browsers.launch();
    await page.goto(local.webUrl);
    await page.addScriptTag({ url: `${local.apiUrl}/sandbox/connect-client.js` });

    await page.evaluate((token) => {
      const events: unknown[] = [];
      Object.assign(window, { connectEvents: events });
      const connect = (
        window as unknown as { HumanConnect: { on(e: string, l: (p: unknown) => void): void; open(o: object): void } }
      ).HumanConnect;
      connect.on('connect', (payload) => events.push(['connect', payload]));
      connect.on('close', (payload) => events.push(['close', payload]));
      connect.open({ token, onClose: (payload: unknown) => events.push(['onClose', payload]) });
    }, String(created.json.token));
    await page.getByRole('button', { name: 'Demo Pharmacy' }).click();
    await page.getByText('Connected Demo Pharmacy.').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    const events = await page.evaluate(() => (window as unknown as { connectEvents: unknown[] }).connectEvents);

    const pharmacy = { id: 'demo-pharmacy', name: 'Demo Pharmacy' };
    const payload = {
      sessionResults: { connectedSources: [pharmacy], disconnectedSources: [], requestedSources: [] },
      currentConnections: [pharmacy],
      requestedProviders: [],
    };
    expect(events).toEqual([
      ['connect', payload],
      ['close', payload],
      ['onClose', payload],
    ]);
    const edited = await signedPost(`${local.apiUrl}/connect-tokens`, { clientUserId: 'xena' });
    expect(edited.json).toMatchObject({ mode: 'edit', humanId: created.json.humanId });
  });

  it('reports an error to listeners when opened without a token', async () => {
    const { page } = await browsers.launch();
    await page.goto(local.webUrl);
    await page.addScriptTag({ url: `${local.apiUrl}/sandbox/connect-client.js` });

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

    expect(error).toMatchObject({ code: 400 });
  });
});
