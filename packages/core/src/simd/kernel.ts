import type { AdamWPlan } from '../adamw/plan.js';
import type { FloatArray } from '../types.js';
import { ADAMW_FMA_WASM_BASE64, ADAMW_WASM_BASE64 } from './adamw-wasm.js';
import {
  createSimdContext,
  runSimdChunks,
  runSimdMoments,
  runSimdResident,
  SIMD_PLAN_BYTES,
  SIMD_SLOT_BYTES,
  writeSimdPlan,
  type SimdContext,
} from './driver.js';

/**
 * Slot size of a context whose arrays live in its memory: the slots only
 * carry the last few elements that do not fill a vector.
 */
export const RESIDENT_SLOT_BYTES = 64;

/** Bytes at the start of a resident memory that the driver keeps for itself (plan block and slots). */
export const RESIDENT_HEAD_BYTES = 1024;

/**
 * How the float32 loop computes torch's fused multiply-adds (see
 * wasm/adamw.wat): `'relaxed'` with relaxed SIMD's f32x4.relaxed_madd, one
 * hardware FMA; `'emulated'` in float64 with a check for the rare sums that
 * rounding twice would get wrong. Both give the same bits.
 */
export type FusedMultiplyAdd = 'relaxed' | 'emulated';

let available: boolean | undefined;
let fusedKind: FusedMultiplyAdd | undefined;
let plainModule: WebAssembly.Module | undefined;
let chunkContext: SimdContext | undefined;

/** Memories whose arrays the kernel updates in place, by buffer (a grown shared memory has several). */
const resident = new WeakMap<ArrayBufferLike, SimdContext>();

/** Memories that hold the moments of one state made by `initAdamW`, by buffer. */
const momentHomes = new WeakMap<ArrayBufferLike, SimdContext>();

/**
 * Parameters of at least this many bytes get their moments from `initAdamW`
 * in a WebAssembly memory of their own; smaller ones in ordinary arrays
 * (the memory's slots would outweigh them).
 */
export const WASM_MOMENTS_MIN_BYTES = 256 * 1024;

/**
 * Slot size of a moments memory: a sixteenth of the parameters' bytes,
 * rounded up to a power of two, from 16 KiB to 256 KiB; the five slots stay
 * within a sixth of the moments they serve. Only two of them carry chunks
 * (params and grads), so even the largest pair stays in a core's L2 cache,
 * and on 8M float32 parameters the step runs faster than with the 64 KiB
 * slots of the chunked copies (`pnpm bench`, design rows).
 * @internal
 */
export function momentsSlotBytes(paramBytes: number): number {
  return Math.min(256 * 1024, Math.max(16 * 1024, 2 ** Math.ceil(Math.log2(paramBytes / 16))));
}

/** Where the moments start in a moments memory: after the plan block and the five slots. */
const momentsHead = (ctx: SimdContext): number => ctx.offsets[4]! + ctx.chunk32 * 4;

/**
 * Bytes from base64 (`atob` exists in browsers and in Node ≥ 16).
 * @internal
 */
export function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Whether the WebAssembly SIMD kernel runs here, decided once: the engine
 * validates the AdamW module (it uses 128-bit SIMD instructions), compiles and
 * instantiates it (a page whose Content-Security-Policy forbids WebAssembly
 * fails there). True in Node ≥ 16.4 and in current Chrome, Firefox and Safari.
 * Where the engine also has relaxed SIMD and runs its multiply-add fused
 * (Node ≥ 22 and Chrome ≥ 114 on processors with FMA), the float32 loop uses
 * it (see {@link simdFusedMultiplyAdd}).
 */
export function isSimdAvailable(): boolean {
  if (available === undefined) {
    available = false;
    try {
      const loaded = loadAdamWModule();
      if (loaded !== undefined) {
        const memory = new WebAssembly.Memory({ initial: 1 });
        const instance = new WebAssembly.Instance(loaded.module, { env: { memory } });
        chunkContext = createSimdContext(instance, memory, SIMD_SLOT_BYTES, SIMD_PLAN_BYTES);
        plainModule = loaded.module;
        fusedKind = loaded.kind;
        available = true;
      }
    } catch {
      plainModule = undefined;
      chunkContext = undefined;
      fusedKind = undefined;
    }
  }
  return available;
}

/**
 * The module this engine runs: the relaxed SIMD build where it works (then
 * the emulating one is never decoded), else the emulating build where the
 * engine validates it, else undefined. Synchronous compilation is fine for
 * modules under 4 KiB, which browsers allow on the main thread; both builds
 * are smaller.
 */
