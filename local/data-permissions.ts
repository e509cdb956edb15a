/**
 * Local mode's persisted state is owner-only (docs/local-mode.md): `.data/` holds the client
 * secret, the sandbox's state and dynalite's files, which hold stored tokens. New files get
 * 0600 through the process umask; files an older version (or dynalite before the umask) left
 * readable are tightened at start.
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Directory and file modes of local state. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;
/** The umask that makes every new file 0600 and directory 0700. */
export const OWNER_ONLY_UMASK = 0o077;

/** Stops a walk of a folder that is not local mode's (a symlink loop, a huge tree) from running forever. */
const MAX_ENTRIES = 100_000;

/**
 * Makes `dataDir` 0700 and everything in it 0700 (folders) or 0600 (files), creating it when
 * missing. Symbolic links are left alone (chmod would follow them out of the folder).
 */
export async function restrictDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  await chmod(dataDir, DATA_DIR_MODE);
  const pending = [dataDir];
  let seen = 0;
  while (pending.length > 0) {
    const folder = pending.pop();
    if (folder === undefined) break;
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      seen += 1;
      if (seen > MAX_ENTRIES) throw new Error(`${dataDir} holds more than ${MAX_ENTRIES} entries`);
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        await chmod(path, DATA_DIR_MODE);
        pending.push(path);
      } else if (entry.isFile()) {
        await chmod(path, DATA_FILE_MODE);
      }
    }
  }
}
