import { resolveAdamWOptions } from '../adamw/options.js';
import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { assertFloatArray } from '../validate.js';

/** Whether a float array's memory is a SharedArrayBuffer (what worker threads can write). */
export function isShared(a: FloatArray): boolean {
  return typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer;
}

/**
 * A copy of `a` of the same type whose memory is a SharedArrayBuffer, as the
 * parallel step requires.
 *
 * @example
 * ```ts
 * const params = shareFloatArray(new Float32Array([0.5, -1, 2]));
 * ```
 */
export function shareFloatArray<T extends FloatArray>(a: T): T {
  assertFloatArray(a, 'array');
  const Ctor = a.constructor as { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new Ctor(new SharedArrayBuffer(a.length * Ctor.BYTES_PER_ELEMENT));
  out.set(a);
  return out;
}

/**
 * `initAdamW` with moments in SharedArrayBuffer memory: step 0, zero `m` and
 * `v` (and `vMax` with `options.amsgrad`) of the type and length of `params`.
 */
export function initSharedAdamW<T extends FloatArray>(params: T, options: AdamWOptions = {}): AdamWState<T> {
  assertFloatArray(params, 'params');
  const o = resolveAdamWOptions(options);
  const Ctor = params.constructor as { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const zeros = (): T => new Ctor(new SharedArrayBuffer(params.length * Ctor.BYTES_PER_ELEMENT));
  const state: AdamWState<T> = { step: 0, m: zeros(), v: zeros() };
  if (o.amsgrad) state.vMax = zeros();
  return state;
}