function loadAdamWModule(): { module: WebAssembly.Module; kind: FusedMultiplyAdd } | undefined {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return undefined;
  const relaxed = relaxedModule();
  if (relaxed !== undefined) return { module: relaxed, kind: 'relaxed' };
  const bytes = decodeBase64(ADAMW_WASM_BASE64);
  return WebAssembly.validate(bytes) ? { module: new WebAssembly.Module(bytes), kind: 'emulated' } : undefined;
}

/**
 * How this engine's float32 kernel computes the fused multiply-adds:
 * `'relaxed'` or `'emulated'` (see {@link FusedMultiplyAdd}), or undefined
 * where WebAssembly SIMD is not available.
 */
export function simdFusedMultiplyAdd(): FusedMultiplyAdd | undefined {
  return isSimdAvailable() ? fusedKind : undefined;
}

/**
 * The module with relaxed SIMD's multiply-add, where the engine validates it
 * and runs the multiply-add fused; else undefined. An engine may run
 * f32x4.relaxed_madd as a multiply and an add (x86 processors without FMA
 * do), which would round twice: one step on lanes where the two differ
 * decides. With β₁ = 1, m = −(1 + 2⁻¹¹) and (1−β₁)·g = (1 + 2⁻¹²)², the
 * fused m is 2⁻²⁴; the product rounded first gives 0.
 */
function relaxedModule(): WebAssembly.Module | undefined {
  const bytes = decodeBase64(ADAMW_FMA_WASM_BASE64);
  if (!WebAssembly.validate(bytes)) return undefined;
  try {
    const module = new WebAssembly.Module(bytes);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const ctx = createSimdContext(new WebAssembly.Instance(module, { env: { memory } }), memory, RESIDENT_SLOT_BYTES, SIMD_PLAN_BYTES);
    const x = 1 + 2 ** -12;
    const plan: AdamWPlan = {
      sign: 1,
      l2: 0,
      keepBefore: 1,
      keepAfter: 1,
      beta1: 1,
      oneMinusBeta1: x,
      beta2: 1,
      oneMinusBeta2: 0,
      amsDivisor: 1,
      vDivisor: 1,
      epsRoot: 0,
      sqrtDivisor: 1,
      eps: 1,
      stepSize: 0,
    };
    writeSimdPlan(ctx, plan, true, false);
    const [p, g, m, v] = ctx.slots32 as [Float32Array, Float32Array, Float32Array, Float32Array];
    p.fill(0, 0, 4);
    g.fill(x, 0, 4);
    m.fill(-(1 + 2 ** -11), 0, 4);
    v.fill(0, 0, 4);
    const o = ctx.offsets;
    ctx.kernel32(o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, 4);
    return m.subarray(0, 4).every((mi) => mi === 2 ** -24) ? module : undefined;
  } catch {
    return undefined;
  }
}

function unavailable(): Error {
  return new Error('WebAssembly SIMD is not available in this JavaScript engine; use the scalar kernel');
}

/**
 * The AdamW module compiled for a plain memory.
 * @throws Error when WebAssembly SIMD is not available.
 * @internal
 */
export function adamwWasmModule(): WebAssembly.Module {
  if (!isSimdAvailable() || plainModule === undefined) throw unavailable();
  return plainModule;
}

/**
 * A driver context on `memory`, whose bytes from {@link RESIDENT_HEAD_BYTES}
 * on hold caller arrays that steps update in place. `module` is the AdamW
 * module built for that kind of memory (plain, or shared for worker threads).
 * @internal
 */
export function createResidentContext(memory: WebAssembly.Memory, module: WebAssembly.Module = adamwWasmModule()): SimdContext {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const ctx = createSimdContext(instance, memory, RESIDENT_SLOT_BYTES, SIMD_PLAN_BYTES);
  markResident(memory.buffer, ctx);
  return ctx;
}

/**
 * Records that arrays over `buffer` live in the memory of `ctx` (call again
 * with the new buffer after a shared memory grows).
 * @internal
 */
export function markResident(buffer: ArrayBufferLike, ctx: SimdContext): void {
  resident.set(buffer, ctx);
}

/**
 * The context whose memory holds every given array past its head, or
 * undefined when they are not all in one such memory.
 * @internal
 */
export function residentContext(arrays: readonly (FloatArray | undefined)[]): SimdContext | undefined {
  let ctx: SimdContext | undefined;
  for (const a of arrays) {
    if (a === undefined) continue;
    const c = resident.get(a.buffer);
    if (c === undefined || (ctx !== undefined && c !== ctx) || a.byteOffset < RESIDENT_HEAD_BYTES) return undefined;
    ctx = c;
  }
  return ctx;
}

