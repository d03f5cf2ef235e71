import { performance } from 'node:perf_hooks';

/** Lets the event loop run (timers, the test runner's messages) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `body(i)` for i = 0 … n−1 and lets the event loop run whenever
 * `budgetMs` of synchronous work have passed. vitest's worker answers its
 * runner over RPC with a fixed timeout: a test that computes for tens of
 * seconds on a busy machine would fail the whole run, however correct.
 */
export async function loopYielding(n: number, body: (i: number) => void, budgetMs = 100): Promise<void> {
  let since = performance.now();
  for (let i = 0; i < n; i++) {
    body(i);
    if (performance.now() - since > budgetMs) {
      await yieldToEventLoop();
      since = performance.now();
    }
  }
}
