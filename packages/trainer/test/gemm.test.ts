import { describe, expect, it } from 'vitest';
import { matmulTransposed, sumRows, transpose } from '../src/index.js';
import { rand } from './helpers.js';

/** C = A·Bᵀ + bias by the textbook triple loop, in float64. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, M: number, N: number, K: number, bias?: ArrayLike<number>): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * K + k]! * b[n * K + k]!;
      c[m * N + n] = s + (bias ? bias[n]! : 0);
    }
  }
  return c;
}

describe('matmulTransposed', () => {
  // Every combination of M and N remainders modulo the 4×4 block, K down to 1.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [4, 4, 4],
    [5, 3, 7],
    [8, 9, 2],
    [7, 6, 33],
    [13, 10, 64],
    [64, 10, 128],
    [3, 17, 1],
    [16, 16, 100],
  ];
  for (const [M, N, K] of shapes) {
    for (const Ctor of [Float64Array, Float32Array]) {
      for (const withBias of [false, true]) {
        it(`${M}×${K} · (${N}×${K})ᵀ ${withBias ? '+ bias ' : ''}in ${Ctor.name} equals the triple loop`, () => {
          const a = new Ctor(rand(M * K, M * 31 + K));
          const b = new Ctor(rand(N * K, N * 17 + K));
          const bias = withBias ? new Ctor(rand(N, 5)) : undefined;
          const c = new Ctor(M * N).fill(Number.NaN);
          matmulTransposed(a, b, c, M, N, K, bias);
          const expected = naive(a, b, M, N, K, bias);
          for (let i = 0; i < c.length; i++) {
            if (Ctor === Float32Array) {
              // Summed in float64 and rounded once: the float32 rounding of the exact float64 sum (up to its own tiny error).
              expect(Math.abs(c[i]! - expected[i]!), `index ${i}`).toBeLessThanOrEqual(Math.abs(expected[i]!) * 2 ** -23 + 1e-12);
            } else {
              expect(Math.abs(c[i]! - expected[i]!), `index ${i}`).toBeLessThanOrEqual(K * 1e-16 * (1 + Math.abs(expected[i]!)));
            }
          }
        });
      }
    }
  }

  it('writes only the M×N outputs', () => {
    const c = new Float64Array(3 * 5 + 4).fill(7);
    matmulTransposed(new Float64Array(rand(3 * 2, 1)), new Float64Array(rand(5 * 2, 2)), c, 3, 5, 2);
    expect(Array.from(c.subarray(15))).toEqual([7, 7, 7, 7]);
  });
});

describe('transpose and sumRows', () => {
  it('transpose swaps rows and columns, including partial tiles', () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 5],
      [17, 33],
      [40, 16],
    ] as const) {
      const src = new Float64Array(rand(rows * cols, rows + cols));
      const dst = new Float64Array(rows * cols);
      transpose(src, dst, rows, cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(dst[c * rows + r]).toBe(src[r * cols + c]);
    }
  });

  it('sumRows adds each row', () => {
    const out = new Float32Array(2);
    sumRows(new Float32Array([1, 2, 3, 4, 5, 6]), out, 2, 3);
    expect(Array.from(out)).toEqual([6, 15]);
  });
});
