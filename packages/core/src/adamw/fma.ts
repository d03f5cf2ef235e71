/** The largest finite float32, 2¹²⁸ − 2¹⁰⁴. */
const MAX_F32 = 3.4028234663852886e38;
/** Halfway between the largest float32 and 2¹²⁸: from here on float32 rounding overflows. */
const OVERFLOW_HALFWAY = 2 ** 128 - 2 ** 103;

/**
 * The float32 fused multiply-add of float32 numbers a, b, c:
 *
 *   fmaf32(a, b, c) = RN32(a·b + c)
 *
 * rounded once, to nearest with ties to even, as a hardware float32 FMA
 * (x86 vfmadd, ARM fmla) rounds it: subnormal results, signed zeros and
 * infinities included, and NaN for any NaN operand, ∞·0 and ∞ − ∞.
 *
 * The product of two float32 numbers is exact in float64 (48 bits, and
 * float32 exponents can neither overflow nor underflow float64), so only the
 * sum s = a·b + c is rounded before float32: to float64, then to float32.
 * Rounding to float64 never crosses a float32 number or a halfway point
 * between two (both are float64 numbers), so that second rounding gives the
 * FMA unless s landed exactly on a halfway point the exact sum is not on;
 * only then is the rounding error of s needed.
 */
export function fmaf32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  const d = s - r; // exact: the rounding error of a rounding to fewer bits
  // q = s + d = 2s − r. If s is halfway, q is the other float32 neighbour of s,
  // exactly. Otherwise it is not a float32: s and every halfway point are
  // multiples of u, the float64 ulp of s, so |d| is at least u short of half a
  // float32 spacing, 2s − r lies at least 2u from every float32, and rounding it
  // to float64 moves it by at most u. A NaN fails the test and returns NaN; a finite
  // s that fround overflows gives d = q = ∓∞ and takes the branch.
  const q = s + d;
  if (d === 0 || Math.fround(q) !== q) return r;

  // s is halfway (or r overflowed, d = ∓∞): TwoSum gives e with p + c = s + e exactly.
  const z = s - p;
  const e = p - (s - z) + (c - z);
  if (e === 0) return r; // a true tie: ties to even is what fround did
  if (r === Infinity || r === -Infinity) {
    // Only the halfway point to 2¹²⁸ can round back below it.
    return Math.abs(s) === OVERFLOW_HALFWAY && Math.sign(e) !== Math.sign(s) ? Math.sign(s) * MAX_F32 : r;
  }
  // The exact sum lies beyond s on the side of e: towards q or back towards r.
  return Math.sign(e) === Math.sign(d) ? q : r;
}
