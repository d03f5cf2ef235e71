import type { AdamWPlan } from '../adamw/plan.js';
import type { FloatArray } from '../types.js';

// The driver of the WebAssembly kernel (wasm/adamw.wat).
//
// WebAssembly code can only touch its own memory. Arrays that live in it (an
// AdamW arena, or the shared memory of a parallel pool) are updated where they
// are, with no copy at all. Any other array is processed a chunk at a time:
// copy the chunk of p, g, m, v (and vMax) into the module's memory, run the
// kernel, copy p, m, v (and vMax) back. A chunk of five arrays stays in the
// core's L2 cache, so main memory still sees each element read once and
// written once; the extra copies run at cache speed, but they cannot overlap
// the arithmetic. Copying the whole arrays into a grown memory instead would
// send every byte through main memory three times (`pnpm bench` measures
// both).
//
// The functions below run on the calling thread and, for the parallel step,
// inside worker threads, whose source is built from their text
// (Function.prototype.toString). That is why each of them is self-contained:
// no imports, no calls to one another, no nested functions.

/** Bytes of module memory per array slot: five slots stay well inside a 1 MiB L2 cache. */
export const SIMD_SLOT_BYTES = 64 * 1024;

/** Where the flags and the splatted scalars sit in module memory (see wasm/adamw.wat). */
export const SIMD_PLAN_BYTES = 256;

/** The cached chunk views of one caller array. */
export interface ChunkViews {
  start: number;
  end: number;
  length: number;
  /** Views of the caller's array, one per chunk. */
  chunks: FloatArray[];
  /** Views of the five module slots, as long as the last chunk. */
  tails: FloatArray[];
}

/** One instance of the AdamW module and the views the driver uses on it. */
export interface SimdContext {
  memory: WebAssembly.Memory;
  kernel32: (p: number, g: number, m: number, v: number, vMax: number, n: number) => void;
  kernel64: (p: number, g: number, m: number, v: number, vMax: number, n: number) => void;
  /** Byte offsets of the five slots: p, g, m, v, vMax. */
  offsets: number[];
  /** Elements per chunk: the slot size / 4 and / 8. */
  chunk32: number;
  chunk64: number;
  flags: Int32Array;
  scalars32: Float32Array;
  scalars64: Float64Array;
  slots32: Float32Array[];
  slots64: Float64Array[];
  /** Chunk views per caller array, so that a step in steady state allocates nothing. */
  views: WeakMap<FloatArray, ChunkViews>;
  /** Per-call scratch: the chunk lists of the current call (cleared afterwards). */
  current: (FloatArray[] | undefined)[];
  currentTails: (FloatArray[] | undefined)[];
}

/**
 * Wraps an instance of the AdamW module and the memory it imports: grows the
 * memory, if needed, to hold the plan block and five slots of `slotBytes`
 * from offset 0, and creates the views the driver uses.
 */
