import { seededValues } from '@adamw/test-utils';
import { describe, expect, it } from 'vitest';
import { adamwStep, adamwStepInPlace, initAdamW, type AdamWOptions, type AdamWState, type FloatArray } from '../src/index.js';

const rand = (n: number, seed: number, scale = 1): Float64Array => seededValues(n, seed, scale);

function snapshot(params: FloatArray, state: AdamWState) {
  return { params: params.slice(), step: state.step, m: state.m.slice(), v: state.v.slice(), vMax: state.vMax?.slice() };
}

describe('adamwStep and adamwStepInPlace', () => {
  for (const Ctor of [Float32Array, Float64Array]) {
    for (const options of [
      {},
      { amsgrad: true },
      { maximize: true, decay: 'l2' },
      { convention: 'keras' },
      { convention: 'optax', amsgrad: true, epsRoot: 1e-12 },
      { convention: 'huggingface', biasCorrection: false },
      { decayScale: 'schedule', scheduleMultiplier: 0.5 },
    ] as AdamWOptions[]) {
      it(`pure and in-place agree bit for bit (${Ctor.name}, ${JSON.stringify(options)})`, () => {
        let params = new Ctor(rand(33, 1));
        let state = initAdamW(params, options);
        const inPlace = params.slice();
        const inPlaceState = initAdamW(inPlace, options);
        for (let step = 0; step < 5; step++) {
          const grads = new Ctor(rand(33, 10 + step, 0.1));
          const before = snapshot(params, state);
          const gradsBefore = grads.slice();
          ({ params, state } = adamwStep(params, grads, state, options));
          adamwStepInPlace(inPlace, grads, inPlaceState, options);
          expect(grads).toEqual(gradsBefore);
          expect(Array.from(inPlace)).toEqual(Array.from(params));
          expect(Array.from(inPlaceState.m)).toEqual(Array.from(state.m));
          expect(Array.from(inPlaceState.v)).toEqual(Array.from(state.v));
          expect(inPlaceState.step).toBe(state.step);
          expect(before.step).toBe(state.step - 1);
        }
      });
    }
  }

  it('leaves the inputs of the pure step untouched', () => {
    const params = new Float32Array(rand(8, 3));
    const grads = new Float32Array(rand(8, 4));
    const state = initAdamW(params, { amsgrad: true });
    adamwStepInPlace(params.slice(), grads, state, { amsgrad: true });
    const before = snapshot(params, state);
    adamwStep(params, grads, state, { amsgrad: true });
    expect(snapshot(params, state)).toEqual(before);
  });

  it('shrinks each parameter by exactly (1 − lr·η·λ) per step with zero gradients', () => {
    const params = new Float64Array([1, -2, 3.5, 0]);
    const state = initAdamW(params);
    const options = { lr: 0.1, weightDecay: 0.2, scheduleMultiplier: 0.5 };
    const expected = Array.from(params);
    for (let i = 0; i < 10; i++) {
      adamwStepInPlace(params, new Float64Array(4), state, options);
      for (let k = 0; k < 4; k++) expected[k] = expected[k]! * (1 - 0.1 * 0.5 * 0.2);
    }
    expect(Array.from(params)).toEqual(expected);
  });

  it("uses (1 − η·λ) with decayScale: 'schedule', independent of lr", () => {
    const a = new Float64Array([2]);
    const b = new Float64Array([2]);
    adamwStepInPlace(a, new Float64Array(1), initAdamW(a), { lr: 1, weightDecay: 0.1, scheduleMultiplier: 0.5, decayScale: 'schedule' });
    adamwStepInPlace(b, new Float64Array(1), initAdamW(b), { lr: 1e-6, weightDecay: 0.1, scheduleMultiplier: 0.5, decayScale: 'schedule' });
    expect(a[0]).toBe(2 * (1 - 0.05));
    expect(b[0]).toBe(a[0]);
  });

  it('computes the first torch step by hand', () => {
    // t = 1: m = 0.1·g, v = 0.001·g², step size = lr/(1 − 0.9) and √v/√(1 − 0.999) = |g|,
    // so θ ← θ(1 − lr·λ) − lr · g / (|g| + ε).
    const params = new Float64Array([1, -1]);
    adamwStepInPlace(params, new Float64Array([0.5, -2]), initAdamW(params), { lr: 0.01, weightDecay: 0.1 });
    const m0 = 0.1 * 0.5;
    const expected0 = 1 * (1 - 0.001) - ((0.01 / (1 - 0.9)) * m0) / (Math.sqrt(0.001 * 0.25) / Math.sqrt(1 - 0.999) + 1e-8);
    expect(params[0]).toBeCloseTo(expected0, 15);
    expect(params[0]).toBeCloseTo(0.999 - 0.01 * (0.5 / (0.5 + 1e-8)), 12);
    expect(params[1]).toBeCloseTo(-0.999 + 0.01 * (2 / (2 + 1e-8)), 12);
  });

  it('keeps the step count exact past 2^31 and 2^24', () => {
    const params = new Float64Array([1]);
    const state = initAdamW(params);
    state.step = 2 ** 31 + 7;
    adamwStepInPlace(params, new Float64Array([1]), state);
    expect(state.step).toBe(2 ** 31 + 8);
    const f32 = initAdamW(new Float32Array(1));
    f32.step = 2 ** 24;
    adamwStepInPlace(new Float32Array(1), new Float32Array([1]), f32);
    expect(f32.step).toBe(2 ** 24 + 1);
  });

  it('allocates no new state arrays in place', () => {
    const params = new Float32Array(16);
    const state = initAdamW(params, { amsgrad: true });
    const { m, v, vMax } = state;
    adamwStepInPlace(params, new Float32Array(16).fill(1), state, { amsgrad: true });
    expect(state.m).toBe(m);
    expect(state.v).toBe(v);
    expect(state.vMax).toBe(vMax);
  });
});

