import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The garbage collector, obtained at run time (no `--expose-gc` flag needed). */
export function gc(): () => void {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc;
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  return collect;
}

/** Heap bytes in use after a full collection (twice, so finalizers' garbage goes too). */
export function heapAfterGc(): number {
  const collect = gc();
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap growth across steps. The first windows of a run grow the heap for
 * reasons that are not leaks (compiled code, inline caches, pools that fill
 * once), so `step` runs `warmup` times, then two windows of `count` steps
 * each, and the growth of the second window is what counts: a leak grows
 * both windows alike, a warm-up effect does not. `rss` is the smaller growth
 * of the process's resident memory over the second and a third window: V8
 * enlarges its heap spaces once, at a moment that depends on the machine's
 * load (about 14 MB, whether the code leaks or not), while a leak grows every
 * window.
 */
/**
 * Runs `step` `count` times, letting the event loop turn every 50 ms: a
 * window of thousands of synchronous steps would otherwise hold the test
 * worker for tens of seconds on a loaded machine, and vitest's messages to it
 * would time out.
 */
async function repeat(step: () => unknown, count: number): Promise<void> {
  let turned = performance.now();
  for (let i = 0; i < count; i++) {
    await step();
    if (performance.now() - turned > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      turned = performance.now();
    }
  }
}

export async function heapGrowthPerStep(
  step: () => unknown,
  warmup: number,
  count: number,
): Promise<{ perStep: number; total: number; firstWindow: number; rss: number }> {
  await repeat(step, warmup);
  const h0 = heapAfterGc();
  await repeat(step, count);
  const h1 = heapAfterGc();
  const rss1 = process.memoryUsage().rss;
  await repeat(step, count);
  const total = heapAfterGc() - h1;
  // The resident set also counts native memory (ONNX Runtime's, tfjs backends'), which the heap does not.
  const rss2 = process.memoryUsage().rss;
  await repeat(step, count);
  const rss = Math.min(rss2 - rss1, process.memoryUsage().rss - rss2);
  return { perStep: total / count, total, firstWindow: h1 - h0, rss };
}
