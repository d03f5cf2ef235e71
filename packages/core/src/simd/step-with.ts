import { applyAdamWStep, checkAdamWStep } from '../adamw/step.js';
import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { adamwKernelFor, type AdamWKernelChoice } from './select.js';

/**
 * `adamwStepInPlace` with an explicit element loop: `'simd'`,
 * `'scalar'` or `'auto'` (what `adamwStepInPlace` uses). For comparisons and
 * tests; every choice computes the same bits. Nothing global changes: the
 * choice applies to this call only.
 *
 * @example
 * ```ts
 * adamwStepInPlaceWith('scalar', params, grads, state, { lr: 1e-3 });
 * ```
 * @throws RangeError for an unknown kernel choice, and everything
 *   `adamwStepInPlace` throws; Error for `'simd'` when the engine lacks
 *   WebAssembly SIMD. Nothing is written when it throws.
 */
export function adamwStepInPlaceWith<T extends FloatArray>(
  kernel: AdamWKernelChoice,
  params: T,
  grads: T,
  state: AdamWState<T>,
  options: AdamWOptions = {},
): void {
  const run = adamwKernelFor(kernel);
  const o = checkAdamWStep(params, grads, state, options);
  if (o !== undefined) applyAdamWStep(o, params, grads, state, run);
}
