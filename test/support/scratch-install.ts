/**
 * Installs the package's `npm pack` tarball into a scratch project outside the repository, as npm
 * would, without the network: the tarball is unpacked into `node_modules/<name>`, and each
 * dependency its package.json declares (and the scratch project's own) is linked from this
 * repository's `node_modules`, with everything those depend on, resolved through
 * package-lock.json as Node.js resolves modules. Nothing else is linked: a dependency the package
 * uses without declaring it fails to load in the scratch project.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

interface LockPackage {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** The lock file's packages, by their path under the repository (`node_modules/a/node_modules/b`). */
function lockPackages(): Record<string, LockPackage> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };
  return lock.packages;
}

/** Where Node.js finds `name` from the package at `from`: its own node_modules, then each one above. */
function resolveFrom(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

/** Every top-level package (`node_modules/<name>`) that `names` need, themselves included. */
export function closureOf(names: readonly string[]): string[] {
  const packages = lockPackages();
  const seen = new Set<string>();
  const pending = names.map((name) => {
    const path = resolveFrom(packages, '', name);
    if (path === undefined) throw new Error(`${name} is not installed in this repository`);
    return path;
  });
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path] ?? {};
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = resolveFrom(packages, path, dependency);
      if (found !== undefined) pending.push(found);
    }
  }
  // Nested packages come with the top-level folder that holds them.
  return [...new Set([...seen].map((path) => path.split('/node_modules/')[0] as string))].sort();
}

/**
 * Unpacks `tarball` into `<project>/node_modules/<its name>` and links what it and `alsoInstall`
 * need; answers the package's name.
 */
export function installTarball(tarball: string, project: string, alsoInstall: readonly string[] = []): string {
  const unpacked = join(project, '.unpacked');
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  const manifest = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as {
    name: string;
    dependencies?: Record<string, string>;
  };
  const target = join(project, 'node_modules', manifest.name);
  mkdirSync(dirname(target), { recursive: true });
  execFileSync('mv', [join(unpacked, 'package'), target]);
  for (const path of closureOf([...Object.keys(manifest.dependencies ?? {}), ...alsoInstall])) {
    const link = join(project, path);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, path), link, 'dir');
  }
  return manifest.name;
}

/**
 * Packs the repository into `directory`: `npm run build` (the bundles and the JavaScript, what
 * `npm pack`'s prepack runs), then `npm pack` itself, whose JSON answer then holds nothing else.
 */
export function packRepository(directory: string): string {
  const run = (args: string[]) =>
    execFileSync('npm', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
  run(['run', 'build']);
  const output = run(['pack', '--ignore-scripts', '--json', '--pack-destination', directory]);
  const [packed] = JSON.parse(output) as { filename: string }[];
  if (packed === undefined) throw new Error('npm pack answered no tarball');
  return join(directory, packed.filename);
}
