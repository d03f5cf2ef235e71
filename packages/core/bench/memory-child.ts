// Run in a child process by bench/run.ts, so that its peak resident set size
// (maxRSS) belongs to one scenario alone: allocate the arrays of an AdamW step
// on n parameters, run a few steps, print a JSON line with the figures.
//
//   tsx --conditions=@adamw/source bench/memory-child.ts <inPlace|arena|pure|parallel> <float32|float64> <n>
import { readFileSync } from 'node:fs';
import { adamwStep, adamwStepInPlace, createAdamWArena, initAdamW } from '../src/index.js';
import { createParallelAdamW } from '../src/parallel/index.js';

const [mode, dtype, nText] = process.argv.slice(2);
const n = Number(nText);
const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
const STEPS = 5;

// The resident set before the arrays exist (the runtime and the loaded modules).
const startBytes = process.memoryUsage.rss();
const fill = (a: Float32Array | Float64Array, scale: number) => {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i) * scale;
  return a;
};

if (mode === 'inPlace') {
  const params = fill(new Ctor(n), 1);
  const grads = fill(new Ctor(n), 0.1);
  const state = initAdamW(params);
  for (let s = 0; s < STEPS; s++) adamwStepInPlace(params, grads, state);
} else if (mode === 'arena') {
  const arena = createAdamWArena(4 * (n * Ctor.BYTES_PER_ELEMENT + 64));
  const params = fill(Ctor === Float32Array ? arena.float32(n) : arena.float64(n), 1);
  const grads = fill(Ctor === Float32Array ? arena.float32(n) : arena.float64(n), 0.1);
  const state = arena.initAdamW(params);
  for (let s = 0; s < STEPS; s++) adamwStepInPlace(params, grads, state);
} else if (mode === 'pure') {
  let params = fill(new Ctor(n), 1);
  const grads = fill(new Ctor(n), 0.1);
  let state = initAdamW(params);
  for (let s = 0; s < STEPS; s++) ({ params, state } = adamwStep(params, grads, state));
} else if (mode === 'parallel') {
  const pool = await createParallelAdamW();
  const params = fill(Ctor === Float32Array ? pool.float32(n) : pool.float64(n), 1);
  const grads = fill(Ctor === Float32Array ? pool.float32(n) : pool.float64(n), 0.1);
  const state = pool.initAdamW(params);
  for (let s = 0; s < STEPS; s++) pool.step(params, grads, state);
  await pool.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}

/**
 * Peak resident set size of this process in KiB. On Linux, VmHWM of this
 * process image: getrusage's maxRSS would start from the parent's peak,
 * which a spawned child inherits.
 */
function peakRssKiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const peakKiB = peakRssKiB();
// params, grads, m and v; the pure step also holds the previous step's params, m and v.
const arrayBytes = 4 * n * Ctor.BYTES_PER_ELEMENT;
process.stdout.write(
  `${JSON.stringify({ mode, dtype, n, steps: STEPS, startMiB: startBytes / 2 ** 20, peakMiB: peakKiB / 1024, arraysMiB: arrayBytes / 2 ** 20 })}\n`,
);
