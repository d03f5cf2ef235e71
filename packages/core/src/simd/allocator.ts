import { resolveAdamWOptions } from '../adamw/options.js';
import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { assertFloatArray } from '../validate.js';

/** Arrays handed out by an arena or a parallel pool start on 64-byte boundaries (cache lines, whole SIMD vectors). */
export const ARRAY_ALIGN = 64;

/** Rounds a byte offset up to {@link ARRAY_ALIGN}. */
export const alignArray = (bytes: number): number => Math.ceil(bytes / ARRAY_ALIGN) * ARRAY_ALIGN;

/** Float arrays, and AdamW states made of them, carved out of one memory. */
export interface FloatAllocator {
  /** A zeroed Float32Array of `length` in the memory. */
  float32(length: number): Float32Array;
  /** A zeroed Float64Array of `length` in the memory. */
  float64(length: number): Float64Array;
  /** A copy of `a` in the memory. */
  copyOf<T extends FloatArray>(a: T): T;
  /** `initAdamW(params, options)` with the moments in the memory: all of them or, when they do not fit, none. */
  initAdamW<T extends FloatArray>(params: T, options?: AdamWOptions): AdamWState<T>;
}

/**
 * A bump allocator over one memory: `take(bytes, what)` reserves `bytes` at an
 * offset aligned to {@link ARRAY_ALIGN} (growing the memory or throwing a
 * RangeError that names `what`), and `buffer()` is the memory's current buffer.
 */
export function floatAllocator(take: (bytes: number, what: string) => number, buffer: () => ArrayBufferLike): FloatAllocator {
  function checkLength(length: number): void {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`length must be a non-negative integer, got ${String(length)}`);
    }
  }
  function float32(length: number): Float32Array {
    checkLength(length);
    const at = take(4 * length, `a Float32Array of ${length}`);
    return new Float32Array(buffer(), at, length);
  }
  function float64(length: number): Float64Array {
    checkLength(length);
    const at = take(8 * length, `a Float64Array of ${length}`);
    return new Float64Array(buffer(), at, length);
  }
  return {
    float32,
    float64,
    copyOf<T extends FloatArray>(a: T): T {
      assertFloatArray(a, 'array');
      const out = (a instanceof Float32Array ? float32(a.length) : float64(a.length)) as T;
      out.set(a);
      return out;
    },
    initAdamW<T extends FloatArray>(params: T, options: AdamWOptions = {}): AdamWState<T> {
      assertFloatArray(params, 'params');
      const o = resolveAdamWOptions(options);
      // One reservation for every moment, so that a memory that is too small hands out nothing.
      const count = o.amsgrad ? 3 : 2;
      const stride = alignArray(params.byteLength);
      const at = take((count - 1) * stride + params.byteLength, `the AdamW state (${count} arrays of ${params.byteLength} bytes)`);
      const Ctor = params.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T;
      const moment = (k: number): T => new Ctor(buffer(), at + k * stride, params.length);
      const state: AdamWState<T> = { step: 0, m: moment(0), v: moment(1) };
      if (o.amsgrad) state.vMax = moment(2);
      return state;
    },
  };
}
