// Property-based tests of the AdamW step: fast-check draws sizes, dtypes,
// options, states and gradients, and every property must hold for all draws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SIMD_MIN_LENGTH,
  adamwStep,
  adamwStepInPlace,
  adamwStepInPlaceWith,
  initAdamW,
  isSimdAvailable,
  type AdamWOptions,
  type AdamWState,
  type FloatArray,
} from '../src/index.js';

// Moderate run counts keep the whole file to a few seconds in CI;
// ADAMW_PROPERTY_RUNS=5000 searches harder.
const RUNS = { numRuns: Number(process.env.ADAMW_PROPERTY_RUNS ?? 150) };

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const CTORS: readonly Ctor[] = [Float32Array, Float64Array];

interface Case {
  Ctor: Ctor;
  params: FloatArray;
  grads: FloatArray;
  state: AdamWState;
  options: AdamWOptions;
}

/** Bounded finite values; -0, tiny and exact zeros come up as fast-check's edge cases. */
const values = (n: number, bound: number, min = -bound) => fc.array(fc.double({ min, max: bound, noNaN: true }), { minLength: n, maxLength: n });

/** Options over their whole valid range (ε kept > 0 so that 0/0 cannot arise). */
const optionsArb: fc.Arbitrary<AdamWOptions> = fc.record(
  {
    lr: fc.double({ min: 1e-6, max: 1, noNaN: true }),
    beta1: fc.double({ min: 0, max: 0.999, noNaN: true }),
    beta2: fc.double({ min: 0, max: 0.9999, noNaN: true }),
    eps: fc.double({ min: 1e-12, max: 1e-3, noNaN: true }),
    weightDecay: fc.double({ min: 0, max: 1, noNaN: true }),
    amsgrad: fc.boolean(),
    maximize: fc.boolean(),
    decay: fc.constantFrom('decoupled' as const, 'l2' as const),
    decayScale: fc.constantFrom('lr' as const, 'schedule' as const),
    // η = 0 (a schedule at its floor) or a normal number: with a subnormal η the step
    // itself is subnormal and has no relative precision left to compare.
    scheduleMultiplier: fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true })),
    convention: fc.constantFrom('torch' as const, 'optax' as const, 'keras' as const, 'huggingface' as const),
    epsRoot: fc.double({ min: 0, max: 1e-6, noNaN: true }),
    biasCorrection: fc.boolean(),
  },
  { requiredKeys: [] },
);

/**
 * A whole step's inputs: arrays of one dtype and length, a state that may be
 * far into training (moments of any plausible size, any step count), and
 * options. vMax is present exactly when the options ask for AMSGrad.
 */
const caseArb = (opts: fc.Arbitrary<AdamWOptions> = optionsArb): fc.Arbitrary<Case> =>
  fc.record({ Ctor: fc.constantFrom(...CTORS), n: fc.integer({ min: 1, max: 40 }), options: opts }).chain(({ Ctor, n, options }) =>
    fc
      .record({
        params: values(n, 1e3),
        grads: values(n, 1e3),
        m: values(n, 1e3),
        v: values(n, 1e6, 0),
        vMax: values(n, 1e6, 0),
        step: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 ** 40 })),
      })
      .map(({ params, grads, m, v, vMax, step }): Case => {
        const state: AdamWState = { step, m: Ctor.from(m), v: Ctor.from(v) };
        if (options.amsgrad) state.vMax = Ctor.from(vMax.map((x, i) => Math.max(x, v[i]!)));
        return { Ctor, params: Ctor.from(params), grads: Ctor.from(grads), state, options };
      }),
  );

function cloneState(s: AdamWState): AdamWState {
  const c: AdamWState = { step: s.step, m: s.m.slice(), v: s.v.slice() };
  if (s.vMax) c.vMax = s.vMax.slice();
  return c;
}

/** Bit patterns, so that -0 ≠ 0 and NaN = NaN (the same NaN payload) compare as bits do. */
function bits(a: FloatArray): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

function stateBits(s: AdamWState) {
  return { step: s.step, m: bits(s.m), v: bits(s.v), vMax: s.vMax && bits(s.vMax) };
}

/**
 * |a − b| within rtol of the scale of the computation: the magnitudes of the
 * values and of every step taken (steps of opposite sign can cancel, and
 * each step's rounding error is relative to the step, not to the sum).
 */
function expectClose(a: FloatArray, b: FloatArray, scale: Float64Array, rtol: number, label: string): void {
  for (let i = 0; i < a.length; i++) {
    const s = Math.max(Math.abs(a[i]!), Math.abs(b[i]!), scale[i]!, Number.MIN_VALUE);
    if (!(Math.abs(a[i]! - b[i]!) <= rtol * s)) {
      throw new Error(`${label}: element ${i} differs: ${a[i]} vs ${b[i]} (scale ${s})`);
    }
  }
}

