/**
 * The architecture's import rules (.dependency-cruiser.cjs, docs/design.md#layout), checked with
 * dependency-cruiser over the real sources, and each rule shown to bite on a small fixture tree.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const CRUISED = ['functions', 'infra', 'client', 'local', 'scripts', 'bench', 'web/src', 'web/app-server'];

const resultSchema = z.object({
  summary: z.object({
    totalCruised: z.number(),
    violations: z.array(
      z.object({
        rule: z.object({ name: z.string() }),
        from: z.string(),
        to: z.string(),
        cycle: z.optional(z.unknown()),
      }),
    ),
  }),
});

/** Cruises `paths` under `cwd` with the repository's rules; answers the summary. */
function cruise(cwd: string, paths: readonly string[]) {
  let output: string;
  try {
    output = execFileSync(
      process.execPath,
      [CLI, ...paths, '--config', join(cwd, '.dependency-cruiser.cjs'), '--output-type', 'json'],
      { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    // A violation makes the CLI exit non-zero; its JSON is still the answer.
    output = String((error as { stdout?: unknown }).stdout ?? '');
  }
  return resultSchema.parse(JSON.parse(output)).summary;
}

describe('the repository\u2019s imports', () => {
  it('break no rule: no cycle, nothing deployed imports tooling, each room of functions/ in its place', () => {
    const summary = cruise(ROOT, CRUISED);

    expect(summary.totalCruised).toBeGreaterThan(150);
    expect(summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} -> ${to}`)).toEqual([]);
  });
});

describe('each rule, on a fixture tree', () => {
  const fixture = mkdtempSync(join(tmpdir(), 'architecture-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(fixture, '.dependency-cruiser.cjs'));
  writeFileSync(
    join(fixture, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2024' } }),
  );
  writeFileSync(join(fixture, 'package.json'), JSON.stringify({ name: 'fixture', type: 'module' }));
  const write = (file: string, imports: readonly string[]) => {
    mkdirSync(dirname(join(fixture, file)), { recursive: true });
    const lines = imports.map((target, index) => `import * as m${index} from '${target}';`);
    writeFileSync(
      join(fixture, file),
      `${lines.join('\n')}\nexport const used = [${imports.map((_, i) => `m${i}`).join(', ')}];\n`,
    );
  };
  // Each importer breaks exactly one rule; the targets import nothing.
  for (const leaf of [
    'local/server.ts',
    'test/support/http.ts',
    'scripts/build-bundles.ts',
    'infra/stack.ts',
    'client/index.ts',
    'functions/finish-session.ts',
    'functions/domain/work.ts',
    'functions/adapters/store.ts',
    'functions/http/edge.ts',
    'functions/reader/read.ts',
    'functions/commons/observability.ts',
    'functions/commons/limits.ts',
    'functions/contract/routes.ts',
  ]) {
    write(leaf, []);
  }
  const cases: readonly (readonly [rule: string, file: string, target: string])[] = [
    ['production-apart-from-tooling', 'functions/uses-local.ts', './../local/server.js'],
    ['production-apart-from-tooling', 'infra/uses-test.ts', '../test/support/http.js'],
    ['production-apart-from-scripts', 'infra/construct.ts', '../scripts/build-bundles.js'],
    ['local-apart-from-tests', 'local/uses-test.ts', '../test/support/http.js'],
    ['functions-apart-from-infra', 'functions/commons/uses-infra.ts', '../../infra/stack.js'],
    ['entries-are-leaves', 'functions/domain/uses-entry.ts', '../finish-session.js'],
    ['contract-stands-alone', 'functions/contract/uses-commons.ts', '../commons/limits.js'],
    ['commons-below-the-work', 'functions/commons/uses-domain.ts', '../domain/work.js'],
    ['domain-owns-its-ports', 'functions/domain/uses-adapter.ts', '../adapters/store.js'],
    ['adapters-below-the-edge', 'functions/adapters/uses-edge.ts', '../http/edge.js'],
    ['edge-without-adapters', 'functions/http/uses-adapter.ts', '../adapters/store.js'],
    ['infra-takes-constants-only', 'infra/uses-observability.ts', '../functions/commons/observability.js'],
    ['client-takes-contract-and-reader', 'client/uses-domain.ts', '../functions/domain/work.js'],
  ];
  for (const [, file, target] of cases) write(file, [target]);
  // A cycle of two modules, through a type import.
  writeFileSync(join(fixture, 'local/a.ts'), "import type { B } from './b.js';\nexport type A = B | 1;\n");
  writeFileSync(join(fixture, 'local/b.ts'), "import type { A } from './a.js';\nexport type B = A | 2;\n");

  const summary = cruise(fixture, ['functions', 'infra', 'client', 'local', 'scripts']);
  const broken = summary.violations.map(({ rule, from }) => `${rule.name} ${from}`);

  it.each(cases)('%s bites %s', (rule, file) => {
    expect(broken).toContain(`${rule} ${file}`);
  });

  it('no-cycles bites a cycle made of type imports', () => {
    // dependency-cruiser reports a cycle once, from the module it met first.
    expect(broken.filter((line) => line.startsWith('no-cycles '))).toEqual([
      expect.stringMatching(/^no-cycles local\/[ab]\.ts$/),
    ]);
  });

  it('nothing else is reported: the allowed imports of the fixture pass', () => {
    expect(summary.violations).toHaveLength(cases.length + 1);
  });
});
