// The step against the objects a careless or hostile caller hands it: a frozen
// state, buffers resized from an options getter, shared memory reached through
// two buffer objects, detached buffers, a step counter at its last exact value.
// Each gets an error that names the problem, and nothing is written.
import { describe, expect, it } from 'vitest';
import {
  adamwStep,
  adamwStepInPlace,
  adamwStepInPlaceWith,
  initAdamW,
  initSGDW,
  serializeAdamWState,
  sgdwStepInPlace,
  type AdamWOptions,
  type AdamWState,
  type FloatArray,
  type SGDWState,
} from '../src/index.js';

const grads = () => new Float32Array([0.1, -0.2, 0.3, 0.4]);

/** ArrayBuffer with the ES2024 resizable constructor (the project's lib is older). */
const ResizableBuffer = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(bytes: number): void };

function trained(): { params: Float32Array; state: AdamWState<Float32Array> } {
  const params = new Float32Array([1, -2, 3, 0.5]);
  const state = initAdamW(params, { amsgrad: true });
  adamwStepInPlace(params, grads(), state, { amsgrad: true });
  return { params, state };
}

// Index by index: Array.from throws on a detached array, which reads as empty.
const copy = (a: FloatArray | undefined) => (a === undefined ? undefined : Array.from({ length: a.length }, (_, i) => a[i]!));
const snapshot = (params: FloatArray, state: AdamWState | SGDWState) => ({
  params: copy(params),
  step: state.step,
  m: copy((state as AdamWState).m),
  v: copy((state as AdamWState).v),
  vMax: copy((state as AdamWState).vMax),
  momentumBuffer: copy((state as SGDWState).momentumBuffer),
});

function expectRefused(params: FloatArray, state: AdamWState | SGDWState, call: () => void, type: ErrorConstructor, message: RegExp): void {
  const before = snapshot(params, state);
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, 'the call was accepted').toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(params, state)).toEqual(before);
}

describe('a state whose step count cannot be written', () => {
  it('a frozen state: TypeError naming state.step, and params, m and v are not written', () => {
    const { params, state } = trained();
    Object.freeze(state);
    expectRefused(params, state, () => adamwStepInPlace(params, grads(), state, { amsgrad: true }), TypeError, /state\.step cannot be written/);
    for (const kernel of ['scalar', 'simd'] as const) {
      expectRefused(params, state, () => adamwStepInPlaceWith(kernel, params, grads(), state, { amsgrad: true }), TypeError, /state\.step cannot be written/);
    }
  });

  it('a read-only step property and a getter without a setter: the same', () => {
    for (const descriptor of [{ value: 1, writable: false }, { get: () => 1 }] as PropertyDescriptor[]) {
      const { params, state } = trained();
      Object.defineProperty(state, 'step', { ...descriptor, enumerable: true, configurable: true });
      expectRefused(params, state, () => adamwStepInPlace(params, grads(), state, { amsgrad: true }), TypeError, /state\.step cannot be written/);
    }
  });

  it('a setter that ignores the new count: refused before any array is written', () => {
    const { params, state } = trained();
    Object.defineProperty(state, 'step', { get: () => 1, set: () => undefined, enumerable: true });
    expectRefused(params, state, () => adamwStepInPlace(params, grads(), state, { amsgrad: true }), TypeError, /state\.step cannot be written/);
  });

  it('the pure step still accepts a frozen state, and leaves it as it was', () => {
    const { params, state } = trained();
    const before = snapshot(params, state);
    const next = adamwStep(params, grads(), Object.freeze(state), { amsgrad: true });
    expect(next.state.step).toBe(2);
    expect(snapshot(params, state)).toEqual(before);
  });

  it('SGDW: a frozen state is refused before the parameters are written', () => {
    const params = new Float64Array([1, 2]);
    const state = Object.freeze(initSGDW(params, { momentum: 0.9 }));
    expectRefused(params, state, () => sgdwStepInPlace(params, new Float64Array([1, 1]), state, { momentum: 0.9 }), TypeError, /state\.step cannot be written/);
  });
});

describe('the step counter at its last exact value', () => {
  it('a state at step 2^53 − 1 is refused with a RangeError instead of reaching a count that can be neither saved nor stepped', () => {
    const { params, state } = trained();
    state.step = Number.MAX_SAFE_INTEGER;
    expect(() => serializeAdamWState(state)).not.toThrow();
    expectRefused(params, state, () => adamwStepInPlace(params, grads(), state, { amsgrad: true }), RangeError, /state\.step is 2\^53 − 1/);
    expect(() => adamwStep(params, grads(), state, { amsgrad: true })).toThrow(/state\.step is 2\^53 − 1/);
    state.step = Number.MAX_SAFE_INTEGER - 1;
    adamwStepInPlace(params, grads(), state, { amsgrad: true });
    expect(state.step).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => serializeAdamWState(state)).not.toThrow();
  });

  it('SGDW: the same', () => {
    const params = new Float64Array([1, 2]);
    const state = initSGDW(params);
    state.step = Number.MAX_SAFE_INTEGER;
    expectRefused(params, state, () => sgdwStepInPlace(params, new Float64Array([1, 1]), state), RangeError, /state\.step is 2\^53 − 1/);
  });
});

