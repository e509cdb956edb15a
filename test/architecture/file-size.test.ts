/**
 * One concern per module: every source file of what deploys (functions/, infra/, client/) stays
 * under 300 lines, so a file that grows a second concern is split rather than scrolled.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_LINES = 300;

function sourcesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(folder, file));
}

const lineCount = (file: string) => readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1;

describe('file sizes', () => {
  const files = ['functions', 'infra', 'client'].flatMap(sourcesUnder);

  it('finds the sources it measures', () => {
    expect(files.length).toBeGreaterThan(60);
    expect(files).toContain(join('functions', 'http', 'http-handler.ts'));
  });

  it(`keeps every file of functions/, infra/ and client/ under ${MAX_LINES} lines`, () => {
    const over = files
      .map((file) => ({ file: relative(ROOT, join(ROOT, file)), lines: lineCount(file) }))
      .filter(({ lines }) => lines >= MAX_LINES);
    expect(over).toEqual([]);
  });
});
