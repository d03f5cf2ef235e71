import type { AdamWOptions, AdamWState, FloatArray } from '../types.js';
import { alignArray, floatAllocator } from './allocator.js';
import { createResidentContext, isSimdAvailable, RESIDENT_HEAD_BYTES } from './kernel.js';

/**
 * Float arrays that live in the memory of the WebAssembly kernel, so that
 * `adamwStepInPlace` updates them where they are, with no copies: the
 * fastest way to run AdamW on one thread. Create the parameters, gradients
 * and state of a model here once and train with them as with any other
 * arrays. Where WebAssembly SIMD is not available the arrays are ordinary
 * ones and steps take the scalar loop.
 */
export interface AdamWArena {
  /** Bytes the arena can hand out in all. */
  readonly capacityBytes: number;
  /** Bytes handed out so far (with alignment). */
  readonly usedBytes: number;
  /**
   * The WebAssembly memory the arrays live in, or undefined where WebAssembly
   * SIMD is not available (the arrays are then on an ordinary ArrayBuffer).
   * Other WebAssembly modules may be instantiated on it to work on the same
   * arrays; its first kilobyte belongs to the AdamW kernel, and it never grows.
   */
  readonly memory: WebAssembly.Memory | undefined;
  /** A zero-filled Float32Array of `length` elements in the arena. */
  float32(length: number): Float32Array;
  /** A zero-filled Float64Array of `length` elements in the arena. */
  float64(length: number): Float64Array;
  /** A copy of `a` in the arena, of the same type. */
  copyOf<T extends FloatArray>(a: T): T;
  /** `initAdamW` with the moments (and `vMax` with `options.amsgrad`) in the arena. */
  initAdamW<T extends FloatArray>(params: T, options?: AdamWOptions): AdamWState<T>;
}

/** The largest capacity {@link createAdamWArena} accepts: what a 32-bit WebAssembly memory holds, less the driver's head. */
export const ADAMW_ARENA_MAX_BYTES = 2 ** 32 - 65536;

/**
 * An {@link AdamWArena} of `capacityBytes` (fixed: a WebAssembly memory that
 * grew would invalidate the arrays already handed out). Plan for the
 * parameters, the gradients and the state: for n float32 parameters with
 * AdamW that is 4 arrays of 4·n bytes (5 with AMSGrad), plus 64 bytes of
 * alignment per array.
 *
 * @example
 * ```ts
 * const n = 1 << 20;
 * const arena = createAdamWArena(4 * (4 * n + 64));
 * const params = arena.float32(n);
 * const grads = arena.float32(n);
 * const state = arena.initAdamW(params);
 * adamwStepInPlace(params, grads, state, { lr: 1e-3 }); // no copies
 * ```
 * @throws RangeError for a capacity that is not a positive integer below 4 GiB.
 */
export function createAdamWArena(capacityBytes: number): AdamWArena {
  if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0 || capacityBytes > ADAMW_ARENA_MAX_BYTES) {
    throw new RangeError(`arena capacity must be an integer number of bytes in [1, ${ADAMW_ARENA_MAX_BYTES}], got ${String(capacityBytes)}`);
  }
  let buffer: ArrayBufferLike;
  let start: number;
  let memory: WebAssembly.Memory | undefined;
  if (isSimdAvailable()) {
    memory = new WebAssembly.Memory({ initial: Math.ceil((RESIDENT_HEAD_BYTES + capacityBytes) / 65536) });
    createResidentContext(memory);
    buffer = memory.buffer;
    start = RESIDENT_HEAD_BYTES;
  } else {
    buffer = new ArrayBuffer(capacityBytes);
    start = 0;
  }
  const end = start + capacityBytes;
  let next = start;

  function take(bytes: number, what: string): number {
    const at = alignArray(next);
    if (at + bytes > end) {
      throw new RangeError(`the arena has ${Math.max(0, end - at)} bytes left, ${what} needs ${bytes}`);
    }
    next = at + bytes;
    return at;
  }

  return {
    capacityBytes,
    memory,
    get usedBytes() {
      return next - start;
    },
    ...floatAllocator(take, () => buffer),
  };
}
