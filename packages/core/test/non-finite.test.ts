// Values torch accepts that wreck training (λ·lr > 1, ε = 0, lr·η overflowing)
// keep torch's arithmetic; `nonFinite: 'throw'` / `'skip'` can catch the
// non-finite results they produce, not only non-finite gradients, and then
// leave params and state exactly as they were.
import { describe, expect, it } from 'vitest';
import {
  adamwStep,
  adamwStepInPlace,
  adamwStepInPlaceWith,
  initAdamW,
  resolveAdamWOptions,
  type AdamWOptions,
  type AdamWState,
  type FloatArray,
} from '../src/index.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const copy = (a: FloatArray | undefined) => (a === undefined ? undefined : Array.from(a));
const snapshot = (params: FloatArray, state: AdamWState) => ({
  params: copy(params),
  step: state.step,
  m: copy(state.m),
  v: copy(state.v),
  vMax: copy(state.vMax),
});

function model(Ctor: Ctor, n: number, options: AdamWOptions = {}): { params: FloatArray; state: AdamWState; grads: FloatArray } {
  const params: FloatArray = new Ctor(n);
  const grads: FloatArray = new Ctor(n);
  for (let i = 0; i < n; i++) {
    params[i] = Math.sin(i + 1);
    grads[i] = 0.1 * Math.cos(i);
  }
  const state = initAdamW(params, options);
  return { params, state, grads };
}

describe('torch-compatible values that destroy training keep torch’s arithmetic', () => {
  it('lr·λ > 1 flips the sign of every parameter (θ·(1 − lr·λ)), as torch.optim.AdamW does', () => {
    const params = new Float64Array([2, -3]);
    adamwStepInPlace(params, new Float64Array(2), initAdamW(params), { lr: 2, weightDecay: 1 });
    // Zero gradient: the update term is 0/(0 + ε) = 0, so θ ← θ·(1 − 2).
    expect(Array.from(params)).toEqual([-2, 3]);
  });

  it('ε = 0 with a zero gradient and zero moments gives 0/0 = NaN, as torch does', () => {
    const params = new Float32Array([1, 2]);
    adamwStepInPlace(params, new Float32Array([0, 1]), initAdamW(params), { eps: 0 });
    expect(Number.isNaN(params[0])).toBe(true);
    expect(Number.isFinite(params[1])).toBe(true);
  });

  it('lr·η that overflows makes the parameters infinite or NaN under the default policy', () => {
    const params = new Float64Array([1, 2]);
    adamwStepInPlace(params, new Float64Array([0.5, 0]), initAdamW(params), { lr: 1e300, scheduleMultiplier: 1e10 });
    expect(params[0]).toBe(-Infinity);
    expect(Number.isNaN(params[1])).toBe(true);
  });
});