export function createSimdContext(instance: WebAssembly.Instance, memory: WebAssembly.Memory, slotBytes: number, planBytes: number): SimdContext {
  const exports = instance.exports as unknown as {
    adamw_f32: SimdContext['kernel32'];
    adamw_f64: SimdContext['kernel64'];
  };
  const needed = planBytes + 5 * slotBytes;
  const pages = Math.ceil(needed / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  const buffer = memory.buffer;
  const offsets: number[] = [];
  const slots32: Float32Array[] = [];
  const slots64: Float64Array[] = [];
  for (let k = 0; k < 5; k++) {
    const offset = planBytes + k * slotBytes;
    offsets.push(offset);
    slots32.push(new Float32Array(buffer, offset, slotBytes / 4));
    slots64.push(new Float64Array(buffer, offset, slotBytes / 8));
  }
  return {
    memory,
    kernel32: exports.adamw_f32,
    kernel64: exports.adamw_f64,
    offsets,
    chunk32: slotBytes / 4,
    chunk64: slotBytes / 8,
    flags: new Int32Array(buffer, 0, 1),
    scalars32: new Float32Array(buffer, 16, 56),
    scalars64: new Float64Array(buffer, 16, 28),
    slots32,
    slots64,
    views: new WeakMap(),
    current: [undefined, undefined, undefined, undefined, undefined],
    currentTails: [undefined, undefined, undefined, undefined, undefined],
  };
}

/**
 * Writes the flags and the splatted scalars of one step into the plan block,
 * rounded the way the reference kernel rounds them for the element type.
 * `amsgrad` says whether a vMax array takes part (as in the reference, its
 * presence decides, not `plan.amsgrad`).
 */
export function writeSimdPlan(ctx: SimdContext, plan: AdamWPlan, float32: boolean, amsgrad: boolean): void {
  // Each flag marks a departure from torch's AdamW (wasm/adamw.wat); with
  // none set the kernel runs its plain loop. The reference decides the L2
  // branch on the unrounded λ, and skips nothing else that it computes.
  const f = float32 ? Math.fround : Number;
  ctx.flags[0] =
    (plan.sign !== 1 ? 1 : 0) |
    (plan.l2 !== 0 ? 2 : 0) |
    (amsgrad ? 4 : 0) |
    (f(plan.amsDivisor) !== 1 ? 8 : 0) |
    (f(plan.vDivisor) !== 1 ? 16 : 0) |
    (f(plan.epsRoot) !== 0 ? 32 : 0) |
    (f(plan.keepAfter) !== 1 ? 64 : 0);
  const values = ctx.scalars64;
  // Order of the vectors at offset 16 (wasm/adamw.wat).
  values[0] = plan.sign;
  values[1] = plan.l2;
  values[2] = plan.keepBefore;
  values[3] = plan.keepAfter;
  values[4] = plan.beta1;
  values[5] = plan.oneMinusBeta1;
  values[6] = plan.beta2;
  values[7] = plan.oneMinusBeta2;
  values[8] = plan.amsDivisor;
  values[9] = plan.vDivisor;
  values[10] = plan.epsRoot;
  values[11] = plan.sqrtDivisor;
  values[12] = plan.eps;
  values[13] = -plan.stepSize;
  if (float32) {
    // Spread from the last vector to the first so that no value is
    // overwritten before it is read: vector k (16 bytes) holds four float32
    // lanes.
    for (let k = 13; k >= 0; k--) ctx.scalars32.fill(Math.fround(values[k]!), 4 * k, 4 * k + 4);
  } else {
    // The float64 loop multiplies by the reciprocals of the three divisors
    // (8, 9 and 11), as the reference does.
    for (let k = 13; k >= 0; k--) {
      const x = k === 8 || k === 9 || k === 11 ? 1 / values[k]! : values[k]!;
      values[2 * k] = x;
      values[2 * k + 1] = x;
    }
  }
}

/**
 * Runs the kernel over elements [start, end) of the caller's arrays with the
 * plan last written by {@link writeSimdPlan}. `vMax` is the AMSGrad maximum, or
 * undefined. All arrays are of one type and at least `end` long.
 */
export function runSimdChunks(
  ctx: SimdContext,
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  start: number,
  end: number,
): void {
  if (end <= start) return;
  const float32 = p instanceof Float32Array;
  const chunk = float32 ? ctx.chunk32 : ctx.chunk64;
  const slots: FloatArray[] = float32 ? ctx.slots32 : ctx.slots64;
  const arrays = ctx.current;
  const tails = ctx.currentTails;
  // Chunk views of each array, made once per array and range and reused on
  // later calls, so that the steady state allocates nothing.
  for (let k = 0; k < 5; k++) {
    const a = k === 0 ? p : k === 1 ? g : k === 2 ? m : k === 3 ? v : vMax;
    if (a === undefined) {
      arrays[k] = undefined;
      tails[k] = undefined;
      continue;
    }
    let entry = ctx.views.get(a);
    if (entry === undefined || entry.start !== start || entry.end !== end || entry.length !== a.length) {
      const chunks: FloatArray[] = [];
      for (let s = start; s < end; s += chunk) chunks.push(a.subarray(s, Math.min(end, s + chunk)));
      const last = chunks[chunks.length - 1]!.length;
      const tailViews: FloatArray[] = [];
      for (let j = 0; j < 5; j++) tailViews.push(slots[j]!.subarray(0, last));
      entry = { start, end, length: a.length, chunks, tails: tailViews };
      ctx.views.set(a, entry);
    }
    arrays[k] = entry.chunks;
    tails[k] = entry.tails;
  }
  const P = arrays[0]!;
  const G = arrays[1]!;
  const M = arrays[2]!;
  const V = arrays[3]!;
  const U = arrays[4];
  const run = float32 ? ctx.kernel32 : ctx.kernel64;
  const o = ctx.offsets;
  const count = P.length;
  for (let c = 0; c < count; c++) {
    const pc = P[c]!;
    const length = pc.length;
    slots[0]!.set(pc);
    slots[1]!.set(G[c]!);
    slots[2]!.set(M[c]!);
    slots[3]!.set(V[c]!);
    if (U !== undefined) slots[4]!.set(U[c]!);
    run(o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, length);
    if (length === chunk) {
      pc.set(slots[0]!);
      M[c]!.set(slots[2]!);
      V[c]!.set(slots[3]!);
      if (U !== undefined) U[c]!.set(slots[4]!);
    } else {
      // The last, shorter chunk: copy back through views of its length.
      pc.set(tails[0]![0]!);
      M[c]!.set(tails[2]![2]!);
      V[c]!.set(tails[3]![3]!);
      if (U !== undefined) U[c]!.set(tails[4]![4]!);
    }
  }
  // Drop the references to the caller's chunks until the next call.
  for (let k = 0; k < 5; k++) {
    arrays[k] = undefined;
    tails[k] = undefined;
  }
}

/**
 * Runs the kernel directly on arrays that live in the context's memory, over
 * the elements [start, end) rounded down to whole vectors (4 float32 or 2
 * float64 elements), with the plan last written by {@link writeSimdPlan}.
 * Returns where it stopped: the caller runs the remaining elements (fewer
 * than a vector) through {@link runSimdChunks}, since the kernel must not
 * compute lanes past the end of an array in place.
 */
export function runSimdResident(
  ctx: SimdContext,
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  start: number,
  end: number,
): number {
  const float32 = p instanceof Float32Array;
  const lanes = float32 ? 4 : 2;
  const bytes = float32 ? 4 : 8;
  const count = end - start - ((end - start) % lanes);
  if (count <= 0) return start;
  const at = start * bytes;
  const run = float32 ? ctx.kernel32 : ctx.kernel64;
  run(p.byteOffset + at, g.byteOffset + at, m.byteOffset + at, v.byteOffset + at, vMax === undefined ? 0 : vMax.byteOffset + at, count);
  return start + count;
}

/**
 * The cached views of `a` over [start, end) in chunks of the context's size,
 * and of the five slots as long as the last chunk (made on first use, so
 * that later steps allocate nothing).
 */
function chunkViewsOf(ctx: SimdContext, a: FloatArray, start: number, end: number): ChunkViews {
  let entry = ctx.views.get(a);
  if (entry !== undefined && entry.start === start && entry.end === end && entry.length === a.length) return entry;
  const size = a instanceof Float32Array ? ctx.chunk32 : ctx.chunk64;
  const slots: FloatArray[] = a instanceof Float32Array ? ctx.slots32 : ctx.slots64;
  const chunks: FloatArray[] = [];
  for (let s = start; s < end; s += size) chunks.push(a.subarray(s, Math.min(end, s + size)));
  const lastLength = chunks[chunks.length - 1]!.length;
  entry = { start, end, length: a.length, chunks, tails: slots.map((slot) => slot.subarray(0, lastLength)) };
  ctx.views.set(a, entry);
  return entry;
}

/**
 * Runs the kernel over elements [start, end) of arrays whose moments (m, v
 * and vMax) live in the context's memory while p and g do not (a state made by
 * `initAdamW`): p and g are copied through the first two slots a chunk at a
 * time and p is copied back, while the moments are updated where they are.
 * Three copies of a chunk instead of the seven of {@link runSimdChunks}. The
 * last elements that do not fill a vector go through the slots with all
 * five arrays, element by element (the kernel must not compute lanes past
 * the end of a moment in place, and views for them would displace the
 * cached chunk views).
 */
export function runSimdMoments(
  ctx: SimdContext,
  p: FloatArray,
  g: FloatArray,
  m: FloatArray,
  v: FloatArray,
  vMax: FloatArray | undefined,
  start: number,
  end: number,
): void {
  const float32 = p instanceof Float32Array;
  const bytes = float32 ? 4 : 8;
  const lanes = float32 ? 4 : 2;
  const whole = end - ((end - start) % lanes);
  const slots: FloatArray[] = float32 ? ctx.slots32 : ctx.slots64;
  const run = float32 ? ctx.kernel32 : ctx.kernel64;
  const o = ctx.offsets;
  if (whole > start) {
    const P = chunkViewsOf(ctx, p, start, whole);
    const G = chunkViewsOf(ctx, g, start, whole).chunks;
    const full = float32 ? ctx.chunk32 : ctx.chunk64;
    let at = start * bytes;
    for (let c = 0; c < P.chunks.length; c++) {
      const pc = P.chunks[c]!;
      const length = pc.length;
      slots[0]!.set(pc);
      slots[1]!.set(G[c]!);
      run(o[0]!, o[1]!, m.byteOffset + at, v.byteOffset + at, vMax === undefined ? 0 : vMax.byteOffset + at, length);
      pc.set(length === full ? slots[0]! : P.tails[0]!);
      at += length * bytes;
    }
  }
  if (whole < end) {
    const [sp, sg, sm, sv, su] = slots as [FloatArray, FloatArray, FloatArray, FloatArray, FloatArray];
    for (let i = whole; i < end; i++) {
      sp[i - whole] = p[i]!;
      sg[i - whole] = g[i]!;
      sm[i - whole] = m[i]!;
      sv[i - whole] = v[i]!;
      if (vMax !== undefined) su[i - whole] = vMax[i]!;
    }
    // One vector; its lanes past the last element are computed on whatever the slots hold and never read.
    run(o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, lanes);
    for (let i = whole; i < end; i++) {
      p[i] = sp[i - whole]!;
      m[i] = sm[i - whole]!;
      v[i] = sv[i - whole]!;
      if (vMax !== undefined) vMax[i] = su[i - whole]!;
    }
  }
}
