/**
 * The "Your health data" panel's fixed world: local mode whose sandbox already knows a user under
 * a chosen humanId (written into `.data/sandbox.json` before the start, as an earlier run would
 * have left it), and whose clock, like the browser's, says 2099-06-15 at noon (UTC). The data
 * sandbox seeds each record from the humanId, the source and the day, so that user's steps are the
 * literal values below: read once from the sandbox, never recomputed by a test.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { post } from '../../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../../support/local-mode.js';

/** "Now" for the sandbox and the browser: the panel's window is 2099-06-02 to 2099-06-15. */
export const FIXED_NOW = new Date('2099-06-15T12:00:00.000Z');
/** The humanId the sandbox gives the seeded user. */
export const SEEDED_HUMAN_ID = '5eed5eed5eed5eed5eed5eed';

/**
 * The panel's list for the seeded user connected to `demo-health-system` (v1's source), newest
 * first: today has no summary yet (the sandbox syncs a day in its evening).
 */
export const HEALTH_SYSTEM_DAYS = [
  'Mon 15 Jun no data',
  'Sun 14 Jun 12,490 steps',
  'Sat 13 Jun 11,511 steps',
  'Fri 12 Jun 3,707 steps',
  'Thu 11 Jun 6,581 steps',
  'Wed 10 Jun 6,304 steps',
  'Tue 9 Jun 2,527 steps',
  'Mon 8 Jun 10,603 steps',
  'Sun 7 Jun 8,508 steps',
  'Sat 6 Jun 6,988 steps',
  'Fri 5 Jun 7,223 steps',
  'Thu 4 Jun 2,489 steps',
  'Wed 3 Jun 2,257 steps',
  'Tue 2 Jun 12,884 steps',
];
/** The summary line under the chart for {@link HEALTH_SYSTEM_DAYS}. */
export const HEALTH_SYSTEM_SUMMARY =
  '94,072 steps in 13 of the last 14 days, 7,236 a day on average. From demo-health-system.';

/** The same for the seeded user connected to `demo-fitness-tracker` alone (the current generation's popup). */
export const FITNESS_TRACKER_DAYS = [
  'Mon 15 Jun no data',
  'Sun 14 Jun 13,047 steps',
  'Sat 13 Jun 2,651 steps',
  'Fri 12 Jun 6,540 steps',
  'Thu 11 Jun 8,784 steps',
  'Wed 10 Jun 8,766 steps',
  'Tue 9 Jun 10,474 steps',
  'Mon 8 Jun 5,599 steps',
  'Sun 7 Jun 7,811 steps',
  'Sat 6 Jun 3,910 steps',
  'Fri 5 Jun 8,843 steps',
  'Thu 4 Jun 6,962 steps',
  'Wed 3 Jun 11,754 steps',
  'Tue 2 Jun 4,591 steps',
];
export const FITNESS_TRACKER_SUMMARY =
  '99,732 steps in 13 of the last 14 days, 7,672 a day on average. From demo-fitness-tracker.';

/** Local mode in a folder of its own, whose sandbox knows `seeded` users (clientUserId → humanId). */
export interface SeededLocalMode extends LocalModeProcess {
  /** Stops local mode and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts local mode (persisted, in a temporary folder) whose sandbox knows `seeded` users, then
 * moves the sandbox's clock on to {@link FIXED_NOW}.
 */
export async function startSeededLocalMode({
  seeded,
  env = {},
}: {
  seeded: Readonly<Record<string, string>>;
  env?: Record<string, string>;
}): Promise<SeededLocalMode> {
  const cwd = await mkdtemp(join(tmpdir(), 'humanapi-connect-health-'));
  await mkdir(join(cwd, '.data'), { mode: 0o700 });
  // The v1 sandbox's saved state (local/sandbox/human-api.ts), shared with the current generation's.
  const state = {
    clientSecret: 'seeded0sandbox0secret0000000000000000000',
    users: Object.fromEntries(Object.entries(seeded)),
    humans: Object.fromEntries(
      Object.entries(seeded).map(([clientUserId, humanId]) => [humanId, { clientUserId, publicToken: null }]),
    ),
    sessions: {},
    accessTokens: {},
  };
  await writeFile(join(cwd, '.data', 'sandbox.json'), JSON.stringify(state), { mode: 0o600 });
  const local = await startLocalModeProcess({ inMemory: false, cwd, env });
  const advanced = await post(`${local.apiUrl}/sandbox/humanapi-auth/clock`, {
    advanceSeconds: Math.floor((FIXED_NOW.getTime() - Date.now()) / 1000),
  });
  expect(advanced.status).toBe(200);
  expect(String(advanced.json.now).slice(0, 10)).toBe('2099-06-15');
  return {
    ...local,
    async stop() {
      await local.stop();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}

/** Fixes the browser's clock at {@link FIXED_NOW} (timers keep running). */
export async function fixBrowserClock(page: Page): Promise<void> {
  await page.clock.setFixedTime(FIXED_NOW);
}

/** The panel's list, one line per day ("Sun 14 Jun 12,490 steps"), once it shows. */
export async function shownDays(page: Page): Promise<string[]> {
  await page.locator('#activity-days li').first().waitFor();
  return page
    .locator('#activity-days li')
    .evaluateAll((items) => items.map((item) => [...item.children].map((part) => part.textContent).join(' ')));
}

/** The panel's problem box: its title and its button. */
export const panelProblem = (page: Page) => page.locator('#health-problem');
