import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activate, activationBackward, matmulTransposed, sumRows, transpose, type FloatArray } from '../src/index.js';
import { isMatmulSimdAvailable, KC, KernelMemory } from '../src/simd/kernels.js';
import { rand } from './helpers.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const CTORS: Ctor[] = [Float32Array, Float64Array];
const dtypeOf = (C: Ctor) => (C === Float32Array ? 'float32' : 'float64');

/** A kernel memory with room for arrays of these lengths, each followed by a guard of 8 elements. */
function memoryFor(C: Ctor, lengths: number[], maxRows: number, maxColumns: number) {
  const mem = new KernelMemory(
    dtypeOf(C),
    KernelMemory.bytesFor(
      dtypeOf(C),
      lengths.flatMap((n) => [n, 8]),
    ),
    maxRows,
    maxColumns,
  );
  const arrays = lengths.map((n) => {
    const a = mem.alloc(n);
    mem.alloc(8).fill(-7);
    return a;
  });
  return { mem, arrays };
}

/** The elements right after `a` in its memory: a guard of 8 that no kernel may write. */
function guardAfter(a: FloatArray): number[] {
  return Array.from(new (a.constructor as Ctor)(a.buffer as ArrayBuffer, a.byteOffset + Math.ceil(a.byteLength / 64) * 64, 8));
}

/**
 * Float32 results against the float64 reference: a float32 sum of K products
 * is within K·2⁻²⁴·Σ|aₖbₖ| of the exact sum (plus the reference's own
 * rounding of the result).
 */
