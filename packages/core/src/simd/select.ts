import { adamwReferenceKernel } from '../adamw/reference-kernel.js';
import type { AdamWPlan } from '../adamw/plan.js';
import type { FloatArray } from '../types.js';
import { adamwSimdKernel, isSimdAvailable } from './kernel.js';

/**
 * An AdamW element loop: updates `p`, `m`, `v` (and `vMax` when given) in
 * place from the gradients `g` with the scalars of one step. Every kernel of
 * the package computes the same bits as `adamwReferenceKernel`.
 */
export type AdamWKernel = (plan: AdamWPlan, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | undefined) => void;

/**
 * Which element loop a step uses: `'simd'` (WebAssembly SIMD), `'scalar'`
 * (the TypeScript reference loop), or `'auto'` (SIMD when the engine has it
 * and the array is not tiny, else scalar). The results are the same bits
 * whichever runs; only the speed differs.
 */
export type AdamWKernelChoice = 'auto' | 'simd' | 'scalar';

/** The kernel choices, for validation and for iterating in tests. */
export const ADAMW_KERNEL_CHOICES: readonly AdamWKernelChoice[] = Object.freeze(['auto', 'simd', 'scalar'] as const);

/**
 * Below this many elements `'auto'` runs the scalar loop: a handful of
 * elements does not repay the copies into WebAssembly memory
 * (`pnpm bench` measures the crossover).
 */
export const SIMD_MIN_LENGTH = 64;

/**
 * The kernel `adamwStepInPlace` and `adamwStep` use: the WebAssembly SIMD
 * kernel when the engine supports it and the arrays have at least
 * {@link SIMD_MIN_LENGTH} elements, else the reference loop.
 */
export function adamwAutoKernel(plan: AdamWPlan, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | undefined): void {
  if (p.length >= SIMD_MIN_LENGTH && isSimdAvailable()) adamwSimdKernel(plan, p, g, m, v, vMax);
  else adamwReferenceKernel(plan, p, g, m, v, vMax);
}

/**
 * The kernel for a choice.
 * @throws RangeError for an unknown choice.
 * @throws Error for `'simd'` when WebAssembly SIMD is not available.
 */
export function adamwKernelFor(choice: AdamWKernelChoice): AdamWKernel {
  switch (choice) {
    case 'auto':
      return adamwAutoKernel;
    case 'scalar':
      return adamwReferenceKernel;
    case 'simd':
      if (!isSimdAvailable()) {
        throw new Error("kernel 'simd' was asked for but WebAssembly SIMD is not available in this JavaScript engine");
      }
      return adamwSimdKernel;
    default:
      throw new RangeError(
        `kernel must be one of ${ADAMW_KERNEL_CHOICES.map((c) => `'${c}'`).join(', ')}, got ${typeof choice === 'string' ? `'${choice}'` : String(choice)}`,
      );
  }
}