const rtolOf = (Ctor: Ctor): number => (Ctor === Float32Array ? 2e-5 : 1e-11);

describe('properties of the pure step', () => {
  it('never mutates its inputs (params, grads, state, options)', () => {
    fc.assert(
      fc.property(caseArb(), ({ params, grads, state, options }) => {
        const before = { params: bits(params), grads: bits(grads), state: stateBits(state), options: JSON.stringify(options) };
        const out = adamwStep(params, grads, state, options);
        expect({ params: bits(params), grads: bits(grads), state: stateBits(state), options: JSON.stringify(options) }).toEqual(before);
        // The outputs are new arrays, never the inputs.
        expect(out.params).not.toBe(params);
        expect(out.state.m).not.toBe(state.m);
        expect(out.state.v).not.toBe(state.v);
      }),
      RUNS,
    );
  });

  it('agrees with the in-place step bit for bit', () => {
    fc.assert(
      fc.property(caseArb(), fc.integer({ min: 1, max: 4 }), ({ params, grads, state, options }, steps) => {
        let pure = { params, state };
        const inPlace = params.slice();
        const inPlaceState = cloneState(state);
        for (let k = 0; k < steps; k++) {
          pure = adamwStep(pure.params, grads, pure.state, options);
          adamwStepInPlace(inPlace, grads, inPlaceState, options);
        }
        expect(bits(inPlace)).toBe(bits(pure.params));
        expect(stateBits(inPlaceState)).toEqual(stateBits(pure.state));
        expect(pure.state.step).toBe(state.step + steps);
      }),
      RUNS,
    );
  });
});

describe('the WebAssembly SIMD kernel', () => {
  it('is available in this Node, so the property below runs the SIMD loop', () => {
    expect(isSimdAvailable()).toBe(true);
  });

  // Lengths around the vector width and the chunk size, where tails and chunk edges are handled.
  const lengthArb = fc.oneof(fc.integer({ min: SIMD_MIN_LENGTH, max: 70 }), fc.integer({ min: 16_380, max: 16_400 }), fc.integer({ min: 8_190, max: 8_200 }));

  it('agrees with the scalar reference loop bit for bit, for any options, state and length', () => {
    fc.assert(
      fc.property(caseArb(), lengthArb, fc.integer({ min: 1, max: 3 }), (c, n, steps) => {
        // Tile the drawn values up to length n.
        const tile = (a: FloatArray): FloatArray => c.Ctor.from(Array.from({ length: n }, (_, i) => a[i % a.length]!));
        const params = tile(c.params);
        const grads = tile(c.grads);
        const state: AdamWState = { step: c.state.step, m: tile(c.state.m), v: tile(c.state.v) };
        if (c.state.vMax) state.vMax = tile(c.state.vMax);
        const simd = { params: params.slice(), state: cloneState(state) };
        const scalar = { params: params.slice(), state: cloneState(state) };
        for (let k = 0; k < steps; k++) {
          adamwStepInPlaceWith('simd', simd.params, grads, simd.state, c.options);
          adamwStepInPlaceWith('scalar', scalar.params, grads, scalar.state, c.options);
        }
        expect(bits(simd.params)).toBe(bits(scalar.params));
        expect(stateBits(simd.state)).toEqual(stateBits(scalar.state));
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 3) },
    );
  });
});

describe('properties of the update', () => {
  // Zero gradients from a fresh state keep m = v = 0, so Adam's term is
  // −stepSize·0/(0 + ε) = ±0 and only the decoupled decay moves θ.
  const decayOnly = optionsArb.map((o) => ({ ...o, decay: 'decoupled' as const }));

  it('with zero gradients and decoupled decay, shrinks each parameter by exactly (1 − lr·η·λ) per step', () => {
    fc.assert(
      fc.property(caseArb(decayOnly), fc.integer({ min: 1, max: 12 }), ({ Ctor, params, options }, steps) => {
        const state = initAdamW(params, options);
        const zeros = new Ctor(params.length);
        const o = { lr: 1e-3, weightDecay: 1e-2, scheduleMultiplier: 1, ...options };
        // The kernel's factor: 1 − (α·η)·λ, or 1 − η·λ for decayScale 'schedule', in float64, then
        // rounded once to the array's precision.
        const factor = o.decayScale === 'schedule' ? o.scheduleMultiplier * o.weightDecay : o.lr * o.scheduleMultiplier * o.weightDecay;
        const round = Ctor === Float32Array ? Math.fround : (x: number) => x;
        const keep = o.weightDecay === 0 ? 1 : round(1 - factor);
        const expected = Array.from(params);
        for (let k = 0; k < steps; k++) {
          adamwStepInPlace(params, zeros, state, options);
          for (let i = 0; i < expected.length; i++) expected[i] = round(expected[i]! * keep);
        }
        expect(bits(params)).toBe(bits(Ctor.from(expected)));
        expect(state.step).toBe(steps);
      }),
      RUNS,
    );
  });

  it('with finite, bounded inputs gives finite parameters and moments', () => {
    fc.assert(
      fc.property(caseArb(), ({ params, grads, state, options }) => {
        const out = adamwStep(params, grads, state, options);
        for (const a of [out.params, out.state.m, out.state.v, out.state.vMax ?? out.state.v]) {
          const bad = a.findIndex((x) => !Number.isFinite(x));
          expect(bad, `non-finite output at ${bad}`).toBe(-1);
        }
        for (const x of out.state.v) expect(x).toBeGreaterThanOrEqual(0);
      }),
      RUNS,
    );
  });
});

