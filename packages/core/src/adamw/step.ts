import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { assertCanStep, assertFloatArray, assertNoOverlap, assertSameShape, firstNonFinite, writeStep } from '../validate.js';
import { resolveAdamWOptions, type ResolvedAdamWOptions } from './options.js';
import { planAdamWStep } from './plan.js';
import { firstNonFiniteResult, nonFinitePlanScalar } from './result-check.js';
import { adamwAutoKernel, type AdamWKernel } from '../simd/select.js';
import { createWasmMoments } from '../simd/kernel.js';

/** The arrays a step only reads (the overlap check probes shared memory through the others). */
const READ_ONLY: readonly string[] = ['grads'];

function zerosLike<T extends FloatArray>(a: T): T {
  return new (a.constructor as new (n: number) => T)(a.length);
}

function copyOf<T extends FloatArray>(a: T): T {
  return a.slice() as T;
}

/**
 * A fresh AdamW state for `params`: step 0 and zero moments of the same type
 * and length (plus `vMax` when `options.amsgrad`).
 *
 * For parameters of 256 KiB and more, where WebAssembly SIMD runs, the
 * moments are views on a WebAssembly memory that the state owns (one per
 * state, which never grows): steps update them where they are and copy only
 * the parameters and gradients through that memory. They are ordinary
 * typed arrays to everything else (the codec, structured clone, `slice`).
 *
 * @example
 * ```ts
 * const params = new Float32Array([0.5, -1]);
 * const state = initAdamW(params);            // { step: 0, m: [0, 0], v: [0, 0] }
 * ```
 */
export function initAdamW<T extends FloatArray>(params: T, options: AdamWOptions = {}): AdamWState<T> {
  assertFloatArray(params, 'params');
  const o = resolveAdamWOptions(options);
  const count = o.amsgrad ? 3 : 2;
  const moments = createWasmMoments(params, count) ?? Array.from({ length: count }, () => zerosLike(params));
  const state: AdamWState<T> = { step: 0, m: moments[0]!, v: moments[1]! };
  if (o.amsgrad) state.vMax = moments[2]!;
  return state;
}

/**
 * Checks everything a step reads, before anything is written. Returns the
 * resolved options, or `undefined` when the step must be skipped
 * (`nonFinite: 'skip'` and a gradient, or with `nonFiniteCheck: 'result'` a
 * new value, that is NaN or ±Infinity).
 */
export function checkAdamWStep(params: FloatArray, grads: FloatArray, state: AdamWState, options: AdamWOptions): ResolvedAdamWOptions | undefined {
  // Options first, each read once: a getter among them runs before any array
  // is checked, so it cannot resize or detach one after its check.
  const o = resolveAdamWOptions(options);
  assertFloatArray(params, 'params');
  assertSameShape(grads, 'grads', params, 'params');
  if (state === null || typeof state !== 'object') {
    throw new TypeError(`state must be an AdamW state object, got ${state === null ? 'null' : typeof state}`);
  }
  assertCanStep(state.step, 'state.step');
  assertSameShape(state.m, 'state.m', params, 'params');
  assertSameShape(state.v, 'state.v', params, 'params');
  if (o.amsgrad) {
    if (state.vMax === undefined) {
      throw new TypeError('options.amsgrad is true but state.vMax is missing; create the state with initAdamW(params, { amsgrad: true })');
    }
    assertSameShape(state.vMax, 'state.vMax', params, 'params');
  }
  const vMax = o.amsgrad ? state.vMax : undefined;
  assertNoOverlap({ params, grads, 'state.m': state.m, 'state.v': state.v, 'state.vMax': vMax }, READ_ONLY);
  if (o.nonFinite !== 'propagate') {
    const plan = planAdamWStep(o, state.step + 1);
    const scalar = nonFinitePlanScalar(o, plan, params instanceof Float32Array);
    if (scalar !== undefined) {
      // A configuration error, not a bad batch: skipping would skip every step.
      throw new RangeError(`${scalar}: the step would make every parameter non-finite; nonFinite: '${o.nonFinite}' leaves params and state unchanged`);
    }
    const bad = firstNonFinite(grads);
    if (bad >= 0) {
      if (o.nonFinite === 'throw') {
        throw new RangeError(`grads[${bad}] is ${grads[bad]}; nonFinite: 'throw' leaves params and state unchanged`);
      }
      return undefined;
    }
    if (o.nonFiniteCheck === 'result') {
      const found = firstNonFiniteResult(adamwAutoKernel, plan, params, grads, state, vMax);
      if (found !== undefined) {
        if (o.nonFinite === 'throw') {
          throw new RangeError(`the step would make ${found.array}[${found.index}] ${found.value}; nonFinite: 'throw' leaves params and state unchanged`);
        }
        return undefined;
      }
    }
  }
  return o;
}

/**
 * One AdamW step that updates `params` and `state` in place and allocates
 * nothing. All checks run first: when one throws, nothing has been written.
 *
 * The update is the one written out on {@link AdamWOptions}, for
 * t = state.step + 1.
 *
 * @throws RangeError for lengths that differ, options out of range, arrays
 *   that share memory, a state at step 2^53 − 1, or a non-finite gradient
 *   (or result, with `nonFiniteCheck: 'result'`) under `nonFinite: 'throw'`.
 * @throws TypeError for mixed Float32/Float64 arrays, detached arrays, options
 *   of the wrong type, unknown or inherited, or a state whose `step` cannot be
 *   written (a frozen state).
 */
export function adamwStepInPlace<T extends FloatArray>(params: T, grads: T, state: AdamWState<T>, options: AdamWOptions = {}): void {
  const o = checkAdamWStep(params, grads, state, options);
  if (o !== undefined) applyAdamWStep(o, params, grads, state);
}

/**
 * Runs the kernel on arrays that {@link checkAdamWStep} has accepted and
 * advances the step count. The one place that chooses the kernel: the
 * WebAssembly SIMD loop where the engine has it, else the reference loop
 * (both compute the same bits); `kernel` overrides the choice.
 * @internal
 */
export function applyAdamWStep(o: ResolvedAdamWOptions, params: FloatArray, grads: FloatArray, state: AdamWState, kernel: AdamWKernel = adamwAutoKernel): void {
  const t = state.step + 1;
  // The count first: a state whose step cannot be written throws while no array has been.
  writeStep(state, t);
  kernel(planAdamWStep(o, t), params, grads, state.m, state.v, o.amsgrad ? state.vMax : undefined);
}

/**
 * One AdamW step as a pure function: `params`, `grads` and `state` are left
 * untouched and new arrays are returned. Computes bit for bit what
 * {@link adamwStepInPlace} computes.
 *
 * @example
 * ```ts
 * let params = new Float64Array([1, 2, 3]);
 * let state = initAdamW(params);
 * ({ params, state } = adamwStep(params, new Float64Array([0.1, -0.2, 0.3]), state, { lr: 1e-2 }));
 * ```
 */
export function adamwStep<T extends FloatArray>(params: T, grads: T, state: AdamWState<T>, options: AdamWOptions = {}): { params: T; state: AdamWState<T> } {
  const o = checkAdamWStep(params, grads, state, options);
  const next: AdamWState<T> = { step: state.step, m: copyOf(state.m), v: copyOf(state.v) };
  if (state.vMax !== undefined) next.vMax = copyOf(state.vMax);
  const out = copyOf(params);
  if (o !== undefined) applyAdamWStep(o, out, grads, next);
  return { params: out, state: next };
}