function expectClose(actual: FloatArray, expected: FloatArray, magnitude: Float64Array, K: number): void {
  for (let i = 0; i < actual.length; i++) {
    const bound = (K + 2) * 2 ** -24 * magnitude[i]! + 1e-30;
    if (!(Math.abs(actual[i]! - expected[i]!) <= bound)) {
      expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (bound ${bound})`);
    }
  }
}

/** Σₖ |A(m,k)·B(k,n)| for each element of C = A·Bᵀ (A [M, K], B [N, K]). */
function absProducts(a: FloatArray, b: FloatArray, M: number, N: number, K: number): Float64Array {
  const absA = Float64Array.from(a, Math.abs);
  const absB = Float64Array.from(b, Math.abs);
  const out = new Float64Array(M * N);
  matmulTransposed(absA, absB, out, M, N, K);
  return out;
}

function expectSame(actual: FloatArray, expected: FloatArray): void {
  expect(Array.from(actual)).toEqual(Array.from(expected));
}

/**
 * The three products against `matmulTransposed` (the readable reference) on
 * one shape: float64 bit for bit, float32 within the bound of a float32 sum.
 */
function checkProducts(C: Ctor, M: number, N: number, K: number, seed: number): void {
  // forward: y[M, N] = x[M, K]·w[N, K]ᵀ
  // weightGrad: dw[N, K] = δ[M, N]ᵀ·x[M, K]
  // inputGrad: dx[M, K] = δ[M, N]·w[N, K]
  const { mem, arrays } = memoryFor(C, [M * K, N * K, M * N, M * N, N * K, M * K], Math.max(M, N), Math.max(N, K));
  const [x, w, delta, y, dw, dx] = arrays as FloatArray[];
  x!.set(rand(M * K, seed));
  w!.set(rand(N * K, seed + 1));
  delta!.set(rand(M * N, seed + 2));
  y!.fill(Number.NaN);
  dw!.fill(Number.NaN);
  dx!.fill(Number.NaN);
  mem.forward(y!, x!, w!, M, N, K);
  mem.weightGrad(dw!, delta!, x!, M, N, K, false);
  mem.inputGrad(dx!, delta!, w!, M, N, K);

  const refY = new C(M * N);
  matmulTransposed(x!, w!, refY, M, N, K);
  const deltaT = new C(M * N);
  transpose(delta!, deltaT, M, N);
  const xT = new C(M * K);
  transpose(x!, xT, M, K);
  const refDw = new C(N * K);
  matmulTransposed(deltaT, xT, refDw, N, K, M);
  const wT = new C(N * K);
  transpose(w!, wT, N, K);
  const refDx = new C(M * K);
  matmulTransposed(delta!, wT, refDx, M, K, N);

  if (C === Float64Array) {
    expectSame(y!, refY);
    expectSame(dw!, refDw);
    expectSame(dx!, refDx);
  } else {
    expectClose(y!, refY, absProducts(x!, w!, M, N, K), K);
    expectClose(dw!, refDw, absProducts(deltaT, xT, N, K, M), M);
    expectClose(dx!, refDx, absProducts(delta!, wT, M, K, N), N);
  }
  for (const a of [y!, dw!, dx!]) expect(guardAfter(a)).toEqual(new Array(8).fill(-7));
}

describe('the WebAssembly matrix kernels', () => {
  it('run here: Node has WebAssembly SIMD', () => {
    expect(isMatmulSimdAvailable('float32')).toBe(true);
    expect(isMatmulSimdAvailable('float64')).toBe(true);
  });

  it('are up to date with wasm/matmul.wat (compiled again with wabt)', () => {
    const script = fileURLToPath(new URL('../../core/scripts/build-wasm.mjs', import.meta.url));
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const args = [
      '--wat',
      'wasm/matmul.wat',
      '--out',
      'src/simd/matmul-wasm.ts',
      '--name',
      'MATMUL',
      '--title',
      'dense-layer matrix',
      '--per-type',
      '--shared',
      '--check',
    ];
    expect(execFileSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8' })).toContain('up to date');
  });

  // Every remainder of the 4-row blocks and of the panels (8 float32 or 4
  // float64 columns), 1-row and 1-column products, and k across blocks of KC.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 9, 5],
    [7, 1, 3],
    [1, 1, KC + 3],
    [4, 8, 4],
    [5, 3, 7],
    [3, 10, 2],
    [13, 17, 31],
    [64, 10, 128],
    [9, 12, 2 * KC + 1],
    [32, 33, 300],
    [6, 4, KC],
  ];
  for (const C of CTORS) {
    for (const [M, N, K] of shapes) {
      it(`${C.name}: x·Wᵀ, δᵀ·x and δ·W of ${M}×${K} and ${N}×${K} equal the reference loops`, () => checkProducts(C, M, N, K, M * 131 + N * 7 + K));
    }
  }

  for (const C of CTORS) {
    it(`${C.name}: random shapes (property)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }), fc.integer(), (M, N, K, seed) => {
          checkProducts(C, M, N, K, seed >>> 0);
        }),
        { numRuns: 40, seed: C === Float32Array ? 11 : 12 },
      );
    });
  }

  for (const C of CTORS) {
    it(`${C.name}: a weight gradient accumulated over two parts of the rows has the bits of one product over all of them`, () => {
      const [M, N, K] = [37, 9, 11];
      const { mem, arrays } = memoryFor(C, [M * K, M * N, N * K, N * K, N, N], M, Math.max(N, K));
      const [x, delta, whole, parts, sumWhole, sumParts] = arrays as FloatArray[];
      x!.set(rand(M * K, 3));
      delta!.set(rand(M * N, 4));
      mem.weightGrad(whole!, delta!, x!, M, N, K, false);
      mem.colSums(sumWhole!, delta!, M, N, false);
      const split = 20;
      const xs = (from: number, to: number) => x!.subarray(from * K, to * K);
      const ds = (from: number, to: number) => delta!.subarray(from * N, to * N);
      mem.weightGrad(parts!, ds(0, split), xs(0, split), split, N, K, false);
      mem.weightGrad(parts!, ds(split, M), xs(split, M), M - split, N, K, true);
      mem.colSums(sumParts!, ds(0, split), split, N, false);
      mem.colSums(sumParts!, ds(split, M), M - split, N, true);
      expectSame(parts!, whole!);
      expectSame(sumParts!, sumWhole!);
    });
  }

  for (const C of CTORS) {
    it(`${C.name}: bias, column sums, relu and its derivative equal the TypeScript loops`, () => {
      const [rows, cols] = [5, 7];
      const n = rows * cols;
      const { mem, arrays } = memoryFor(C, [n, cols, cols, n, n, n], rows, cols);
      const [c, bias, sums, pre, post, delta] = arrays as FloatArray[];
      // Zeros of both signs, NaN and infinities go through relu as the reference sends them.
      const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, -1e-40];
      pre!.set(rand(n, 8));
      pre!.set(special, 3);
      c!.set(rand(n, 5));
      bias!.set(rand(cols, 6));
      delta!.set(rand(n, 9));

      const refC = C.from(c!);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) refC[r * cols + j] = refC[r * cols + j]! + bias![j]!;
      mem.addBias(c!, bias!, rows, cols);
      expectSame(c!, refC);

      const refPost = new C(n);
      activate('relu', pre!, refPost, n);
      mem.relu(post!, pre!, n);
      for (let i = 0; i < n; i++) expect(Object.is(post![i], refPost[i]) || (Number.isNaN(post![i]!) && Number.isNaN(refPost[i]!)), `relu at ${i}`).toBe(true);

      const refDelta = C.from(delta!);
      activationBackward('relu', pre!, refPost, refDelta, n);
      mem.reluBackward(delta!, pre!, n);
      for (let i = 0; i < n; i++) expect(Object.is(delta![i], refDelta[i]), `relu′ at ${i}`).toBe(true);

      const t = new C(n);
      transpose(c!, t, rows, cols);
      const refSums = new C(cols);
      sumRows(t, refSums, cols, rows);
      mem.colSums(sums!, c!, rows, cols, false);
      if (C === Float64Array) expectSame(sums!, refSums);
      else for (let j = 0; j < cols; j++) expect(Math.abs(sums![j]! - refSums[j]!)).toBeLessThanOrEqual(rows * 2 ** -24 * 8);
      for (const a of [c!, post!, delta!, sums!]) expect(guardAfter(a)).toEqual(new Array(8).fill(-7));
    });
  }

  it('arrays of a kernel memory stay valid: the memory never grows', () => {
    const { mem, arrays } = memoryFor(Float32Array, [10], 4, 4);
    expect(() => mem.alloc(1 << 20)).toThrow(RangeError);
    expect(arrays[0]!.length).toBe(10);
  });
});
