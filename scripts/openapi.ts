/**
 * `npm run openapi`: rewrites docs/openapi.json from the zod schemas (local/openapi.ts).
 * `npm run openapi -- --check` only reports whether it is current (exit code 1 when not).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument, openApiText } from '../local/openapi.js';

const path = new URL('../docs/openapi.json', import.meta.url);
const text = openApiText();
if (process.argv.includes('--check')) {
  // Compared as JSON: the formatter may lay the committed file out its own way.
  let current: unknown;
  try {
    current = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // Missing or broken: not current.
  }
  if (JSON.stringify(current) !== JSON.stringify(buildOpenApiDocument())) {
    process.stderr.write('docs/openapi.json is out of date: run npm run openapi\n');
    process.exit(1);
  }
} else {
  writeFileSync(path, text);
  process.stdout.write('wrote docs/openapi.json\n');
}
