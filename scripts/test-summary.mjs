#!/usr/bin/env node
// Sums the JSON reports that every package's vitest run writes (.vitest-report.json)
// and prints one closing line: "N passed, N failed" (", N skipped" when any were).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let passed = 0;
let failed = 0;
let skipped = 0;
let reports = 0;
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const file = join(root, group, name, '.vitest-report.json');
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    reports++;
    passed += report.numPassedTests;
    // A test file that fails to load, or whose hook fails (its tests are then skipped), has no failed
    // test of its own: count it as one failure.
    const brokenFiles = (report.testResults ?? []).filter(
      (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
    ).length;
    failed += report.numFailedTests + brokenFiles;
    skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  }
}
if (reports === 0) {
  console.error('no test reports found (.vitest-report.json)');
  process.exit(1);
}
// The longest synchronous stretch of any test file (written by scripts/vitest/event-loop-stretch.ts).
let longest = { longestMs: -1, file: '' };
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const file = join(root, group, name, '.vitest-loop-stretch.jsonl');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const row = JSON.parse(line);
      if (row.longestMs > longest.longestMs) longest = { longestMs: row.longestMs, file: `${group}/${name}/${row.file}${row.test ? ` > ${row.test}` : ''}` };
    }
  }
}
if (longest.longestMs >= 0) console.error(`longest synchronous stretch of a test file: ${(longest.longestMs / 1000).toFixed(1)} s (${longest.file})`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
