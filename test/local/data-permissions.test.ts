import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restrictDataDir } from '../../local/data-permissions.js';

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('restrictDataDir', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'data-permissions-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('makes the folder 0700 and every file 0600, nested folders 0700, as dynalite left them 0644', async () => {
    const data = join(root, '.data');
    await mkdir(join(data, 'dynamodb'), { recursive: true, mode: 0o755 });
    await writeFile(join(data, 'secrets.json'), '{}', { mode: 0o644 });
    await writeFile(join(data, 'dynamodb', '000003.log'), 'x', { mode: 0o644 });

    await restrictDataDir(data);

    expect(await mode(data)).toBe(0o700);
    expect(await mode(join(data, 'dynamodb'))).toBe(0o700);
    expect(await mode(join(data, 'secrets.json'))).toBe(0o600);
    expect(await mode(join(data, 'dynamodb', '000003.log'))).toBe(0o600);
  });

  it('creates a missing folder owner-only', async () => {
    await restrictDataDir(join(root, 'fresh'));

    expect(await mode(join(root, 'fresh'))).toBe(0o700);
  });
});
