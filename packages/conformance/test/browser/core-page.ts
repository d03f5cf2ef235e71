// @adamw/core's float32 step in Chromium, bundled from its main entry as an
// application bundles it: which fused multiply-add the SIMD kernel runs there,
// and its bits against the reference loop on the same page.
import {
  adamwReferenceKernel,
  adamwSimdKernel,
  adamwStepInPlaceWith,
  initAdamW,
  planAdamWStep,
  resolveAdamWOptions,
  simdFusedMultiplyAdd,
  type AdamWOptions,
} from '@adamw/core';
import { expose } from '../../src/browser/in-page';

/** Runs the m line, FMA(1−β₁, g, m) with β₁ = 1, on every lane with both kernels. */
function mLine(input: { a: number; b: number[]; c: number[] }) {
  const plan = { ...planAdamWStep(resolveAdamWOptions({}), 1), beta1: 1, oneMinusBeta1: input.a };
  const run = (kernel: typeof adamwSimdKernel) => {
    const n = input.b.length;
    const p = new Float32Array(n).fill(0.5);
    const m = Float32Array.from(input.c);
    kernel(plan, p, Float32Array.from(input.b), m, new Float32Array(n).fill(0.25), undefined);
    return { p: Array.from(p), m: Array.from(m) };
  };
  return { simd: run(adamwSimdKernel), scalar: run(adamwReferenceKernel) };
}

/** Three steps on 2^16 + 3 seeded elements with the SIMD and the scalar loop; the first index whose bits differ, or −1. */
function steps(input: { options: AdamWOptions; seed: number }) {
  const n = 65536 + 3;
  const run = (kernel: 'simd' | 'scalar') => {
    let s = input.seed >>> 0 || 1;
    const next = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const value = (scale: number) => (next() - 0.5) * scale * 10 ** (4 * next() - 2);
    const params = Float32Array.from({ length: n }, () => value(1));
    const state = initAdamW(params, input.options);
    const grads = new Float32Array(n);
    for (let t = 0; t < 3; t++) {
      for (let i = 0; i < n; i++) grads[i] = value(0.1);
      adamwStepInPlaceWith(kernel, params, grads, state, input.options);
    }
    return [params, state.m, state.v, state.vMax ?? new Float32Array(0)];
  };
  const simd = run('simd');
  const scalar = run('scalar');
  for (let k = 0; k < simd.length; k++) {
    const a = new Uint32Array(simd[k]!.buffer, simd[k]!.byteOffset, simd[k]!.length);
    const b = new Uint32Array(scalar[k]!.buffer, scalar[k]!.byteOffset, scalar[k]!.length);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return { array: k, index: i };
  }
  return { array: -1, index: -1 };
}

export const api = expose({
  fusedMultiplyAdd: () => simdFusedMultiplyAdd() ?? 'none',
  mLine,
  steps,
});

export type CorePageApi = typeof api;
