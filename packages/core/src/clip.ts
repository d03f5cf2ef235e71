import type { FloatArray } from './types.js';
import { assertFloatArray } from './validate.js';

function arraysOf(grads: readonly FloatArray[] | Readonly<Record<string, FloatArray>>): FloatArray[] {
  const list = Array.isArray(grads) ? grads : Object.values(grads);
  list.forEach((g, i) => assertFloatArray(g, Array.isArray(grads) ? `grads[${i}]` : `grads['${Object.keys(grads)[i]}']`));
  return list as FloatArray[];
}

/** ‖g‖₂ over all the arrays together, accumulated in float64. */
export function globalNorm(grads: readonly FloatArray[] | Readonly<Record<string, FloatArray>>): number {
  let sum = 0;
  for (const g of arraysOf(grads)) {
    for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  }
  return Math.sqrt(sum);
}

/**
 * Scales every gradient in place so that their global L2 norm is at most
 * `maxNorm`, as `torch.nn.utils.clip_grad_norm_`: the factor is
 * `maxNorm / (norm + 1e-6)`, applied only when it is below 1.
 *
 * @returns the norm before clipping and the factor applied (1 when unchanged).
 */
export function clipByGlobalNormInPlace(grads: readonly FloatArray[] | Readonly<Record<string, FloatArray>>, maxNorm: number): { norm: number; scale: number } {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    throw new RangeError(`maxNorm must be a positive finite number, got ${maxNorm}`);
  }
  const list = arraysOf(grads);
  const norm = globalNorm(list);
  const factor = maxNorm / (norm + 1e-6);
  if (!(factor < 1)) return { norm, scale: 1 };
  for (const g of list) {
    const f = g instanceof Float32Array ? Math.fround(factor) : factor;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * f;
  }
  return { norm, scale: factor };
}
