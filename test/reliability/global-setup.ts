/**
 * Global setup of the `reliability` project: starts each run with an empty
 * results folder, and after the run prints the summary (requests tried,
 * faults injected, load held, records lost, leaks found) and writes it to
 * `test-results/reliability-summary.json`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  formatReliabilitySummary,
  RELIABILITY_PARTS_DIR,
  RELIABILITY_RESULTS_DIR,
  RELIABILITY_SUMMARY_FILE,
  readReliabilityParts,
  summarizeReliability,
} from '../support/reliability-summary.js';

/** Clears the previous run's results. */
export function setup(): void {
  rmSync(RELIABILITY_RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RELIABILITY_PARTS_DIR, { recursive: true });
}

/** Adds up the parts the test files left, prints the summary and writes it. */
export function teardown(): void {
  const parts = readReliabilityParts();
  if (parts.length === 0) return;
  const summary = summarizeReliability(parts);
  mkdirSync(dirname(RELIABILITY_SUMMARY_FILE), { recursive: true });
  writeFileSync(RELIABILITY_SUMMARY_FILE, `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`\n${formatReliabilitySummary(summary)}\n  (written to ${RELIABILITY_SUMMARY_FILE})\n\n`);
}
