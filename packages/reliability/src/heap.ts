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

/**
 * Heap growth across steps. The first windows of a run grow the heap for
 * reasons that are not leaks (compiled code, inline caches, pools that fill
 * once), so `step` runs `warmup` times, then a first window of `count` steps
 * (`firstWindow`), then three more. A leak grows every window alike; a
 * warm-up effect does not, and neither does what else the process keeps or
 * frees meanwhile, which moves one window's figure either way (by +122 KB
 * and −147 KB in windows of 3,000 steps that leaked nothing, the first with
 * tfjs on a machine with a load of 16): `total` is the median growth of the
 * last three windows, after a full collection each. `rss` is the smaller
 * growth of the process's resident memory over the second and third window:
 * V8 enlarges its heap spaces once, at a moment that depends on the
 * machine's load (about 14 MB, whether the code leaks or not), while a leak
 * grows every window.
 */
export async function heapGrowthPerStep(
  step: () => unknown,
  warmup: number,
  count: number,
): Promise<{ perStep: number; total: number; firstWindow: number; rss: number }> {
  await repeat(step, warmup);
  const h0 = heapAfterGc();
  await repeat(step, count);
  const heaps = [heapAfterGc()];
  // The resident set also counts native memory (ONNX Runtime's, tfjs backends'), which the heap does not.
  const rss = [process.memoryUsage().rss];
  for (let w = 0; w < 3; w++) {
    await repeat(step, count);
    heaps.push(heapAfterGc());
    rss.push(process.memoryUsage().rss);
  }
  const growths = [heaps[1]! - heaps[0]!, heaps[2]! - heaps[1]!, heaps[3]! - heaps[2]!].sort((a, b) => a - b);
  const total = growths[1]!;
  return { perStep: total / count, total, firstWindow: heaps[0]! - h0, rss: Math.min(rss[1]! - rss[0]!, rss[2]! - rss[1]!) };
}
