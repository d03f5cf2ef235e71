/**
 * The error function in float64, within 2 ulp of the exact value over the
 * whole real line. GELU needs it in torch's exact form (`0.5·x·(1 + erf(x/√2))`),
 * and JavaScript has no `Math.erf`.
 *
 * Two expansions, each where it converges fast:
 *
 * - |x| < 1: the Taylor series erf(x) = (2/√π)·Σₙ (−1)ⁿ·x^(2n+1) / (n!·(2n+1)).
 * - |x| ≥ 1: erfc(x) = (e^(−x²)/√π) · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))),
 *   Laplace's continued fraction, evaluated from the tail with ⌈250/x²⌉ terms
 *   (it converges faster as x grows); erf = 1 − erfc.
 *
 * e^(−x²) is computed from x² split into an exact sum hi + lo, so the
 * rounding of x² does not grow with x.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π
const SPLIT = 134217729; // 2^27 + 1, Dekker's splitting constant
/** Beyond this, erfc(x) < 2^-56 and erf(x) rounds to ±1. */
const SATURATE = 6;
/** Continued-fraction terms needed for full accuracy are about this over x² (measured against CPython's math.erf). */
const FRACTION_SCALE = 250;

/** e^(−x²), with x² carried as an exact double-double so large x loses nothing. */
function expMinusSquare(x: number): number {
  const hi = x * x;
  const c = SPLIT * x;
  const xh = c - (c - x);
  const xl = x - xh;
  const lo = xh * xh - hi + 2 * xh * xl + xl * xl;
  // e^(−hi−lo) = e^(−hi)·e^(−lo), and |lo| ≤ ulp(hi)/2 so e^(−lo) ≈ 1 − lo.
  return Math.exp(-hi) * (1 - lo);
}

/** erf(x) for 0 ≤ x < 1 by the Taylor series. */
function erfTaylor(x: number): number {
  const x2 = x * x;
  let power = x; // (−1)ⁿ·x^(2n+1)/n!
  let sum = x;
  for (let n = 1; n < 40; n++) {
    power *= -x2 / n;
    const term = power / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) for x ≥ 1 by the continued fraction. */
function erfcFraction(x: number): number {
  const terms = Math.ceil(FRACTION_SCALE / (x * x));
  let tail = x;
  for (let k = terms; k >= 1; k--) tail = x + k / 2 / tail;
  return (ONE_OVER_SQRT_PI * expMinusSquare(x)) / tail;
}

/**
 * The error function erf(x) = (2/√π)·∫₀ˣ e^(−t²) dt in float64, within 2 ulp
 * of the exact value. NaN gives NaN, ±Infinity gives ±1, −0 gives −0.
 *
 * @example
 * ```ts
 * erf(0.5); // 0.5204998778130465
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  if (a >= SATURATE) return x > 0 ? 1 : -1;
  if (a === 0) return x; // keeps −0
  if (a < 1) return erfTaylor(x); // odd already
  const r = 1 - erfcFraction(a);
  return x < 0 ? -r : r;
}
