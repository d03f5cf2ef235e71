import type { FloatArray } from './types.js';

/** Name of the element type of a float array, for messages. */
export function dtypeOf(a: FloatArray): 'float32' | 'float64' {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

const typedArrayFill = (Object.getPrototypeOf(Float32Array.prototype) as { fill: (this: FloatArray, value: number) => unknown }).fill;

/**
 * Throws a TypeError unless `a` is a Float32Array or a Float64Array whose
 * memory is still there: an array whose buffer was transferred (postMessage,
 * structuredClone) or shrunk below it reads as empty, and a step on it would
 * count a step that updated nothing.
 */
export function assertFloatArray(a: unknown, name: string): asserts a is FloatArray {
  if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
    const got = a === null ? 'null' : typeof a === 'object' ? ((a as object).constructor?.name ?? 'object') : typeof a;
    throw new TypeError(`${name} must be a Float32Array or a Float64Array, got ${got}`);
  }
  if (a.length === 0) {
    // Only empty arrays can be detached; %TypedArray%.prototype.fill writes
    // nothing on them and throws when the memory is gone.
    try {
      typedArrayFill.call(a, 0);
    } catch {
      throw new TypeError(
        `${name} is detached or out of bounds: its ArrayBuffer was transferred (postMessage, structuredClone) or resized below it, so it holds no elements`,
      );
    }
  }
}

/**
 * Checks that `a` has the type and length of `like`: a TypeError for a mixed
 * Float32/Float64 pair, a RangeError naming both lengths otherwise.
 */
export function assertSameShape(a: unknown, aName: string, like: FloatArray, likeName: string): void {
  assertFloatArray(a, aName);
  if (a.constructor !== like.constructor) {
    throw new TypeError(`${aName} is a ${dtypeOf(a)} array but ${likeName} is ${dtypeOf(like)}; mixing Float32Array and Float64Array is not allowed`);
  }
  if (a.length !== like.length) {
    throw new RangeError(`${aName} has length ${a.length} but ${likeName} has length ${like.length}`);
  }
}

/**
 * The value of option `key`: read once, and refused when it is not an own
 * enumerable property (see {@link checkKnownKeys}). Absent options read as
 * undefined, so only the options present cost the extra check.
 */
export function optionValue(options: object, key: string): unknown {
  const value = (options as Record<string, unknown>)[key];
  if (value !== undefined && !Object.prototype.propertyIsEnumerable.call(options, key)) {
    if (!Object.hasOwn(options, key)) {
      throw new TypeError(
        `option ${key} is inherited through the prototype of the options object; pass options as own properties (for example { ...defaults, ${key} })`,
      );
    }
    throw new TypeError(`option ${key} is not enumerable; pass options as ordinary own properties`);
  }
  return value;
}

/** Checks an optional number option: TypeError for a wrong type, RangeError outside [min, max) / [min, max]. */
export function checkNumber(options: object, key: string, fallback: number, range: { min?: number; max?: number; maxExclusive?: boolean } = {}): number {
  const value = optionValue(options, key);
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`option ${key} must be a number, got ${typeof value} (${String(value)})`);
  }
  const { min = 0, max = Infinity, maxExclusive = false } = range;
  const aboveMax = maxExclusive ? value >= max : value > max;
  if (!Number.isFinite(value) || value < min || aboveMax) {
    const upper = max === Infinity ? '' : `, ${max}${maxExclusive ? ')' : ']'}`;
    const interval = max === Infinity ? `a finite number >= ${min}` : `in [${min}${upper}`;
    throw new RangeError(`option ${key} must be ${interval}, got ${value}`);
  }
  return value;
}

/** Checks an optional boolean option. */
export function checkBoolean(options: object, key: string, fallback: boolean): boolean {
  const value = optionValue(options, key);
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`option ${key} must be a boolean, got ${typeof value} (${String(value)})`);
  }
  return value;
}

/** Checks an optional string option against its allowed values. */
export function checkChoice<C extends string>(options: object, key: string, choices: readonly C[], fallback: C): C {
  const value = optionValue(options, key);
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new TypeError(`option ${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${typeof value}`);
  }
  if (!(choices as readonly string[]).includes(value)) {
    throw new RangeError(`option ${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${value}'`);
  }
  return value as C;
}

/**
 * Rejects keys that are not options (a misspelt `weight_decay` would otherwise
 * be ignored silently). Options are the object's own enumerable properties,
 * the set that spread, `Object.keys` and JSON see; an option that an ordinary
 * read would find elsewhere (inherited through a prototype, a getter of a
 * class, a property added to `Object.prototype`, a non-enumerable property)
 * is refused by name, when its value is read, rather than used here and
 * dropped by the next spread.
 */