describe('non-finite gradients', () => {
  const grads = new Float32Array([0.1, Number.NaN, 0.2]);
  it("'skip' leaves params, moments and the step count untouched", () => {
    const params = new Float32Array([1, 2, 3]);
    const state = initAdamW(params);
    adamwStepInPlace(params, new Float32Array([1, 1, 1]), state);
    const before = snapshot(params, state);
    adamwStepInPlace(params, grads, state, { nonFinite: 'skip' });
    expect(snapshot(params, state)).toEqual(before);
    const pure = adamwStep(params, new Float32Array([0, Infinity, 0]), state, { nonFinite: 'skip' });
    expect(pure.state.step).toBe(state.step);
    expect(Array.from(pure.params)).toEqual(Array.from(params));
  });
  it("'throw' throws a RangeError naming the element and changes nothing", () => {
    const params = new Float32Array([1, 2, 3]);
    const state = initAdamW(params);
    const before = snapshot(params, state);
    expect(() => adamwStepInPlace(params, grads, state, { nonFinite: 'throw' })).toThrow(/grads\[1\] is NaN/);
    expect(() => adamwStepInPlace(params, grads, state, { nonFinite: 'throw' })).toThrow(RangeError);
    expect(snapshot(params, state)).toEqual(before);
  });
  it("'propagate' lets NaN through, as torch", () => {
    const params = new Float32Array([1, 2, 3]);
    adamwStepInPlace(params, grads, initAdamW(params));
    expect(Number.isNaN(params[1])).toBe(true);
    expect(Number.isFinite(params[0])).toBe(true);
  });
});

describe('bad input', () => {
  const params = () => new Float32Array([1, 2, 3]);
  const cases: [string, (p: Float32Array, s: AdamWState<Float32Array>) => void, RegExp, ErrorConstructor][] = [
    ['length mismatch', (p, s) => adamwStepInPlace(p, new Float32Array(2), s), /grads has length 2 but params has length 3/, RangeError],
    ['mixed dtypes', (p, s) => adamwStepInPlace(p, new Float64Array(3) as unknown as Float32Array, s), /mixing Float32Array and Float64Array/, TypeError],
    [
      'not a typed array',
      (p, s) => adamwStepInPlace(p, [1, 2, 3] as unknown as Float32Array, s),
      /grads must be a Float32Array or a Float64Array, got Array/,
      TypeError,
    ],
    ['option type', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { lr: '0.1' as unknown as number }), /option lr must be a number/, TypeError],
    [
      'unknown option',
      (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { weight_decay: 0.1 } as AdamWOptions),
      /unknown AdamW option field 'weight_decay'/,
      TypeError,
    ],
    ['beta1 = 1', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { beta1: 1 }), /option beta1 must be in \[0, 1\), got 1/, RangeError],
    ['beta2 < 0', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { beta2: -0.1 }), /option beta2 must be in \[0, 1\), got -0.1/, RangeError],
    ['negative lr', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { lr: -1 }), /option lr must be a finite number >= 0, got -1/, RangeError],
    ['negative eps', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { eps: -1e-8 }), /option eps/, RangeError],
    ['NaN weight decay', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { weightDecay: Number.NaN }), /option weightDecay .* got NaN/, RangeError],
    ['infinite lr', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { lr: Infinity }), /option lr .* got Infinity/, RangeError],
    ['bad convention', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { convention: 'jax' as 'optax' }), /option convention must be one of/, RangeError],
    [
      'state of another size',
      (p) => adamwStepInPlace(p, new Float32Array(3), initAdamW(new Float32Array(4))),
      /state.m has length 4 but params has length 3/,
      RangeError,
    ],
    ['amsgrad without vMax', (p, s) => adamwStepInPlace(p, new Float32Array(3), s, { amsgrad: true }), /state.vMax is missing/, TypeError],
    ['negative step', (p, s) => adamwStepInPlace(p, new Float32Array(3), { ...s, step: -1 }), /state.step must be a non-negative safe integer/, RangeError],
    ['aliased grads', (p, s) => adamwStepInPlace(p, p, s), /params and grads share memory/, RangeError],
  ];
  for (const [what, call, message, type] of cases) {
    it(`${what}: ${type.name} and nothing changes`, () => {
      const p = params();
      const s = initAdamW(p);
      adamwStepInPlace(p, new Float32Array([0.1, 0.2, 0.3]), s);
      const before = snapshot(p, s);
      let error: unknown;
      try {
        call(p, s);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
      expect(snapshot(p, s)).toEqual(before);
    });
  }
});