describe('options are read once, before the arrays are checked', () => {
  it('an options getter that shrinks a resizable buffer after the checks no longer steps what is left', () => {
    const buffer = new ResizableBuffer(32, { maxByteLength: 64 });
    const params = new Float32Array(buffer); // tracks the buffer's length: 8 elements
    params.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const state = initAdamW(new Float32Array(8));
    const g = new Float32Array(8).fill(0.5);
    let reads = 0;
    const options = {
      get lr() {
        reads++;
        buffer.resize(16); // params now has 4 elements
        return 1e-2;
      },
    } as AdamWOptions;
    let error: unknown;
    try {
      adamwStepInPlace(params, g, state, options);
    } catch (e) {
      error = e;
    }
    expect(reads).toBe(1);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/grads has length 8 but params has length 4/);
    expect(Array.from(params)).toEqual([1, 2, 3, 4]);
    expect(Array.from(state.m)).toEqual(new Array(8).fill(0));
    expect(state.step).toBe(0);
  });

  it('each option is read exactly once per step', () => {
    const params = new Float32Array(4);
    const state = initAdamW(params);
    const reads: Record<string, number> = {};
    const options = new Proxy({ lr: 1e-3, weightDecay: 0.1, nonFinite: 'throw' } as Record<string, unknown>, {
      get(target, key, receiver) {
        if (typeof key === 'string') reads[key] = (reads[key] ?? 0) + 1;
        return Reflect.get(target, key, receiver) as unknown;
      },
    }) as AdamWOptions;
    adamwStepInPlace(params, grads(), state, options);
    expect(reads.lr).toBe(1);
    expect(Object.entries(reads).filter(([, n]) => n !== 1)).toEqual([]);
  });
});

describe('memory shared through two buffer objects', () => {
  it('two SharedArrayBuffer objects over one memory (a structured clone): the overlap is found', () => {
    const memory = new SharedArrayBuffer(64);
    const twin = structuredClone(memory);
    expect(twin).not.toBe(memory);
    const params: Float32Array = new Float32Array(memory, 0, 4);
    const state = initAdamW(params);
    // grads are params under another buffer object.
    expectRefused(params, state, () => adamwStepInPlace(params, new Float32Array(twin, 0, 4), state), RangeError, /params and grads share memory/);
    // m overlaps the second half of params.
    const s2: AdamWState<Float32Array> = { step: 0, m: new Float32Array(twin, 8, 4), v: new Float32Array(4) };
    expectRefused(params, s2, () => adamwStepInPlace(params, new Float32Array(4), s2), RangeError, /params and state\.m share memory/);
    // Disjoint bytes of one memory are fine.
    const ok: AdamWState<Float32Array> = { step: 0, m: new Float32Array(twin, 16, 4), v: new Float32Array(twin, 32, 4) };
    adamwStepInPlace(params, new Float32Array(4).fill(1), ok);
    expect(ok.step).toBe(1);
  });

  it('a shared WebAssembly memory before and after it grew: the overlap is found', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const params = new Float64Array(memory.buffer, 0, 8);
    memory.grow(1);
    expect(memory.buffer).not.toBe(params.buffer);
    const state = { step: 0, m: new Float64Array(memory.buffer, 32, 8), v: new Float64Array(8) };
    expectRefused(params, state, () => adamwStepInPlace(params, new Float64Array(8), state), RangeError, /params and state\.m share memory/);
  });

  it('separate shared buffers that happen to hold the same bytes are not mistaken for one memory, and are left as they were', () => {
    const a = new Float32Array(new SharedArrayBuffer(16));
    const b = new Float32Array(new SharedArrayBuffer(16));
    const m = new Float32Array(new SharedArrayBuffer(16));
    const v = new Float32Array(new SharedArrayBuffer(16));
    const state = { step: 0, m, v };
    adamwStepInPlace(a, b, state);
    expect(state.step).toBe(1);
    expect(Array.from(b)).toEqual([0, 0, 0, 0]);
  });

  it('SGDW finds the same overlap', () => {
    const memory = new SharedArrayBuffer(32);
    const params = new Float64Array(memory, 0, 2);
    const state = initSGDW(params);
    expectRefused(
      params,
      state,
      () => sgdwStepInPlace(params, new Float64Array(structuredClone(memory), 8, 2), state),
      RangeError,
      /params and grads share memory/,
    );
  });
});

describe('detached and out-of-bounds arrays', () => {
  const detach = (a: FloatArray) => structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });

  it('every array detached (all of length 0): refused, and no step is counted', () => {
    const { params, state } = trained();
    const g = grads();
    for (const a of [params, g, state.m, state.v, state.vMax!]) detach(a);
    expectRefused(params, state, () => adamwStepInPlace(params, g, state, { amsgrad: true }), TypeError, /params is detached/);
    expect(state.step).toBe(1);
  });

  it('only the gradient detached: the error says so, not just that the lengths differ', () => {
    const { params, state } = trained();
    const g = grads();
    detach(g);
    expectRefused(params, state, () => adamwStepInPlace(params, g, state, { amsgrad: true }), TypeError, /grads is detached/);
  });

  it('a view left out of bounds by a shrunk resizable buffer: refused', () => {
    const buffer = new ResizableBuffer(32, { maxByteLength: 32 });
    const params = new Float32Array(buffer, 16, 4);
    const state = { step: 0, m: new Float32Array(buffer, 0, 0), v: new Float32Array(0) };
    buffer.resize(8);
    expect(params.length).toBe(0);
    expectRefused(params, state, () => adamwStepInPlace(params, new Float32Array(0), state), TypeError, /params is detached or out of bounds/);
  });

  it('an empty array that was never attached to anything steps (and counts), as in torch', () => {
    const params = new Float32Array(0);
    const state = initAdamW(params);
    adamwStepInPlace(params, new Float32Array(0), state);
    expect(state.step).toBe(1);
  });
});
