import type { FloatArray } from './types.js';

/**
 * C = A·Bᵀ (+ bias on every row), the one matrix product the dense layers
 * need: A is [M, K], B is [N, K], C is [M, N], all row-major.
 *
 * ```text
 * C[m, n] = bias[n] + Σₖ A[m, k]·B[n, k]
 * ```
 *
 * Both operands are read along contiguous rows. The loop computes a 4×4
 * block of C at a time in local variables, so each pass over k loads 8
 * numbers for 16 multiply-adds instead of 2 for 1; rows left over at the
 * edges go through 4×1, 1×4 and 1×1 loops. Sums are accumulated in float64
 * and rounded once when stored, whatever the arrays' type. Allocates nothing.
 *
 * Tested against a plain triple loop (`test/gemm.test.ts`).
 */
export function matmulTransposed(a: FloatArray, b: FloatArray, c: FloatArray, M: number, N: number, K: number, bias?: FloatArray): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let m = 0; m < M4; m += 4) {
    const a0 = m * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let n = 0; n < N4; n += 4) {
      const b0 = n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + k]!;
        const x1 = a[a1 + k]!;
        const x2 = a[a2 + k]!;
        const x3 = a[a3 + k]!;
        const y0 = b[b0 + k]!;
        const y1 = b[b1 + k]!;
        const y2 = b[b2 + k]!;
        const y3 = b[b3 + k]!;
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      let d0 = 0,
        d1 = 0,
        d2 = 0,
        d3 = 0;
      if (bias !== undefined) {
        d0 = bias[n]!;
        d1 = bias[n + 1]!;
        d2 = bias[n + 2]!;
        d3 = bias[n + 3]!;
      }
      let o = m * N + n;
      c[o] = c00 + d0;
      c[o + 1] = c01 + d1;
      c[o + 2] = c02 + d2;
      c[o + 3] = c03 + d3;
      o += N;
      c[o] = c10 + d0;
      c[o + 1] = c11 + d1;
      c[o + 2] = c12 + d2;
      c[o + 3] = c13 + d3;
      o += N;
      c[o] = c20 + d0;
      c[o + 1] = c21 + d1;
      c[o + 2] = c22 + d2;
      c[o + 3] = c23 + d3;
      o += N;
      c[o] = c30 + d0;
      c[o + 1] = c31 + d1;
      c[o + 2] = c32 + d2;
      c[o + 3] = c33 + d3;
    }
    // Columns left over: four rows of A against one row of B.
    for (let n = N4; n < N; n++) {
      const b0 = n * K;
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let k = 0; k < K; k++) {
        const y = b[b0 + k]!;
        c0 += a[a0 + k]! * y;
        c1 += a[a1 + k]! * y;
        c2 += a[a2 + k]! * y;
        c3 += a[a3 + k]! * y;
      }
      const d = bias === undefined ? 0 : bias[n]!;
      const o = m * N + n;
      c[o] = c0 + d;
      c[o + N] = c1 + d;
      c[o + 2 * N] = c2 + d;
      c[o + 3 * N] = c3 + d;
    }
  }
  // Rows left over: one row of A against four rows of B, then one against one.
  for (let m = M4; m < M; m++) {
    const a0 = m * K;
    for (let n = 0; n < N4; n += 4) {
      const b0 = n * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      for (let k = 0; k < K; k++) {
        const x = a[a0 + k]!;
        c0 += x * b[b0 + k]!;
        c1 += x * b[b1 + k]!;
        c2 += x * b[b2 + k]!;
        c3 += x * b[b3 + k]!;
      }
      const o = m * N + n;
      if (bias === undefined) {
        c[o] = c0;
        c[o + 1] = c1;
        c[o + 2] = c2;
        c[o + 3] = c3;
      } else {
        c[o] = c0 + bias[n]!;
        c[o + 1] = c1 + bias[n + 1]!;
        c[o + 2] = c2 + bias[n + 2]!;
        c[o + 3] = c3 + bias[n + 3]!;
      }
    }
    for (let n = N4; n < N; n++) {
      const b0 = n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[a0 + k]! * b[b0 + k]!;
      c[m * N + n] = bias === undefined ? s : s + bias[n]!;
    }
  }
}

/** dst = srcᵀ: src is [rows, cols] and dst becomes [cols, rows], both row-major. */
export function transpose(src: FloatArray, dst: FloatArray, rows: number, cols: number): void {
  // Tiles of 16×16 keep both the reads and the writes within a few cache lines.
  const T = 16;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const base = r * cols;
        for (let col = c0; col < c1; col++) dst[col * rows + r] = src[base + col]!;
      }
    }
  }
}

/** out[i] = Σ over the columns of row i of src ([rows, cols]), summed in float64. */
export function sumRows(src: FloatArray, out: FloatArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let col = 0; col < cols; col++) s += src[base + col]!;
    out[r] = s;
  }
}
