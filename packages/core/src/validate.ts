import type { FloatArray } from './types.js';

/** Name of the element type of a float array, for messages. */
export function dtypeOf(a: FloatArray): 'float32' | 'float64' {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

/** Throws a TypeError unless `a` is a Float32Array or a Float64Array. */
export function assertFloatArray(a: unknown, name: string): asserts a is FloatArray {
  if (!(a instanceof Float32Array) && !(a instanceof Float64Array)) {
    const got = a === null ? 'null' : typeof a === 'object' ? (a as object).constructor?.name ?? 'object' : typeof a;
    throw new TypeError(`${name} must be a Float32Array or a Float64Array, got ${got}`);
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

/** Checks an optional number option: TypeError for a wrong type, RangeError outside [min, max) / [min, max]. */
export function checkNumber(
  options: object,
  key: string,
  fallback: number,
  range: { min?: number; max?: number; maxExclusive?: boolean } = {},
): number {
  const value = (options as Record<string, unknown>)[key];
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
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`option ${key} must be a boolean, got ${typeof value} (${String(value)})`);
  }
  return value;
}

/** Checks an optional string option against its allowed values. */
export function checkChoice<C extends string>(options: object, key: string, choices: readonly C[], fallback: C): C {
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new TypeError(`option ${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${typeof value}`);
  }
  if (!(choices as readonly string[]).includes(value)) {
    throw new RangeError(`option ${key} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${value}'`);
  }
  return value as C;
}

/** Rejects keys that are not options (a misspelt `weight_decay` would otherwise be ignored silently). */
export function checkKnownKeys(options: unknown, known: readonly string[], what: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what} must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`unknown ${what} field '${key}'; known fields: ${known.join(', ')}`);
    }
  }
}

/** Checks a step counter: a non-negative integer. */
export function assertStep(step: unknown, name: string): asserts step is number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(step)}`);
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
 * writes one while reading the other would compute garbage.
 */
export function assertNoOverlap(arrays: Record<string, FloatArray | undefined>): void {
  const entries = Object.entries(arrays).filter((e): e is [string, FloatArray] => e[1] !== undefined);
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [aName, a] = entries[i]!;
      const [bName, b] = entries[j]!;
      if (a.buffer !== b.buffer) continue;
      if (a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength) {
        throw new RangeError(`${aName} and ${bName} share memory; give each its own array`);
      }
    }
  }
}
