import { firstDifference, seededValues } from '@adamw/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamwStepInPlace, adamwStepInPlaceWith, initAdamW, type AdamWOptions, type AdamWState, type FloatArray } from '../src/index.js';
import { createParallelAdamW, initSharedAdamW, isShared, shareFloatArray, type ParallelAdamW } from '../src/parallel/index.js';
import { shardBounds } from '../src/parallel/shards.js';
import { parallelWorkerSource } from '../src/parallel/worker.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

const values = (n: number, seed: number, scale = 1): Float64Array => seededValues(n, seed, scale);

function expectSameBits(a: AdamWState & { params: FloatArray }, b: AdamWState & { params: FloatArray }): void {
  expect(firstDifference(a.params, b.params), 'params').toBeUndefined();
  expect(firstDifference(a.m, b.m), 'm').toBeUndefined();
  expect(firstDifference(a.v, b.v), 'v').toBeUndefined();
  if (b.vMax !== undefined) expect(firstDifference(a.vMax!, b.vMax), 'vMax').toBeUndefined();
  expect(a.step).toBe(b.step);
}

/** Where the pool's arrays come from: its own shared memory (updated in place) or any SharedArrayBuffer (copied in chunks). */
type Placement = 'pool' | 'shared';

/** The same steps through the pool and through the single-threaded scalar reference. */
function compare(pool: ParallelAdamW, placement: Placement, Ctor: Ctor, n: number, options: AdamWOptions, steps: number, seed: number): void {
  const start = new Ctor(values(n, seed));
  const params = placement === 'pool' ? pool.copyOf(start) : shareFloatArray(start);
  const state = placement === 'pool' ? pool.initAdamW(params, options) : initSharedAdamW(params, options);
  const grads = placement === 'pool' ? pool.copyOf(new Ctor(n)) : shareFloatArray(new Ctor(n));
  const refParams = start.slice();
  const refState = initAdamW(refParams, options);
  for (let t = 0; t < steps; t++) {
    grads.set(new Ctor(values(n, seed + t + 1, 0.1)));
    pool.step(params, grads, state, { ...options, scheduleMultiplier: 1 - 0.05 * t });
    adamwStepInPlaceWith('scalar', refParams, grads.slice(), refState, { ...options, scheduleMultiplier: 1 - 0.05 * t });
  }
  expectSameBits({ ...state, params }, { ...refState, params: refParams });
}

describe('shardBounds', () => {
  it('covers [0, n) with aligned inner boundaries', () => {
    for (const [n, parts] of [
      [0, 3],
      [10, 4],
      [1000, 3],
      [1 << 20, 2],
      [100003, 7],
    ] as const) {
      const b = shardBounds(n, parts, 16);
      expect(b.length).toBe(parts + 1);
      expect(b[0]).toBe(0);
      expect(b[parts]).toBe(n);
      for (let i = 1; i < parts; i++) {
        expect(b[i]! % 16 === 0 || b[i] === n).toBe(true);
        expect(b[i]!).toBeGreaterThanOrEqual(b[i - 1]!);
      }
    }
    // Even split when it can be.
    expect(shardBounds(1 << 20, 2, 16)).toEqual([0, 1 << 19, 1 << 20]);
  });
});

describe('the worker source', () => {
  it('is plain JavaScript that parses', () => {
    const source = parallelWorkerSource();
    expect(() => new Function('require', source)).not.toThrow();
    expect(source).toContain('runSimdChunks');
  });
});

