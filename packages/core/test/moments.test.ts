import { describe, expect, it } from 'vitest';
import {
  adamwStep,
  adamwStepInPlace,
  adamwStepInPlaceWith,
  deserializeAdamWState,
  initAdamW,
  serializeAdamWState,
  type AdamWOptions,
  type AdamWState,
  type FloatArray,
} from '../src/index.js';
import { firstDifference, seededValues } from '@adamw/test-utils';
import { WASM_MOMENTS_MIN_BYTES } from '../src/simd/kernel.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const values = (n: number, seed: number, scale = 1): Float64Array => seededValues(n, seed || 1, scale);

/** True when the array is a view on a larger memory (the moments' own WebAssembly memory), not an array of its own. */
const inWasmMemory = (a: FloatArray) => a.buffer.byteLength > a.byteLength && a.buffer.byteLength % 65536 === 0;

function expectSameState(a: AdamWState, b: AdamWState): void {
  expect(a.step).toBe(b.step);
  expect(firstDifference(a.m, b.m), 'm').toBeUndefined();
  expect(firstDifference(a.v, b.v), 'v').toBeUndefined();
  if (b.vMax !== undefined) expect(firstDifference(a.vMax!, b.vMax), 'vMax').toBeUndefined();
}

/** An ordinary-array copy of a state. */
const plainCopy = (s: AdamWState): AdamWState => ({ step: s.step, m: s.m.slice(), v: s.v.slice(), ...(s.vMax ? { vMax: s.vMax.slice() } : {}) });

describe('initAdamW moments in a WebAssembly memory of their own', () => {
  const sizes = (C: Ctor) => {
    const min = WASM_MOMENTS_MIN_BYTES / C.BYTES_PER_ELEMENT;
    // A whole number of vectors and chunks, and lengths that leave 1 to 3 elements past the last vector.
    return [min, min + 1, min + 3, 3 * min + 2];
  };

  it('are used for large parameters only', () => {
    for (const C of [Float32Array, Float64Array]) {
      const min = WASM_MOMENTS_MIN_BYTES / C.BYTES_PER_ELEMENT;
      const big = initAdamW(new C(min), { amsgrad: true });
      expect(inWasmMemory(big.m) && inWasmMemory(big.v) && inWasmMemory(big.vMax!)).toBe(true);
      expect(big.v.buffer).toBe(big.m.buffer);
      expect(Array.from(big.m.subarray(0, 4))).toEqual([0, 0, 0, 0]);
      const small = initAdamW(new C(min - 1));
      expect(inWasmMemory(small.m)).toBe(false);
      expect(small.m.buffer.byteLength).toBe(small.m.byteLength);
    }
  });

  for (const C of [Float32Array, Float64Array]) {
    const cases: [string, AdamWOptions][] = [
      ['torch defaults', {}],
      ['decay, schedule, amsgrad', { lr: 3e-3, weightDecay: 0.05, scheduleMultiplier: 0.7, amsgrad: true }],
      ['L2 decay, maximize, keras', { lr: 1e-2, weightDecay: 0.01, decay: 'l2', maximize: true, convention: 'keras' }],
    ];
    for (const [label, options] of cases) {
      it(`${C.name}, ${label}: steps give the bits of the scalar loop on ordinary arrays`, () => {
        for (const n of sizes(C)) {
          const p = new C(values(n, n, 2));
          const ref = p.slice();
          const state = initAdamW(p, options);
          const refState = plainCopy(state);
          expect(inWasmMemory(state.m)).toBe(true);
          const buffer = state.m.buffer;
          const bytes = buffer.byteLength;
          for (let t = 0; t < 4; t++) {
            const g = new C(values(n, 100 + t, 0.5));
            adamwStepInPlace(p, g, state, options);
            adamwStepInPlaceWith('scalar', ref, g, refState, options);
          }
          expect(firstDifference(p, ref), `params (n = ${n})`).toBeUndefined();
          expectSameState(state, refState);
          // The memory did not grow: the same buffer, of the same size.
          expect(state.m.buffer).toBe(buffer);
          expect(buffer.byteLength).toBe(bytes);
        }
      });
    }
  }

  it('survive the codec, structured clone and the pure step, which all see ordinary arrays', () => {
    const n = WASM_MOMENTS_MIN_BYTES / 4 + 5;
    const p = new Float32Array(values(n, 1));
    const g = new Float32Array(values(n, 2, 0.1));
    const state = initAdamW(p, { amsgrad: true });
    adamwStepInPlace(p, g, state, { amsgrad: true });

    const decoded = deserializeAdamWState(serializeAdamWState(state));
    expectSameState(decoded, state);

    const cloned = structuredClone(state);
    expectSameState(cloned, state);
    expect(cloned.m.buffer).not.toBe(state.m.buffer);

    const pure = adamwStep(p, g, state, { amsgrad: true });
    expect(state.step).toBe(1);
    // A step on the clone, on the original and the pure step all agree.
    const p2 = p.slice();
    adamwStepInPlace(p, g, state, { amsgrad: true });
    adamwStepInPlace(p2, g, cloned, { amsgrad: true });
    expect(firstDifference(p2, p)).toBeUndefined();
    expect(firstDifference(pure.params, p)).toBeUndefined();
    expectSameState(cloned, state);
    expectSameState(pure.state, state);
  });

  it('a rejected step writes nothing', () => {
    const n = WASM_MOMENTS_MIN_BYTES / 8;
    const p = new Float64Array(values(n, 3));
    const state = initAdamW(p);
    const g = new Float64Array(n);
    g[n - 1] = Number.NaN;
    expect(() => adamwStepInPlace(p, g, state, { nonFinite: 'throw' })).toThrow(RangeError);
    expect(state.step).toBe(0);
    expect(state.m.every((x) => x === 0)).toBe(true);
  });
});
