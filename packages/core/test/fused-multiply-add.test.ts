// The float32 loop's fused multiply-adds (m, v and the L2 mode's g + λθ) in
// both builds of the WebAssembly module: with relaxed SIMD's
// f32x4.relaxed_madd, and emulated in float64. Both must give the bits of a
// hardware float32 FMA, as torch's vectorised kernels compute them, also on
// the rare sums that rounding through float64 gets wrong.
//
// Node ≥ 22 has relaxed SIMD by default; Node 20 has it behind a V8 flag,
// set here before the first module is compiled (the kernel decides which
// module it runs on first use, and each test file runs in a process of its own).
import { firstDifference, halfwayLanes, lcg } from '@adamw/test-utils';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adamwReferenceKernel,
  adamwStepInPlace,
  adamwStepInPlaceWith,
  createAdamWArena,
  initAdamW,
  type AdamWOptions,
  type AdamWPlan,
  type FloatArray,
} from '../src/index.js';
import { createParallelAdamW, type ParallelAdamW } from '../src/parallel/index.js';
import { ADAMW_FMA_SHARED_WASM_BASE64, ADAMW_FMA_WASM_BASE64, ADAMW_SHARED_WASM_BASE64, ADAMW_WASM_BASE64 } from '../src/simd/adamw-wasm.js';
import { createSimdContext, runSimdChunks, SIMD_PLAN_BYTES, writeSimdPlan } from '../src/simd/driver.js';
import { decodeBase64, simdFusedMultiplyAdd, WASM_MOMENTS_MIN_BYTES } from '../src/simd/kernel.js';
import { exactFmaf32 } from './fma-cases.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const BUILDS = { emulated: ADAMW_WASM_BASE64, relaxed: ADAMW_FMA_WASM_BASE64 } as const;

/** Runs one step of a build's float32 kernel with `plan` on copies of the arrays, through the driver's chunked copies. */
function runBuild(build: keyof typeof BUILDS, plan: AdamWPlan, arrays: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array }) {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(BUILDS[build])), { env: { memory } });
  const ctx = createSimdContext(instance, memory, 4096, SIMD_PLAN_BYTES);
  const out = { p: arrays.p.slice(), g: arrays.g.slice(), m: arrays.m.slice(), v: arrays.v.slice() };
  writeSimdPlan(ctx, plan, true, false);
  runSimdChunks(ctx, out.p, out.g, out.m, out.v, undefined, 0, out.p.length);
  return out;
}

function runReference(plan: AdamWPlan, arrays: { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array }) {
  const out = { p: arrays.p.slice(), g: arrays.g.slice(), m: arrays.m.slice(), v: arrays.v.slice() };
  adamwReferenceKernel(plan, out.p, out.g, out.m, out.v, undefined);
  return out;
}

const PLAN: AdamWPlan = {
  sign: 1,
  l2: 0,
  keepBefore: 1,
  keepAfter: 1,
  beta1: 0.9,
  oneMinusBeta1: 0.1,
  beta2: 0.999,
  oneMinusBeta2: 0.001,
  amsDivisor: 1,
  vDivisor: 1,
  epsRoot: 0,
  sqrtDivisor: 1,
  eps: 1e-8,
  stepSize: 1e-3,
};