describe('createParallelAdamW', () => {
  let pool: ParallelAdamW;
  beforeAll(async () => {
    // Small shards so that every worker gets work on test-sized arrays.
    pool = await createParallelAdamW({ workers: 2, minLengthPerThread: 64 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('reports its worker count', () => {
    expect(pool.workers).toBe(2);
  });

  for (const placement of ['pool', 'shared'] as const) {
    for (const Ctor of [Float32Array, Float64Array]) {
      it(`${Ctor.name}, arrays in ${placement === 'pool' ? "the pool's memory" : 'other shared memory'}: the same bits as the single-threaded step for every convention and option`, () => {
        let seed = 1;
        for (const convention of ['torch', 'optax', 'keras', 'huggingface'] as const) {
          for (const amsgrad of [false, true]) {
            for (const decay of ['decoupled', 'l2'] as const) {
              const options: AdamWOptions = { convention, amsgrad, decay, maximize: seed % 2 === 0, lr: 0.01, weightDecay: 0.1 };
              // 20011 is not a whole number of vectors: the last elements take the slots.
              compare(pool, placement, Ctor, 20011, options, 3, (seed += 7));
            }
          }
        }
      });
    }

    it(`splits lengths from below one shard to many chunks (${placement})`, () => {
      for (const n of [1, 63, 64, 129, 130, 200, 70001]) {
        compare(pool, placement, Float32Array, n, { amsgrad: true }, 2, n);
        compare(pool, placement, Float64Array, n, {}, 2, n);
      }
    });
  }

  it('keeps the arrays it handed out valid while its memory grows, and they step on one thread too', () => {
    const n = 3001;
    const params = pool.copyOf(new Float32Array(values(n, 5)));
    const grads = pool.copyOf(new Float32Array(values(n, 6, 0.1)));
    const state = pool.initAdamW(params);
    const ref = params.slice();
    const refState = initAdamW(ref);
    pool.step(params, grads, state);
    adamwStepInPlaceWith('scalar', ref, grads.slice(), refState);
    // Grow the shared memory well past its current size.
    const before = pool.usedBytes;
    const big = pool.float64(1 << 20);
    expect(pool.usedBytes).toBeGreaterThanOrEqual(before + 8 * (1 << 20));
    expect(big.buffer).not.toBe(params.buffer);
    pool.step(params, grads, state);
    adamwStepInPlaceWith('scalar', ref, grads.slice(), refState);
    // The single-threaded step recognises the pool's arrays as well.
    adamwStepInPlace(params, grads, state);
    adamwStepInPlaceWith('scalar', ref, grads.slice(), refState);
    expectSameBits({ ...state, params }, { ...refState, params: ref });
    expect(() => pool.float32(-2)).toThrow(/length must be a non-negative integer/);
  });

  it('follows arrays that change between steps', () => {
    const n = 5000;
    const a = shareFloatArray(new Float32Array(values(n, 1)));
    const b = shareFloatArray(new Float32Array(values(n, 2)));
    const sa = initSharedAdamW(a);
    const sb = initSharedAdamW(b);
    const ra = a.slice();
    const rb = b.slice();
    const rsa = initAdamW(ra);
    const rsb = initAdamW(rb);
    const grads = shareFloatArray(new Float32Array(values(n, 3, 0.1)));
    for (let t = 0; t < 3; t++) {
      pool.step(a, grads, sa);
      pool.step(b, grads, sb);
      adamwStepInPlaceWith('scalar', ra, grads, rsa);
      adamwStepInPlaceWith('scalar', rb, grads, rsb);
    }
    expectSameBits({ ...sa, params: a }, { ...rsa, params: ra });
    expectSameBits({ ...sb, params: b }, { ...rsb, params: rb });
  });

  it('rejects arrays that are not SharedArrayBuffer-backed, naming them, and writes nothing', () => {
    const params = shareFloatArray(new Float32Array(1000).fill(1));
    const state = initSharedAdamW(params);
    expect(() => pool.step(params, new Float32Array(1000), state)).toThrow(/grads must be backed by a SharedArrayBuffer/);
    const plain = initAdamW(params);
    expect(() => pool.step(params, shareFloatArray(new Float32Array(1000)), plain)).toThrow(/state\.m must be backed/);
    expect(params.every((x) => x === 1)).toBe(true);
    expect(state.step).toBe(0);
    expect(isShared(params)).toBe(true);
    expect(isShared(new Float32Array(2))).toBe(false);
  });

  it("keeps adamwStepInPlace's checks and the nonFinite policies", () => {
    const params = shareFloatArray(new Float64Array(1000).fill(1));
    const state = initSharedAdamW(params);
    const grads = shareFloatArray(new Float64Array(1000));
    expect(() => pool.step(params, shareFloatArray(new Float64Array(999)), state)).toThrow(/grads has length 999/);
    expect(() => pool.step(params, grads, state, { lr: -1 })).toThrow(/option lr/);
    grads[700] = Infinity;
    expect(() => pool.step(params, grads, state, { nonFinite: 'throw' })).toThrow(/grads\[700\] is Infinity/);
    pool.step(params, grads, state, { nonFinite: 'skip' });
    expect(state.step).toBe(0);
    expect(params.every((x) => x === 1)).toBe(true);
  });
});

describe('createParallelAdamW options and lifetime', () => {
  it('validates its options', async () => {
    await expect(createParallelAdamW({ workers: -1 })).rejects.toThrow(/option workers must be an integer in \[0, 256\]/);
    await expect(createParallelAdamW({ workers: 1.5 })).rejects.toThrow(/option workers/);
    await expect(createParallelAdamW({ threads: 2 } as never)).rejects.toThrow(/unknown parallel AdamW option field 'threads'/);
  });

  it('works with no workers (the calling thread alone) and refuses steps once closed', async () => {
    const pool = await createParallelAdamW({ workers: 0 });
    compare(pool, 'pool', Float32Array, 1000, {}, 2, 9);
    compare(pool, 'shared', Float32Array, 1000, {}, 2, 9);
    await pool.close();
    const params = shareFloatArray(new Float32Array(4));
    expect(() => pool.step(params, shareFloatArray(new Float32Array(4)), initSharedAdamW(params))).toThrow(/closed/);
  });
});
