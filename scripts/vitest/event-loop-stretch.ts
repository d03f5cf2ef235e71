// A vitest setup file for every package: measures the longest stretch during
// which each test file kept its worker's event loop blocked. vitest's worker
// talks to the main process over RPC with a fixed 60 s timeout, so one
// synchronous stretch that long on a busy machine fails the whole run with
// `Timeout calling "onTaskUpdate"`. The figures are appended to
// `.vitest-loop-stretch.jsonl` in the package folder; scripts/test-summary.mjs
// reports the longest.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

// A 10 ms interval runs whenever the loop is free; the largest gap between two
// runs (or between the last run and the end of the file) is the longest stretch.
let last = performance.now();
let longest = 0;
/** The test running when the longest stretch ended ('' between tests). */
let current = '';
let longestIn = '';
function tick(): void {
  const now = performance.now();
  if (now - last > longest) {
    longest = now - last;
    longestIn = current;
  }
  last = now;
}
let timer: ReturnType<typeof setInterval> | undefined;
let file = '';

beforeAll((suite) => {
  file = relative(process.cwd(), (suite as { filepath?: string }).filepath ?? suite.name);
  last = performance.now();
  timer = setInterval(tick, 10);
  timer.unref();
});

beforeEach((context) => {
  tick();
  current = context.task.name;
});

afterEach(() => {
  tick();
  current = '';
});

afterAll(() => {
  tick();
  clearInterval(timer);
  appendFileSync('.vitest-loop-stretch.jsonl', `${JSON.stringify({ file, longestMs: Math.round(longest), test: longestIn })}\n`);
});
