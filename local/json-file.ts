import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A JSON document kept in a file under `.data/` (or only in memory when
 * `path` is undefined). Writes go to a temporary file renamed into place, so
 * a crash never leaves half a file.
 */
export interface JsonFile<T> {
  read(): T | undefined;
  write(value: T): void;
}

/** Opens a JSON file store; `path` undefined keeps the value in memory only. */
export function openJsonFile<T>(path: string | undefined): JsonFile<T> {
  let memory: T | undefined;
  return {
    read() {
      if (path === undefined) return memory;
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as T;
      } catch {
        return undefined;
      }
    },
    write(value) {
      if (path === undefined) {
        memory = value;
        return;
      }
      mkdirSync(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(value, null, 2), { mode: 0o600 });
      renameSync(temporary, path);
    },
  };
}
