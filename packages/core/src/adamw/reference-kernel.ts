import type { FloatArray } from '../types.js';
import { fmaf32 } from './fma.js';
import type { AdamWPlan } from './plan.js';

const identity = (x: number): number => x;

/**
 * The reference AdamW loop: every other kernel (WebAssembly SIMD, parallel)
 * is tested against it. Updates `p`, `m`, `v` and `vMax` in place.
 *
 * Float64 arrays are computed in float64. Float32 arrays are computed the way
 * torch's CPU kernel computes them in float32: every scalar and every result
 * is rounded to float32 (`Math.fround`), except that torch's vectorised
 * `mul_(β₁).add_(g, 1−β₁)`, `addcmul_` and the L2 mode's `grad.add(θ, λ)` fuse
 * their last multiply-add into one FMA, rounded once: {@link fmaf32}. (A
 * float64 multiply-add rounded to float32 is that FMA except when the float64
 * sum lands exactly halfway between two float32 numbers.)
 *
 * The three divisions by a per-step constant d (√(1−β₂ᵗ), and optax's
 * 1−β₂ᵗ) are written as products with 1/d rounded to float64. For float32
 * that is not an approximation: the quotient of two float32 numbers is never
 * closer to a rounding boundary of float32 than 2⁻⁴⁹ of its size, and the
 * float64 product is within 2⁻⁵² of it, so rounding the product gives torch's
 * float32 quotient exactly (tests check it on millions of pairs). For float64
 * it differs from the quotient by at most one rounding, and spares the SIMD
 * loop two of its three divisions per element.
 */
export function adamwReferenceKernel(plan: AdamWPlan, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | undefined): void {
  const float32 = p instanceof Float32Array;
  const r = float32 ? Math.fround : identity;
  const sign = plan.sign;
  const l2 = r(plan.l2);
  const keepBefore = r(plan.keepBefore);
  const keepAfter = r(plan.keepAfter);
  const beta1 = r(plan.beta1);
  const oneMinusBeta1 = r(plan.oneMinusBeta1);
  const beta2 = r(plan.beta2);
  const oneMinusBeta2 = r(plan.oneMinusBeta2);
  const amsScale = 1 / r(plan.amsDivisor);
  const vScale = 1 / r(plan.vDivisor);
  const epsRoot = r(plan.epsRoot);
  const sqrtScale = 1 / r(plan.sqrtDivisor);
  const eps = r(plan.eps);
  const negStepSize = r(-plan.stepSize);
  const useL2 = plan.l2 !== 0;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let grad = sign * g[i]!;
    let theta = p[i]!;
    // The three fused lines; float64 rounds after the product and after the sum.
    // (A branch rather than a function chosen per dtype: the engine inlines both arms.)
    if (useL2) grad = float32 ? fmaf32(l2, theta, grad) : l2 * theta + grad;
    theta = r(theta * keepBefore);
    const x = r(m[i]! * beta1);
    const mi = float32 ? fmaf32(oneMinusBeta1, grad, x) : oneMinusBeta1 * grad + x;
    const y = r(v[i]! * beta2);
    const s = r(oneMinusBeta2 * grad);
    const vi = float32 ? fmaf32(s, grad, y) : s * grad + y;
    m[i] = mi;
    v[i] = vi;
    let second = vi;
    if (vMax !== undefined) {
      // Math.max propagates NaN, as torch.maximum does.
      second = Math.max(vMax[i]!, r(vi * amsScale));
      vMax[i] = second;
    }
    let root = r(second * vScale);
    // torch has no ε under the root; without one nothing is added (which
    // keeps a −0 in v as it is, as the SIMD loop does).
    if (epsRoot !== 0) root = r(root + epsRoot);
    const denom = r(r(r(Math.sqrt(root)) * sqrtScale) + eps);
    theta = r(theta + r(r(negStepSize * mi) / denom));
    p[i] = r(theta * keepAfter);
  }
}