describe('convention presets reduce to each other where their formulas coincide', () => {
  /** Runs a few steps with `a` and `b` from the same start and returns both parameter vectors. */
  function runBoth(c: Case, a: AdamWOptions, b: AdamWOptions, gradSeq: FloatArray[]) {
    const pa = c.params.slice();
    const pb = c.params.slice();
    const sa = cloneState(c.state);
    const sb = cloneState(c.state);
    const scale = new Float64Array(pa.length);
    for (const g of gradSeq) {
      const before = pa.slice();
      adamwStepInPlace(pa, g, sa, a);
      adamwStepInPlace(pb, g, sb, b);
      for (let i = 0; i < pa.length; i++) scale[i] = scale[i]! + Math.abs(pa[i]! - before[i]!) + Math.abs(before[i]!);
    }
    return { pa, pb, sa, sb, scale };
  }

  /** Gradients bounded away from zero, so that v > 0 and ε = 0 never divides 0 by 0. */
  const gradSeqArb = (c: Case) =>
    fc
      .array(
        fc.array(
          fc.double({ min: 1e-3, max: 1e2, noNaN: true }).chain((x) => fc.constantFrom(x, -x)),
          {
            minLength: c.params.length,
            maxLength: c.params.length,
          },
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((seq) => seq.map((g) => c.Ctor.from(g)));

  const withGrads = (opts: fc.Arbitrary<AdamWOptions>) => caseArb(opts).chain((c) => gradSeqArb(c).map((g) => ({ c, g })));

  it('keras equals torch when ε = 0 (ε-hat moves into the step size)', () => {
    const opts = optionsArb.map((o) => ({ ...o, eps: 0, convention: 'torch' as const }));
    fc.assert(
      fc.property(withGrads(opts), ({ c, g }) => {
        const { pa, pb, scale } = runBoth(c, c.options, { ...c.options, convention: 'keras' }, g);
        expectClose(pa, pb, scale, rtolOf(c.Ctor), 'keras vs torch');
      }),
      RUNS,
    );
  });

  it('optax equals torch with ε_root = 0 (without AMSGrad, whose maximum optax takes over v̂)', () => {
    const opts = optionsArb.map((o) => ({ ...o, epsRoot: 0, amsgrad: false, convention: 'torch' as const }));
    fc.assert(
      fc.property(withGrads(opts), ({ c, g }) => {
        const { epsRoot: _unused, ...torch } = c.options;
        const { pa, pb, scale } = runBoth(c, torch, { ...c.options, convention: 'optax', epsRoot: 0 }, g);
        expectClose(pa, pb, scale, rtolOf(c.Ctor), 'optax vs torch');
      }),
      RUNS,
    );
  });

  it('huggingface equals keras, bit for bit, without weight decay', () => {
    const opts = optionsArb.map((o) => ({ ...o, weightDecay: 0, biasCorrection: true, convention: 'keras' as const }));
    fc.assert(
      fc.property(withGrads(opts), ({ c, g }) => {
        const { pa, pb, sa, sb } = runBoth(c, c.options, { ...c.options, convention: 'huggingface' }, g);
        expect(bits(pb)).toBe(bits(pa));
        expect(stateBits(sb)).toEqual(stateBits(sa));
      }),
      RUNS,
    );
  });

  it("decayScale 'schedule' with λ equals decayScale 'lr' with λ/lr", () => {
    // η·λ ≤ 0.5 keeps 1 − η·λ away from 0, where the one-ulp difference between
    // η·λ and (α·η)·(λ/α) would be all that is left of the factor.
    const opts = optionsArb.map((o) => ({
      ...o,
      weightDecay: Math.min(o.weightDecay ?? 1e-2, 0.5),
      decay: 'decoupled' as const,
      decayScale: 'schedule' as const,
    }));
    fc.assert(
      fc.property(withGrads(opts), ({ c, g }) => {
        const lr = c.options.lr ?? 1e-3;
        const lambda = c.options.weightDecay ?? 1e-2;
        const { pa, pb, scale } = runBoth(c, c.options, { ...c.options, decayScale: 'lr', weightDecay: lambda / lr }, g);
        expectClose(pa, pb, scale, rtolOf(c.Ctor), "'schedule' vs 'lr'");
      }),
      RUNS,
    );
  });
});

describe('non-finite gradients', () => {
  const nonFiniteArb = fc.constantFrom(Number.NaN, Infinity, -Infinity);

  it("'skip' leaves parameters, moments and the step count untouched; 'throw' throws and changes nothing", () => {
    fc.assert(
      fc.property(caseArb(), nonFiniteArb, fc.nat(), fc.constantFrom('skip' as const, 'throw' as const), (c, bad, at, policy) => {
        const grads = c.grads.slice();
        grads[at % grads.length] = bad;
        const options = { ...c.options, nonFinite: policy };
        const params = c.params.slice();
        const state = cloneState(c.state);
        const step = () => adamwStepInPlace(params, grads, state, options);
        if (policy === 'throw') expect(step).toThrow(RangeError);
        else step();
        expect(bits(params)).toBe(bits(c.params));
        expect(stateBits(state)).toEqual(stateBits(c.state));
        // The pure step returns the inputs' values unchanged as well.
        if (policy === 'skip') {
          const out = adamwStep(c.params, grads, c.state, options);
          expect(bits(out.params)).toBe(bits(c.params));
          expect(out.state.step).toBe(c.state.step);
        }
      }),
      RUNS,
    );
  });

  it("'propagate' (torch's behaviour) lets the non-finite value reach that parameter", () => {
    fc.assert(
      fc.property(caseArb(), nonFiniteArb, fc.nat(), (c, bad, at) => {
        const grads = c.grads.slice();
        const i = at % grads.length;
        grads[i] = bad;
        const out = adamwStep(c.params, grads, c.state, { ...c.options, nonFinite: 'propagate' });
        expect(Number.isFinite(out.params[i]!)).toBe(false);
        expect(out.state.step).toBe(c.state.step + 1);
      }),
      RUNS,
    );
  });
});

describe('bad input', () => {
  /** One way of breaking a valid call, with the words its error must contain. */
  type Breakage = { name: string; message: RegExp; apply: (c: Case) => Case };
  const breakages: Breakage[] = [
    { name: 'short grads', message: /grads has length/, apply: (c) => ({ ...c, grads: c.grads.subarray(1) }) },
    { name: 'long state.v', message: /state\.v has length/, apply: (c) => ({ ...c, state: { ...c.state, v: new c.Ctor(c.params.length + 1) } }) },
    {
      name: 'mixed dtypes',
      message: /mixing Float32Array and Float64Array/,
      apply: (c) => ({ ...c, grads: (c.Ctor === Float32Array ? Float64Array : Float32Array).from(c.grads) }),
    },
    {
      name: 'unknown option',
      message: /unknown AdamW option field 'weight_decay'/,
      apply: (c) => ({ ...c, options: { ...c.options, weight_decay: 0.1 } as AdamWOptions }),
    },
    { name: 'beta1 = 1', message: /option beta1 must be in \[0, 1\)/, apply: (c) => ({ ...c, options: { ...c.options, beta1: 1 } }) },
    { name: 'negative lr', message: /option lr must be/, apply: (c) => ({ ...c, options: { ...c.options, lr: -1e-3 } }) },
    { name: 'NaN eps', message: /option eps must be/, apply: (c) => ({ ...c, options: { ...c.options, eps: Number.NaN } }) },
    { name: 'fractional step', message: /state\.step must be a non-negative safe integer/, apply: (c) => ({ ...c, state: { ...c.state, step: 1.5 } }) },
    {
      name: 'amsgrad without vMax',
      message: /state\.vMax is missing/,
      apply: (c) => {
        const { vMax: _vMax, ...state } = c.state;
        return { ...c, state, options: { ...c.options, amsgrad: true } };
      },
    },
    { name: 'params aliasing m', message: /share memory/, apply: (c) => ({ ...c, state: { ...c.state, m: c.params } }) },
  ];

  it('gets an error that names the problem and mutates nothing, in both steps', () => {
    fc.assert(
      fc.property(caseArb(), fc.constantFrom(...breakages), (valid, breakage) => {
        const c = breakage.apply(valid);
        const before = { params: bits(c.params), grads: bits(c.grads), m: bits(c.state.m), v: bits(c.state.v), step: c.state.step };
        expect(() => adamwStepInPlace(c.params, c.grads, c.state, c.options), breakage.name).toThrow(breakage.message);
        expect(() => adamwStep(c.params, c.grads, c.state, c.options), breakage.name).toThrow(breakage.message);
        expect({ params: bits(c.params), grads: bits(c.grads), m: bits(c.state.m), v: bits(c.state.v), step: c.state.step }).toEqual(before);
      }),
      RUNS,
    );
  });
});
