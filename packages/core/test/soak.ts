// A long run of the AdamW step: the in-place step, the pure step, a run that
// is checkpointed through the codec and resumed, and (for float64) an
// independent transcription of torch's update, in lockstep. At every
// checkpoint the first three must agree bit for bit and stay finite, and the
// transcription, which divides where the library multiplies by a reciprocal
// (src/adamw/reference-kernel.ts), must agree to 1e-10 relative, the float64 tolerance
// of the conformance suite.
//
// `pnpm test:soak` runs 10^6 steps; soak.test.ts runs a shorter soak in the
// normal test run.
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loopYielding } from '@adamw/test-utils';
import {
  adamwStep,
  adamwStepInPlace,
  cosineWarmRestarts,
  deserializeAdamWState,
  initAdamW,
  serializeAdamWState,
  type AdamWState,
  type FloatArray,
} from '../src/index.js';

/** Hyperparameters of the soak: torch's defaults plus AMSGrad and a restarting schedule. */
export const SOAK_OPTIONS = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, amsgrad: true } as const;

/** A deterministic gradient stream: bounded, mean-reverting noise plus a pull towards a target. */
export function gradientAt(step: number, i: number, theta: number): number {
  // An integer hash of (step, i) gives noise in [-1, 1) without any state.
  let h = Math.imul(step ^ Math.imul(i + 1, 0x9e3779b1), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  const noise = (h >>> 0) / 2 ** 31 - 1;
  return 0.5 * noise + 0.1 * (theta - Math.sin(i));
}

/**
 * torch.optim.AdamW(amsgrad=True) for one float64 element, written from the
 * formulas of torch's documentation, with η scaling the learning rate.
 */
export function torchAdamW64(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, vMax: Float64Array, t: number, eta: number): void {
  const { lr, beta1, beta2, eps, weightDecay } = SOAK_OPTIONS;
  const alpha = lr * eta;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    p[i] = p[i]! * (1 - alpha * weightDecay);
    m[i] = m[i]! * beta1 + (1 - beta1) * g[i]!;
    v[i] = v[i]! * beta2 + (1 - beta2) * g[i]! * g[i]!;
    vMax[i] = Math.max(vMax[i]!, v[i]!);
    const denom = Math.sqrt(vMax[i]!) / Math.sqrt(bc2) + eps;
    p[i] = p[i]! + (-(alpha / bc1) * m[i]!) / denom;
  }
}

/** The largest |a − b| / max(|b|, 1e-300) over two arrays. */
export function maxRelativeDifference(a: FloatArray, b: FloatArray): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-300));
  return worst;
}

/** Bits of an array, for exact comparison. */
function sameBits(a: FloatArray, b: FloatArray): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((byte, k) => byte === y[k]);
}

