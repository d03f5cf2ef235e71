/** The few statistics the analysis needs: means, t intervals, a least-squares line. */

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** t_{0.975, df} for df = 1…30 (two-sided 95%). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (rounded
 * down to an integer); beyond 30, the normal quantile with the first term of
 * its Cornish–Fisher correction, within 0.003 of the exact value.
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return Number.NaN;
  const k = Math.floor(df);
  if (k <= 30) return T975[k - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * k);
}

/** Half-width of the 95% confidence interval of the mean of `xs` (Student's t); NaN for fewer than two values. */
export function confidenceHalfWidth(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  return (tQuantile975(xs.length - 1) * sampleStd(xs)) / Math.sqrt(xs.length);
}

/**
 * The difference of two means a − b with Welch's 95% confidence interval
 * (unequal variances, Welch–Satterthwaite degrees of freedom). The interval
 * is null when either side has fewer than two values; when both spreads are
 * 0 it is the difference itself.
 */
export function welchDifference(a: readonly number[], b: readonly number[]): { difference: number; ci: [number, number] | null } {
  const difference = mean(a) - mean(b);
  if (a.length < 2 || b.length < 2) return { difference, ci: null };
  const va = sampleStd(a) ** 2 / a.length;
  const vb = sampleStd(b) ** 2 / b.length;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { difference, ci: [difference, difference] };
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const h = tQuantile975(df) * se;
  return { difference, ci: [difference - h, difference + h] };
}

/** A least-squares line y = slope·x + intercept and its coefficient of determination. */
export interface LineFit {
  slope: number;
  intercept: number;
  /** 1 − SS_res/SS_tot; 1 when every y is the same and the (flat) line fits them exactly. */
  r2: number;
}

/** Fits a line through at least two points with distinct x; undefined otherwise. */
export function fitLine(points: readonly { x: number; y: number }[]): LineFit | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = mean(points.map((p) => p.x));
  const my = mean(points.map((p) => p.y));
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssRes = points.reduce((a, p) => a + (p.y - (slope * p.x + intercept)) ** 2, 0);
  // Rounding can leave a residual of 1e-30 on an exact fit; a flat set of points is fitted exactly.
  const r2 = syy === 0 ? 1 : Math.max(0, 1 - ssRes / syy);
  return { slope, intercept, r2 };
}
