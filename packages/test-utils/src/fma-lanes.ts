import { lcg } from './random.js';

/**
 * B = round(2^j / A) for an odd integer significand A of 24 bits, where B
 * fits in 24 bits too and A·B = 2^j + d with 0 < |d| < 2^(j−29): a product of
 * two float32 significands a hair off a power of two, close enough that
 * float64 rounds it away. Else undefined.
 */
export function nearPowerOfTwo(A: number, j: number): number | undefined {
  const B = Math.round(2 ** j / A);
  const d = A * B - 2 ** j; // exact: below 2^48
  return B >= 2 ** 24 || d === 0 || Math.abs(d) >= 2 ** (j - 29) ? undefined : B;
}

/**
 * One float32 a and lanes (b, c) of float32 numbers on which float64 rounds
 * a·b + c exactly onto a halfway point between two float32 numbers that the
 * exact sum is not on, so that rounding that float64 sum to float32 can differ
 * from a fused multiply-add. The integer significands satisfy
 * A·B = 2^j + d with 0 < |d| < 2^(j−29) ({@link nearPowerOfTwo}), so a·b is 2^s·(1 + d/2^j); c is any
 * float32 of the binade whose half spacing is 2^s, so c + 2^s is a halfway
 * point and d/2^j is less than half a float64 ulp of it. One a serves every
 * lane, as a per-step scalar such as 1 − β₁ or λ does.
 */
export function halfwayLanes(count: number, seed: number): { a: number; b: Float32Array; c: Float32Array } {
  const next = lcg(seed);
  for (let tries = 0; tries < 100_000; tries++) {
    const A = 2 ** 23 + 2 * Math.floor(next() * 2 ** 22) + 1;
    for (let j = 24; j <= 47; j++) {
      const B = nearPowerOfTwo(A, j);
      if (B === undefined) continue;
      const b = new Float32Array(count);
      const c = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const s = Math.floor(next() * 160) - 90;
        const sign = next() < 0.5 ? -1 : 1;
        b[i] = sign * B * 2 ** (s - j + 23);
        c[i] = sign * (2 ** 23 + Math.floor(next() * 2 ** 23)) * 2 ** (s + 1);
      }
      return { a: A * 2 ** -23, b, c };
    }
  }
  throw new Error('no A·B near a power of two was found');
}