/** A garbage collector to call before reading the heap size, when the runtime lets us have one. */
export function exposeGc(): (() => void) | undefined {
  const global = globalThis as { gc?: () => void };
  if (typeof global.gc === 'function') return global.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export interface SoakOptions {
  steps: number;
  /** Compare all runs every this many steps. */
  checkEvery: number;
  /** Length of the arrays. */
  n?: number;
  dtype: 'float32' | 'float64';
}

export interface SoakReport {
  steps: number;
  dtype: 'float32' | 'float64';
  checkpoints: number;
  /** Largest |θ| seen at a checkpoint. */
  maxAbsParam: number;
  /** Heap growth in bytes from the first checkpoint to the last (with a GC before each reading), when measurable. */
  heapGrowth?: number;
  /** float64: the largest relative difference from the transcription of torch's update. */
  torchDifference?: number;
  seconds: number;
}

/**
 * Runs `steps` AdamW steps four ways in lockstep and throws at the first
 * checkpoint where they disagree, or where anything is not finite.
 */
export async function runSoak({ steps, checkEvery, n = 16, dtype }: SoakOptions): Promise<SoakReport> {
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  const schedule = cosineWarmRestarts({ period: 5000, periodMultiplier: 2, min: 0.1 });
  const start: FloatArray = Ctor.from(Array.from({ length: n }, (_, i) => Math.cos(i)));
  const inPlace = start.slice();
  const inPlaceState = initAdamW(inPlace, SOAK_OPTIONS);
  type Run = { params: FloatArray; state: AdamWState<FloatArray> };
  let pure: Run = { params: start.slice(), state: initAdamW(start, SOAK_OPTIONS) };
  let resumed: Run = { params: start.slice(), state: initAdamW(start, SOAK_OPTIONS) };
  const ref = { p: Float64Array.from(start), m: new Float64Array(n), v: new Float64Array(n), vMax: new Float64Array(n) };
  const grads: FloatArray = new Ctor(n);
  const gc = exposeGc();
  let heapAtFirst: number | undefined;
  let heapGrowth: number | undefined;
  let checkpoints = 0;
  let maxAbsParam = 0;
  let torchDifference = 0;
  const began = performance.now();

  await loopYielding(steps, (k) => {
    const t = k + 1;
    for (let i = 0; i < n; i++) grads[i] = gradientAt(t, i, inPlace[i]!);
    const options = { ...SOAK_OPTIONS, scheduleMultiplier: schedule(t - 1) };
    adamwStepInPlace(inPlace, grads, inPlaceState, options);
    pure = adamwStep(pure.params, grads, pure.state, options);
    adamwStepInPlace(resumed.params, grads, resumed.state, options);
    if (dtype === 'float64') torchAdamW64(ref.p, grads as Float64Array, ref.m, ref.v, ref.vMax, t, options.scheduleMultiplier);

    if (t % checkEvery !== 0 && t !== steps) return;
    checkpoints++;
    const where = `${dtype} soak, step ${t}`;
    if (inPlaceState.step !== t || pure.state.step !== t || resumed.state.step !== t) {
      throw new Error(`${where}: step counters ${inPlaceState.step}, ${pure.state.step}, ${resumed.state.step}`);
    }
    for (const [name, a, b] of [
      ['params (pure)', inPlace, pure.params],
      ['m (pure)', inPlaceState.m, pure.state.m],
      ['v (pure)', inPlaceState.v, pure.state.v],
      ['vMax (pure)', inPlaceState.vMax!, pure.state.vMax!],
      ['params (resumed)', inPlace, resumed.params],
      ['vMax (resumed)', inPlaceState.vMax!, resumed.state.vMax!],
    ] as const) {
      if (!sameBits(a, b)) throw new Error(`${where}: ${name} differs from the in-place run`);
    }
    if (dtype === 'float64') {
      const worst = Math.max(
        maxRelativeDifference(inPlace, ref.p),
        maxRelativeDifference(inPlaceState.m, ref.m),
        maxRelativeDifference(inPlaceState.vMax!, ref.vMax),
      );
      torchDifference = Math.max(torchDifference, worst);
      if (!(worst <= 1e-10)) {
        throw new Error(`${where}: the float64 run differs from the transcription of torch's update by ${worst} relative`);
      }
    }
    for (const x of [...inPlace, ...inPlaceState.m, ...inPlaceState.v]) {
      if (!Number.isFinite(x)) throw new Error(`${where}: a value is not finite`);
      maxAbsParam = Math.max(maxAbsParam, Math.abs(x));
    }
    // Continue the third run from its state written to bytes and read back.
    resumed = { params: resumed.params, state: deserializeAdamWState(serializeAdamWState(resumed.state)) };
    if (gc) {
      gc();
      const heap = process.memoryUsage().heapUsed;
      if (heapAtFirst === undefined) heapAtFirst = heap;
      else heapGrowth = heap - heapAtFirst;
    }
  });
  const report: SoakReport = { steps, dtype, checkpoints, maxAbsParam, seconds: (performance.now() - began) / 1000 };
  if (heapGrowth !== undefined) report.heapGrowth = heapGrowth;
  if (dtype === 'float64') report.torchDifference = torchDifference;
  return report;
}

// `tsx packages/core/test/soak.ts --steps 1000000 [--check-every 10000]`
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const usage = 'usage: soak.ts [--steps N] [--check-every N]   (positive integers; default 1000000 and 10000)';
  let values: { steps?: string; 'check-every'?: string };
  try {
    ({ values } = parseArgs({ options: { steps: { type: 'string' }, 'check-every': { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const count = (name: 'steps' | 'check-every', fallback: number): number => {
    const text = values[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      console.error(`--${name} must be a positive integer, got '${text}'\n${usage}`);
      process.exit(2);
    }
    return value;
  };
  const steps = count('steps', 1_000_000);
  const checkEvery = count('check-every', 10_000);
  for (const dtype of ['float64', 'float32'] as const) {
    const r = await runSoak({ steps, checkEvery, dtype });
    const heap = r.heapGrowth === undefined ? 'heap not measured' : `heap growth ${(r.heapGrowth / 1024).toFixed(0)} KiB`;
    const torch = r.torchDifference === undefined ? '' : `, torch transcription within ${r.torchDifference.toExponential(1)}`;
    console.log(
      `${dtype}: ${r.steps} steps, ${r.checkpoints} checkpoints agree bit for bit${torch}, max |x| ${r.maxAbsParam.toFixed(3)}, ${heap}, ${r.seconds.toFixed(1)} s`,
    );
  }
}
