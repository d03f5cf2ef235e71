import type { AdamWKernel } from '../simd/select.js';
import type { AdamWState, FloatArray } from '../types.js';
import type { ResolvedAdamWOptions } from './options.js';
import type { AdamWPlan } from './plan.js';

/** Where a step would write a NaN or ±Infinity. */
export interface NonFiniteResult {
  array: 'params' | 'state.m' | 'state.v' | 'state.vMax';
  index: number;
  value: number;
}

/**
 * The first scalar of a step that is not finite in the arithmetic of the
 * arrays (a Float32Array's kernel rounds every scalar to float32), described
 * for an error message; undefined when all are finite. Any of them not finite
 * makes every parameter non-finite.
 */
export function nonFinitePlanScalar(o: ResolvedAdamWOptions, plan: AdamWPlan, float32: boolean): string | undefined {
  const decay = `the decay factor 1 − ${o.decayScale === 'lr' ? 'lr·η·λ' : 'η·λ'}`;
  const scalars: [string, number][] = [
    ['the step size (lr·η with its bias correction)', plan.stepSize],
    [decay, plan.keepBefore],
    [decay, plan.keepAfter],
    ['the L2 coefficient λ', plan.l2],
  ];
  for (const [label, value] of scalars) {
    const rounded = float32 ? Math.fround(value) : value;
    if (rounded - rounded !== 0) {
      return `${label} is ${rounded}${Number.isFinite(value) ? ' in float32' : ''} (lr ${o.lr}, scheduleMultiplier ${o.scheduleMultiplier}, weightDecay ${o.weightDecay})`;
    }
  }
  return undefined;
}

/** Elements per chunk of the scratch copies: four arrays of them stay in a core's L1/L2 cache. */
const CHUNK = 4096;
const NAMES = ['params', 'state.m', 'state.v', 'state.vMax'] as const;
const ORDER = [1, 2, 3, 0] as const;
const ORDER_WITHOUT_VMAX = [1, 2, 0] as const;
const scratch = new Map<Float32ArrayConstructor | Float64ArrayConstructor, FloatArray[]>();

function scratchFor(a: FloatArray): FloatArray[] {
  const Ctor = a instanceof Float32Array ? Float32Array : Float64Array;
  let arrays = scratch.get(Ctor);
  if (arrays === undefined) {
    arrays = [new Ctor(CHUNK), new Ctor(CHUNK), new Ctor(CHUNK), new Ctor(CHUNK)];
    scratch.set(Ctor, arrays);
  }
  return arrays;
}

function firstNonFiniteIn(a: FloatArray, length: number): number {
  for (let i = 0; i < length; i++) {
    const x = a[i]!;
    if (x - x !== 0) return i;
  }
  return -1;
}

/**
 * Runs `kernel` with `plan` on copies of the arrays, a chunk at a time, and
 * returns the first value the step would make NaN or ±Infinity (m, v and
 * vMax, then params, of the same chunk), or undefined. Nothing of the caller's is
 * written; the copies live in a fixed scratch area, so it allocates only
 * views. Every kernel computes the same bits, so the values found are the
 * ones the step would write.
 */
export function firstNonFiniteResult(
  kernel: AdamWKernel,
  plan: AdamWPlan,
  p: FloatArray,
  g: FloatArray,
  { m, v }: Pick<AdamWState, 'm' | 'v'>,
  vMax: FloatArray | undefined,
): NonFiniteResult | undefined {
  const [sp, sm, sv, su] = scratchFor(p) as [FloatArray, FloatArray, FloatArray, FloatArray];
  const n = p.length;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const length = end - start;
    const views = length === CHUNK ? [sp, sm, sv, su] : [sp.subarray(0, length), sm.subarray(0, length), sv.subarray(0, length), su.subarray(0, length)];
    views[0]!.set(p.subarray(start, end));
    views[1]!.set(m.subarray(start, end));
    views[2]!.set(v.subarray(start, end));
    if (vMax !== undefined) views[3]!.set(vMax.subarray(start, end));
    kernel(plan, views[0]!, g.subarray(start, end), views[1]!, views[2]!, vMax === undefined ? undefined : views[3]!);
    // The moments first: a NaN in m or v is the cause of one in params.
    for (const k of vMax === undefined ? ORDER_WITHOUT_VMAX : ORDER) {
      const at = firstNonFiniteIn(views[k]!, length);
      if (at >= 0) return { array: NAMES[k]!, index: start + at, value: views[k]![at]! };
    }
  }
  return undefined;
}
