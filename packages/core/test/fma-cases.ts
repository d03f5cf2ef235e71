// An exact float32 FMA, and operands on which the float64 multiply-add rounded
// to float32 is wrong, for the tests of every kernel that must fuse like hardware.
import { f32Bits, f32FromBits, nearPowerOfTwo, xorshift32 } from '@adamw/test-utils';

/** Every exact value below is an integer times 2^-K: 2^-298 is the smallest product of two float32 subnormals. */
const K = 298;

/** A finite float32 as [signed integer significand, exponent]: x = significand·2^exponent. */
function decompose(x: number): [number, number] {
  const b = f32Bits(x);
  const field = (b >>> 23) & 0xff;
  const significand = field === 0 ? b & 0x7fffff : (b & 0x7fffff) | 0x800000;
  return [b >>> 31 ? -significand : significand, field === 0 ? -149 : field - 150];
}

/** The number of bits of m > 0 (log2 of its float64 rounding is off by at most one; toString(2) is slower). */
function bitLength(m: bigint): number {
  let n = Math.floor(Math.log2(Number(m))) + 1;
  if (m >> BigInt(n) !== 0n) n++;
  if (m >> BigInt(n - 1) === 0n) n--;
  return n;
}

/** RN32(a·b + c) computed exactly with integers: the oracle for fmaf32. */
export function exactFmaf32(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c; // ∞ and NaN are not rounded: float64 gives IEEE's answer
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  // Both terms as integers times 2^-K (ma·mb is below 2^48, exact as a number).
  const exact = (BigInt(ma * mb) << BigInt(ea + eb + K)) + (BigInt(mc) << BigInt(ec + K));
  if (exact === 0n) return Object.is(a * b, -0) && Object.is(c, -0) ? -0 : 0; // exact cancellation is +0
  const magnitude = exact < 0n ? -exact : exact;
  // Keep 24 significant bits, but no bit below 2^-149 (the subnormal grid).
  const shift = Math.max(bitLength(magnitude) - 24, 149);
  const kept = magnitude >> BigInt(shift);
  const rest = magnitude - (kept << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  const rounded = rest > half || (rest === half && (kept & 1n) === 1n) ? kept + 1n : kept;
  const value = Number(rounded) * 2 ** (shift - K); // ≤ 2^24 times a power of two: exact
  const result = value >= 2 ** 128 ? Infinity : value;
  return exact < 0n ? -result : result;
}

/** A float32 c: a power of two, any normal number, or a subnormal of 20 to 23 bits, of either sign. */
function randomAddend(next: () => number): number {
  const sign = next() & 0x80000000;
  switch (next() % 3) {
    case 0:
      return f32FromBits(sign | ((1 + (next() % 254)) << 23));
    case 1:
      return f32FromBits(sign | ((1 + (next() % 254)) << 23) | (next() & 0x7fffff));
    default: {
      const length = 20 + (next() % 4); // near 2^-149 float64 resolves a·b + c too finely to round it onto the halfway point
      return f32FromBits(sign | (next() & ((1 << length) - 1)) | (1 << (length - 1)));
    }
  }
}

/**
 * `count` triples (a, b, c) of float32 numbers on which Math.fround(a·b + c), the float64
 * multiply-add rounded once more, is not the FMA. Each puts a·b + c a hair away from the halfway
 * point h between c and a float32 neighbour: a·b = ±(A·B)·2^(t−j) with 2^t = |h − c| and
 * A·B = 2^j + ε, 0 < |ε| < 2^(j−29), close enough that float64 rounds the sum onto h; ties to
 * even then picks the wrong side whenever the even neighbour is not the one the hair points to.
 * (2^36 + 1 = 1774001·38737 makes 1 + 2^-24 + 2^-60 from c = 1: float64 gives 1 + 2^-24, fround
 * then 1, the FMA 1 + 2^-23.) Candidates are kept only where the exact oracle disagrees.
 */
export function doubleRoundingCases(count: number, seed: number): Array<[number, number, number]> {
  const next = xorshift32(seed);
  const cases: Array<[number, number, number]> = [];
  for (let attempt = 0; cases.length < count && attempt < count * 100_000; attempt++) {
    const A = 0x800001 + 2 * (next() % 0x400000); // odd, 24 bits
    const j = 30 + (next() % 18);
    const B = nearPowerOfTwo(A, j);
    if (B === undefined) continue;

    const c = randomAddend(next);
    const neighbour = f32FromBits(f32Bits(c) + (next() & 1 ? 1 : -1)); // away from zero or towards it
    if (!Number.isFinite(neighbour)) continue;
    const half = (neighbour - c) / 2; // ±2^t, exact
    const t = Math.log2(Math.abs(half));
    const x = Math.floor((t - j) / 2); // split 2^(t−j) between a and b
    const a = Math.sign(half) * A * 2 ** x;
    const b = B * 2 ** (t - j - x);
    if (Math.fround(a) !== a || Math.fround(b) !== b) continue;
    if (Math.fround(a * b + c) !== exactFmaf32(a, b, c)) cases.push([a, b, c]);
  }
  return cases;
}