/**
 * `count` zero-filled moments for `params` in a WebAssembly memory of their
 * own, or undefined for parameters below {@link WASM_MOMENTS_MIN_BYTES} or
 * where WebAssembly SIMD is not available. The memory never grows, so the
 * views stay valid; steps update the moments in place and copy only the
 * parameters and gradients through it.
 * @internal
 */
export function createWasmMoments<T extends FloatArray>(params: T, count: number): T[] | undefined {
  if (params.byteLength < WASM_MOMENTS_MIN_BYTES || !isSimdAvailable() || plainModule === undefined) return undefined;
  const home = momentsMemory(plainModule, params, count, momentsSlotBytes(params.byteLength));
  momentHomes.set(home.ctx.memory.buffer, home.ctx);
  return home.moments;
}

/**
 * A moments memory laid out as {@link createWasmMoments} lays it out, on
 * `module` and with slots of `slotBytes`: the plan block, five slots, then
 * `count` zero-filled arrays of the type and length of `like`, each starting
 * on a cache line with at least 16 bytes of padding after it. (`pnpm bench`
 * builds it with other modules and slot sizes.)
 * @internal
 */
export function momentsMemory<T extends FloatArray>(module: WebAssembly.Module, like: T, count: number, slotBytes: number): { ctx: SimdContext; moments: T[] } {
  const stride = Math.ceil((like.byteLength + 16) / 64) * 64;
  const head = SIMD_PLAN_BYTES + 5 * slotBytes;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((head + count * stride) / 65536) });
  const ctx = createSimdContext(new WebAssembly.Instance(module, { env: { memory } }), memory, slotBytes, SIMD_PLAN_BYTES);
  const Ctor = like.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => T;
  const moments: T[] = [];
  for (let k = 0; k < count; k++) moments.push(new Ctor(memory.buffer, head + k * stride, like.length));
  return { ctx, moments };
}

/**
 * The context whose memory holds the moments m, v (and vMax) past its head
 * while p and g lie elsewhere, or undefined.
 */
function momentsContext(p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | undefined): SimdContext | undefined {
  const ctx = momentHomes.get(m.buffer);
  if (ctx === undefined || momentHomes.get(v.buffer) !== ctx || (vMax !== undefined && momentHomes.get(vMax.buffer) !== ctx)) return undefined;
  if (p.buffer === m.buffer || g.buffer === m.buffer) return undefined;
  const head = momentsHead(ctx);
  for (const a of [m, v, vMax]) if (a !== undefined && a.byteOffset < head) return undefined;
  return ctx;
}

/**
 * The AdamW element loop in WebAssembly SIMD (f32x4 for Float32Array, f64x2
 * for Float64Array), with the signature and the results of
 * `adamwReferenceKernel`: bit for bit the same parameters and moments, for
 * every convention and option.
 *
 * Arrays that live in an arena (`createAdamWArena`) are updated where they
 * are. Moments made by `initAdamW` for large parameters live in a memory of
 * their own and are updated there, with the parameters and gradients copied
 * through it a chunk at a time. Other arrays are processed in chunks of
 * 64 KiB per array, copied into the module's memory and back.
 *
 * Like the reference, it does not validate its arguments: `p`, `g`, `m`, `v`
 * (and `vMax`) must be of one type and length and must not overlap.
 *
 * @throws Error when WebAssembly SIMD is not available (see {@link isSimdAvailable}).
 */
export function adamwSimdKernel(plan: AdamWPlan, p: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, vMax: FloatArray | undefined): void {
  adamwSimdKernelRange(plan, p, g, m, v, vMax, 0, p.length);
}

/**
 * {@link adamwSimdKernel} over the elements [start, end) only: the calling
 * thread's share of a parallel step.
 * @internal
 */
export function adamwSimdKernelRange(
  plan: AdamWPlan,
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  start: number,
  end: number,
): void {
  if (!isSimdAvailable() || chunkContext === undefined) throw unavailable();
  const float32 = p instanceof Float32Array;
  const home = residentContext([p, g, m, v, vMax]);
  if (home !== undefined) {
    writeSimdPlan(home, plan, float32, vMax !== undefined);
    const done = runSimdResident(home, p, g, m, v, vMax, start, end);
    // The last elements that do not fill a vector go through the slots.
    runSimdChunks(home, p, g, m, v, vMax, done, end);
    return;
  }
  const moments = momentsContext(p, g, m, v, vMax);
  if (moments !== undefined) {
    writeSimdPlan(moments, plan, float32, vMax !== undefined);
    runSimdMoments(moments, p, g, m, v, vMax, start, end);
    return;
  }
  writeSimdPlan(chunkContext, plan, float32, vMax !== undefined);
  runSimdChunks(chunkContext, p, g, m, v, vMax, start, end);
}