describe('the float32 fused multiply-add, in both builds of the module', () => {
  it('each build is under the 4 KiB that browsers compile synchronously on the main thread', () => {
    for (const base64 of [ADAMW_WASM_BASE64, ADAMW_SHARED_WASM_BASE64, ADAMW_FMA_WASM_BASE64, ADAMW_FMA_SHARED_WASM_BASE64]) {
      expect(decodeBase64(base64).length).toBeLessThan(4096);
    }
  });

  it('here the kernel runs the relaxed build: relaxed SIMD is on and its multiply-add is fused on this processor', () => {
    expect(simdFusedMultiplyAdd()).toBe('relaxed');
  });

  const cases = halfwayLanes(4096, 20261203);
  const doubleRoundedWrong = Array.from(cases.b, (b, i) => Math.fround(cases.a * b + cases.c[i]!) !== exactFmaf32(cases.a, b, cases.c[i]!)).filter(
    Boolean,
  ).length;

  it('the crafted lanes are ones that rounding through float64 gets wrong', () => {
    // Half of them (d > 0 and an odd neighbour, or d < 0 and an even one) tie to the right side by luck.
    expect(doubleRoundedWrong).toBeGreaterThan(cases.b.length / 4);
  });

  for (const build of Object.keys(BUILDS) as (keyof typeof BUILDS)[]) {
    it(`${build}: m ← fround(m·β₁) + (1−β₁)·g is RN32 of the exact sum on every crafted lane, as in the reference`, () => {
      // β₁ = 1 makes fround(m·β₁) = m, so the line is FMA(1−β₁, g, m).
      const plan = { ...PLAN, beta1: 1, oneMinusBeta1: cases.a };
      const n = cases.b.length;
      const arrays = { p: new Float32Array(n).fill(0.5), g: cases.b, m: cases.c, v: new Float32Array(n).fill(0.25) };
      const got = runBuild(build, plan, arrays);
      const reference = runReference(plan, arrays);
      const exact = Float32Array.from(cases.b, (b, i) => exactFmaf32(cases.a, b, cases.c[i]!));
      expect(firstDifference(got.m, exact)).toBeUndefined();
      for (const key of ['p', 'g', 'm', 'v'] as const) expect(firstDifference(got[key], reference[key]), key).toBeUndefined();
    });

    it(`${build}: the L2 mode's g + λ·θ is RN32 of the exact sum on every crafted lane, as in the reference`, () => {
      // β₁ = 0 and 1−β₁ = 1 make m the decayed gradient itself.
      const plan = { ...PLAN, l2: cases.a, beta1: 0, oneMinusBeta1: 1 };
      const n = cases.b.length;
      const arrays = { p: cases.b, g: cases.c, m: new Float32Array(n).fill(0.125), v: new Float32Array(n).fill(0.25) };
      const got = runBuild(build, plan, arrays);
      const reference = runReference(plan, arrays);
      const exact = Float32Array.from(cases.b, (b, i) => exactFmaf32(cases.a, b, cases.c[i]!));
      expect(firstDifference(got.m, exact)).toBeUndefined();
      for (const key of ['p', 'g', 'm', 'v'] as const) expect(firstDifference(got[key], reference[key]), key).toBeUndefined();
    });
  }
});

describe('every path of the relaxed build computes the reference bits', () => {
  let pool: ParallelAdamW;
  beforeAll(async () => {
    pool = await createParallelAdamW({ workers: 2, minLengthPerThread: 64 });
  });
  afterAll(async () => {
    await pool.close();
  });

  const OPTIONS: AdamWOptions[] = [
    {},
    { amsgrad: true, maximize: true },
    { decay: 'l2', weightDecay: 0.3 },
    { convention: 'optax', amsgrad: true, epsRoot: 1e-30 },
    { convention: 'huggingface', lr: 0.1 },
  ];
  // Large enough for initAdamW to put the moments in WebAssembly memory.
  const n = WASM_MOMENTS_MIN_BYTES / 4 + 5;

  function start(seed: number): { params: Float32Array; grads: Float32Array[] } {
    const next = lcg(seed);
    const value = (scale: number) => (next() - 0.5) * scale * 10 ** (4 * next() - 2);
    const params = Float32Array.from({ length: n }, () => value(1));
    const grads = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => value(0.1)));
    return { params, grads };
  }

  type Where = 'scalar' | 'ordinary' | 'arena' | 'pool';
  function steps(where: Where, options: AdamWOptions, seed: number): { params: FloatArray; m: FloatArray; v: FloatArray; vMax?: FloatArray } {
    const { params: p0, grads } = start(seed);
    if (where === 'pool') {
      const params = pool.copyOf(p0);
      const state = pool.initAdamW(params, options);
      const g = pool.copyOf(grads[0]!);
      for (const grad of grads) {
        g.set(grad);
        pool.step(params, g, state, options);
      }
      return { params, ...state };
    }
    const arena = where === 'arena' ? createAdamWArena(6 * (4 * n + 64)) : undefined;
    const params = arena ? arena.copyOf(p0) : p0;
    const state = arena ? arena.initAdamW(params, options) : initAdamW(params, options);
    const g = arena ? arena.float32(n) : new Float32Array(n);
    for (const grad of grads) {
      g.set(grad);
      if (where === 'scalar') adamwStepInPlaceWith('scalar', params, g, state, options);
      else adamwStepInPlace(params, g, state, options);
    }
    return { params, ...state };
  }

  it.each(OPTIONS.map((options, k) => [JSON.stringify(options), options, k] as const))(
    '%s: ordinary arrays, initAdamW moments, an arena and a worker pool',
    (_, options, k) => {
      const reference = steps('scalar', options, k);
      for (const where of ['ordinary', 'arena', 'pool'] as const) {
        const got = steps(where, options, k);
        for (const key of ['params', 'm', 'v', 'vMax'] as const) {
          const b = reference[key];
          if (b !== undefined) expect(firstDifference(got[key]!, b), `${where} ${key}`).toBeUndefined();
        }
      }
    },
  );
});
