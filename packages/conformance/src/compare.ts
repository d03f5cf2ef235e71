import type { Dtype } from './fixtures';

/**
 * How far one array is from its expected values.
 *
 * - `maxAbs`: the largest |actual − expected|.
 * - `maxRel`: the largest |actual − expected| / max(|expected|, floor). The
 *   floor keeps values near zero from turning a tiny absolute difference
 *   into a huge relative one; above the floor the measure is purely
 *   relative.
 * - `index`: where `maxRel` is reached (−1 when the arrays are identical or
 *   their lengths differ).
 *
 * Equal values count as no deviation, including equal infinities, two NaNs
 * and 0 against −0. A non-finite value against anything else, or a length
 * mismatch, is an infinite deviation.
 */
export interface Deviation {
  maxAbs: number;
  maxRel: number;
  index: number;
}

export const NO_DEVIATION: Deviation = Object.freeze({ maxAbs: 0, maxRel: 0, index: -1 });
export const INFINITE_DEVIATION: Deviation = Object.freeze({
  maxAbs: Number.POSITIVE_INFINITY,
  maxRel: Number.POSITIVE_INFINITY,
  index: -1,
});

export function deviation(actual: ArrayLike<number>, expected: ArrayLike<number>, floor: number): Deviation {
  if (actual.length !== expected.length) return INFINITE_DEVIATION;
  let maxAbs = 0;
  let maxRel = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e) continue;
    let abs: number;
    let rel: number;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (!Number.isFinite(a) || !Number.isFinite(e)) {
      abs = Number.POSITIVE_INFINITY;
      rel = Number.POSITIVE_INFINITY;
    } else {
      abs = Math.abs(a - e);
      rel = abs / Math.max(Math.abs(e), floor);
    }
    if (abs > maxAbs) maxAbs = abs;
    if (rel > maxRel) {
      maxRel = rel;
      index = i;
    }
  }
  return { maxAbs, maxRel, index };
}

/** The larger of two deviations in each measure (index of the larger `maxRel`). */
export function worse(a: Deviation, b: Deviation): Deviation {
  return {
    maxAbs: Math.max(a.maxAbs, b.maxAbs),
    maxRel: Math.max(a.maxRel, b.maxRel),
    index: b.maxRel > a.maxRel ? b.index : a.index,
  };
}

/**
 * A bound on `Deviation.maxRel` computed with `floor`: values pass when
 * |actual − expected| ≤ rel · max(|expected|, floor).
 */
export interface Tolerance {
  rel: number;
  floor: number;
}

/** Whether a deviation (computed with the tolerance's floor) is within it. */
export function within(d: Deviation, tol: Tolerance): boolean {
  return d.maxRel <= tol.rel;
}

/** Smallest positive normal numbers: below them the measure becomes absolute. */
const MIN_NORMAL: Record<Dtype, number> = {
  float32: 2 ** -126,
  float64: 2 ** -1022,
};

/**
 * Tolerances for the core step fixtures (parameters and every state array,
 * at every recorded step).
 *
 * float64: a relative 1e-10; measured: at most 5.4e-13 (state) and 1.3e-14
 * (parameters), the last-bit differences of torch's fused multiply-adds.
 * float32: measured 0, every value bit-identical to torch; the tolerance
 * allows about 4 float32 units in the last place (2⁻²¹ ≈ 4.8e-7) so that a
 * rounding-level change shows up as a number rather than a failure.
 *
 * The floor is the dtype's smallest normal number, so subnormal values are
 * compared absolutely at that scale and everything else relatively.
 */
export const CORE_TOLERANCE: Readonly<Record<Dtype, Tolerance>> = Object.freeze({
  float32: { rel: 2 ** -21, floor: MIN_NORMAL.float32 },
  float64: { rel: 1e-10, floor: MIN_NORMAL.float64 },
});

/**
 * Tolerances for training trajectories: the losses of every step and the
 * final parameters. A trajectory repeats forward pass, backward pass and
 * optimizer step, so independent implementations drift apart by rounding
 * (summation order, exp/log implementations) that Adam's normalised update
 * amplifies where gradients are near zero. The floors make the parameter
 * measure absolute (at 1e-2) for weights near zero.
 *
 * Set about ten times above torch's own spread: the same trajectories rerun
 * with each batch's rows reordered (only the summation order changes) and,
 * for float32, the same run in float64 reach at most 1.2e-6 on losses and
 * 1.9e-5 on parameters in float32, 3.9e-16 and 9.7e-15 in float64 (see the
 * README and `generate_trajectories.py --check`).
 */
export const TRAJECTORY_TOLERANCE: Readonly<Record<Dtype, { loss: Tolerance; params: Tolerance }>> = Object.freeze({
  float32: { loss: { rel: 1e-5, floor: 1e-3 }, params: { rel: 2e-4, floor: 1e-2 } },
  float64: { loss: { rel: 1e-12, floor: 1e-3 }, params: { rel: 1e-10, floor: 1e-2 } },
});

/** Formats a deviation for a report line. */
export function formatDeviation(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(2);
}