describe("nonFinite 'throw' and 'skip' refuse a step whose scalars are not finite", () => {
  const cases: [string, Ctor, AdamWOptions, RegExp][] = [
    ['lr·η overflowing float64', Float64Array, { lr: 1e300, scheduleMultiplier: 1e10 }, /the step size \(lr·η with its bias correction\) is Infinity \(/],
    [
      'lr·η overflowing float32 (finite in float64)',
      Float32Array,
      { lr: 1e30, scheduleMultiplier: 1e10 },
      /the step size \(lr·η with its bias correction\) is Infinity in float32/,
    ],
    ['lr·η·λ overflowing the decay factor', Float64Array, { lr: 1e200, weightDecay: 1e200 }, /decay factor 1 − lr·η·λ is -Infinity/],
  ];
  for (const [what, Ctor, options, message] of cases) {
    for (const nonFinite of ['throw', 'skip'] as const) {
      it(`${what} (${nonFinite}): RangeError naming the scalar, nothing changes`, () => {
        const { params, state, grads } = model(Ctor, 5);
        const before = snapshot(params, state);
        expect(() => adamwStepInPlace(params, grads, state, { ...options, nonFinite })).toThrow(message);
        expect(() => adamwStepInPlace(params, grads, state, { ...options, nonFinite })).toThrow(RangeError);
        expect(snapshot(params, state)).toEqual(before);
      });
    }
  }

  it("'propagate' keeps torch's behaviour: no check of the scalars", () => {
    const { params, state, grads } = model(Float64Array, 3);
    adamwStepInPlace(params, grads, state, { lr: 1e300, scheduleMultiplier: 1e10 });
    expect(state.step).toBe(1);
  });
});

describe("nonFiniteCheck: 'result' also catches non-finite values the step would write", () => {
  for (const Ctor of [Float32Array, Float64Array]) {
    for (const n of [3, 1000]) {
      it(`${Ctor.name}, ${n} elements: ε = 0 and a zero gradient would make params NaN; 'throw' names the element and changes nothing`, () => {
        const { params, state, grads } = model(Ctor, n, { amsgrad: true });
        grads[n - 1] = 0;
        const options: AdamWOptions = { eps: 0, amsgrad: true, nonFinite: 'throw', nonFiniteCheck: 'result' };
        const before = snapshot(params, state);
        let error: unknown;
        try {
          adamwStepInPlace(params, grads, state, options);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(
          new RegExp(`the step would make params\\[${n - 1}\\] NaN; nonFinite: 'throw' leaves params and state unchanged`),
        );
        expect(snapshot(params, state)).toEqual(before);
      });

      it(`${Ctor.name}, ${n} elements: 'skip' leaves params, moments and the step count untouched`, () => {
        const { params, state, grads } = model(Ctor, n);
        grads[0] = 0;
        const before = snapshot(params, state);
        adamwStepInPlace(params, grads, state, { eps: 0, nonFinite: 'skip', nonFiniteCheck: 'result' });
        expect(snapshot(params, state)).toEqual(before);
      });
    }
  }

  it('a moment that overflows to Infinity is caught in v', () => {
    const params = new Float32Array([1]);
    const state = initAdamW(params);
    expect(() => adamwStepInPlace(params, new Float32Array([1e30]), state, { nonFinite: 'throw', nonFiniteCheck: 'result' })).toThrow(
      /the step would make state\.v\[0\] Infinity/,
    );
    expect(state.step).toBe(0);
  });

  it('a NaN already in the state is caught (the gradient check alone misses it)', () => {
    const { params, state, grads } = model(Float64Array, 4);
    state.m[2] = Number.NaN;
    const before = snapshot(params, state);
    expect(() => adamwStepInPlace(params, grads, state, { nonFinite: 'throw' })).not.toThrow();
    Object.assign(state, { step: before.step, m: Float64Array.from(before.m!), v: Float64Array.from(before.v!) });
    params.set(before.params!);
    expect(() => adamwStepInPlace(params, grads, state, { nonFinite: 'throw', nonFiniteCheck: 'result' })).toThrow(/state\.m\[2\] NaN/);
    expect(snapshot(params, state)).toEqual(before);
  });

  it('a finite step computes the same bits with and without the check, on every kernel and the pure step', () => {
    for (const Ctor of [Float32Array, Float64Array]) {
      for (const kernel of ['scalar', 'simd', 'auto'] as const) {
        const a = model(Ctor, 300, { amsgrad: true });
        const b = model(Ctor, 300, { amsgrad: true });
        const options: AdamWOptions = { amsgrad: true, lr: 0.01, weightDecay: 0.1 };
        for (let t = 0; t < 3; t++) {
          adamwStepInPlaceWith(kernel, a.params, a.grads, a.state, options);
          adamwStepInPlaceWith(kernel, b.params, b.grads, b.state, { ...options, nonFinite: 'throw', nonFiniteCheck: 'result' });
        }
        expect(snapshot(b.params, b.state)).toEqual(snapshot(a.params, a.state));
        const pure = adamwStep(b.params, b.grads, b.state, { ...options, nonFinite: 'skip', nonFiniteCheck: 'result' });
        adamwStepInPlace(a.params, a.grads, a.state, options);
        expect(snapshot(pure.params, pure.state)).toEqual(snapshot(a.params, a.state));
      }
    }
  });

  it("the pure step with 'result' returns unchanged copies when it skips", () => {
    const { params, state, grads } = model(Float32Array, 4);
    grads[1] = 0;
    const next = adamwStep(params, grads, state, { eps: 0, nonFinite: 'skip', nonFiniteCheck: 'result' });
    expect(snapshot(next.params, next.state)).toEqual(snapshot(params, state));
  });

  it("is an option with a default and a clear error: 'grads' by default, 'result' only with 'skip' or 'throw'", () => {
    expect(resolveAdamWOptions({}).nonFiniteCheck).toBe('grads');
    expect(() => resolveAdamWOptions({ nonFiniteCheck: 'everything' as 'result' })).toThrow(
      /option nonFiniteCheck must be one of 'grads', 'result', got 'everything'/,
    );
    expect(() => resolveAdamWOptions({ nonFiniteCheck: 'result' })).toThrow(/nonFiniteCheck: 'result' needs nonFinite 'skip' or 'throw'/);
  });
});
