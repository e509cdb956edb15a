import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let root: string;
let local: LocalModeProcess | undefined;

/** Every path under `folder` with its permission bits. */
async function modes(folder: string): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found[path] = (await stat(path)).mode & 0o777;
  }
  return found;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-data-'));
  // A file an older version left world-readable.
  await mkdir(join(root, '.data'), { mode: 0o755 });
  await writeFile(join(root, '.data', 'stale.json'), '{}', { mode: 0o644 });
  local = await startLocalModeProcess({ inMemory: false, cwd: root });
});

afterAll(async () => {
  await local?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('local mode persisting under .data/', () => {
  it('keeps .data/ 0700 and every file in it 0600, dynalite’s included, after storing tokens', async () => {
    if (local === undefined) throw new Error('local mode did not start');
    const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'alice'));
    expect(finished.status).toBe(200);

    const found = await modes(join(root, '.data'));

    expect(Object.keys(found).some((path) => path.includes('dynamodb'))).toBe(true);
    expect((await stat(join(root, '.data'))).mode & 0o777).toBe(0o700);
    for (const [path, bits] of Object.entries(found)) {
      const isFolder = (await stat(path)).isDirectory();
      expect({ path, bits }).toEqual({ path, bits: isFolder ? 0o700 : 0o600 });
    }
  });
});