export function checkKnownKeys(options: unknown, known: readonly string[], what: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what} must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  // for…in lists the enumerable keys, own and inherited.
  for (const key in options) {
    if (!known.includes(key)) {
      const inherited = Object.hasOwn(options, key) ? '' : ' (inherited through the prototype of the options object)';
      throw new TypeError(`unknown ${what} field '${key}'${inherited}; known fields: ${known.join(', ')}`);
    }
  }
}

/** Checks a step counter: a non-negative integer. */
export function assertStep(step: unknown, name: string): asserts step is number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${typeof step === 'string' ? JSON.stringify(step) : String(step)}`);
  }
}

/**
 * Checks a step counter that a step is about to advance: below 2^53 − 1, the
 * last count a number holds exactly (one more could be neither saved nor
 * stepped again).
 */
export function assertCanStep(step: unknown, name: string): asserts step is number {
  assertStep(step, name);
  if (step === Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name} is 2^53 − 1, the last step count a number holds exactly; no further step can be counted`);
  }
}

/**
 * Sets `state.step` to `t` before a step writes any array: a frozen state, a
 * read-only `step` or a setter that keeps its own count throw here, while
 * nothing has been written yet.
 */
export function writeStep(state: { step: number }, t: number): void {
  try {
    state.step = t;
  } catch (error) {
    throw new TypeError(`state.step cannot be written (${(error as Error).message}); nothing was changed`);
  }
  if (state.step !== t) {
    throw new TypeError(`state.step cannot be written: it reads ${String(state.step)} after being set to ${t}; nothing was changed`);
  }
}

/** Index of the first NaN or ±Infinity in `a`, or -1. */
export function firstNonFinite(a: FloatArray): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    // x - x is 0 for finite x and NaN for NaN and ±Infinity.
    if (x - x !== 0) return i;
  }
  return -1;
}

/**
 * Throws a RangeError when two of the named arrays share memory: a step that
 * writes one while reading the other would compute garbage. `readOnly` names
 * the arrays the step only reads (see {@link sameSharedMemory}).
 */
export function assertNoOverlap(arrays: Record<string, FloatArray | undefined>, readOnly: readonly string[] = []): void {
  const names = Object.keys(arrays);
  for (let i = 0; i < names.length; i++) {
    const a = arrays[names[i]!];
    if (a === undefined) continue;
    const aBuffer = a.buffer;
    const aShared = isSharedBuffer(aBuffer);
    const aStart = a.byteOffset;
    const aEnd = aStart + a.byteLength;
    for (let j = i + 1; j < names.length; j++) {
      const b = arrays[names[j]!];
      if (b === undefined) continue;
      const bBuffer = b.buffer;
      const one = aBuffer === bBuffer;
      if (!one && !(aShared && isSharedBuffer(bBuffer))) continue;
      // Byte ranges that overlap within one memory (or would, if two shared buffers are one).
      const bStart = b.byteOffset;
      if (!(aStart < bStart + b.byteLength && bStart < aEnd)) continue;
      const written = readOnly.includes(names[i]!) ? b : a;
      if (one || sameSharedMemory(written, written === a ? bBuffer : aBuffer, Math.max(aStart, bStart))) {
        throw new RangeError(`${names[i]} and ${names[j]} share memory; give each its own array`);
      }
    }
  }
}

const isSharedBuffer = (buffer: ArrayBufferLike): buffer is SharedArrayBuffer => typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer;

/** One byte view per shared buffer, for {@link sameSharedMemory} (kept so that a step in steady state allocates nothing). */
const byteViews = new WeakMap<SharedArrayBuffer, Uint8Array>();

function byteView(buffer: SharedArrayBuffer): Uint8Array {
  let view = byteViews.get(buffer);
  if (view === undefined) {
    view = new Uint8Array(buffer);
    byteViews.set(buffer, view);
  }
  return view;
}

/**
 * Whether `other` and the buffer of `a` are two SharedArrayBuffer objects over
 * one memory (a structured clone of a shared buffer, or a shared WebAssembly
 * memory before and after it grew, both start at the same address). No
 * property tells, so the byte at `at` (inside `a` and inside `other`) is
 * probed: when it reads the same through both, another value is written
 * through `a` for an instant and read back through `other`, then restored.
 * The probe writes only into `a`, an array the step is about to write anyway.
 */
function sameSharedMemory(a: FloatArray, other: ArrayBufferLike, at: number): boolean {
  const mine = a.buffer;
  if (!isSharedBuffer(mine) || !isSharedBuffer(other)) return false;
  if (at >= mine.byteLength || at >= other.byteLength) return false;
  const here = byteView(mine);
  const there = byteView(other);
  const old = Atomics.load(here, at);
  if (Atomics.load(there, at) !== old) return false;
  const probe = old ^ 0xff;
  Atomics.store(here, at, probe);
  const seen = Atomics.load(there, at);
  Atomics.compareExchange(here, at, probe, old);
  return seen === probe;
}
