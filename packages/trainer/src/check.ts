import type { FloatArray } from './types.js';

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'string') return `'${value}'`;
  return String(value);
}

/** Throws a RangeError unless `value` is an integer ≥ `min`. */
export function checkInteger(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** Throws a TypeError unless `value` is a Float32Array or Float64Array. */
export function checkFloatArray(value: unknown, name: string): FloatArray {
  if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
    throw new TypeError(`${name} must be a Float32Array or a Float64Array, got ${describe(value)}`);
  }
  return value;
}

/** True for arrays of numbers: plain arrays and every typed array except BigInt ones. */
export function isNumberArray(value: unknown): value is ArrayLike<number> {
  if (Array.isArray(value)) return true;
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}
