/**
 * One local mode per `.data/` folder: dynalite's LevelDB cannot be opened twice, and a second
 * `npm start` used to die with "Database is closed". A lock file holds the pid of the
 * instance that owns the folder; one left by a process that no longer runs is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the lock file inside the data folder. */
export const LOCK_FILE_NAME = 'local-mode.pid';

/** Another running local mode owns the data folder. */
export class DataDirLockedError extends Error {
  /** The process holding the folder. */
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      `${dataDir} is in use by another local mode (pid ${pid}): stop that one, or run this one with --in-memory (npm start -- --in-memory)`,
    );
    this.name = 'DataDirLockedError';
    this.pid = pid;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

/**
 * Takes the data folder for this process (creating it 0700).
 *
 * @returns a function that releases it (also run when the process exits)
 * @throws {DataDirLockedError} when a running process holds it
 */
export function lockDataDir(dataDir: string, label = dataDir): () => void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = join(dataDir, LOCK_FILE_NAME);
  // Two attempts: the second after removing a lock its dead owner left behind.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx', mode: 0o600 });
      const release = () => {
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) rmSync(lockPath);
        } catch {
          // Already gone.
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isRunning(pid)) {
      throw new DataDirLockedError(label, pid);
    }
    rmSync(lockPath, { force: true });
  }
  throw new DataDirLockedError(label, Number.NaN);
}
