import { describe } from './check.js';

/**
 * The most elements one typed array can have in V8 (Node, Chromium): larger
 * lengths throw `Invalid typed array length` at allocation, with no word
 * about which layer asked for it.
 */
export const MAX_ARRAY_LENGTH = 2 ** 32;

/** A count for a message: exact when small, two significant digits when not (`4.9e+9`). */
function count(n: number): string {
  return n < 1e6 ? String(n) : Number(n.toPrecision(2)).toExponential();
}

/**
 * Throws a RangeError naming the first dense layer whose weight matrix
 * [out, in] has more values than one array can hold, before anything is
 * allocated.
 */
export function checkLayerSizes(layers: readonly number[]): void {
  for (let i = 0; i + 1 < layers.length; i++) {
    const n = layers[i]! * layers[i + 1]!;
    if (n > MAX_ARRAY_LENGTH) {
      throw new RangeError(`layer ${i} (${layers[i]} → ${layers[i + 1]}) needs ${count(n)} weights; one array holds at most ${MAX_ARRAY_LENGTH}`);
    }
  }
}

/**
 * Throws a RangeError when a batch of `rows` rows needs an activation (or
 * input) buffer larger than one array can hold, naming the option and the
 * widest layer.
 */
export function checkBatchBuffers(layers: readonly number[], rows: number, option: string): void {
  let widest = 0;
  for (let i = 1; i < layers.length; i++) if (layers[i]! > layers[widest]!) widest = i;
  const n = rows * layers[widest]!;
  if (n > MAX_ARRAY_LENGTH) {
    const where = widest === 0 ? 'the input' : `layer ${widest - 1}'s output`;
    throw new RangeError(
      `${option} ${rows} × width ${layers[widest]} of ${where} needs ${count(n)} values in one array, which holds at most ${MAX_ARRAY_LENGTH}; use a smaller ${option}`,
    );
  }
}

/**
 * Throws a TypeError naming the first element of a plain array that is not
 * a number (null, a string, a boolean, a hole), with its row and column in
 * rows of `width` values. Typed arrays hold numbers only and pass unread.
 */
export function checkPlainNumbers(values: ArrayLike<unknown>, name: string, width: number): void {
  if (!Array.isArray(values)) return;
  for (let i = 0; i < values.length; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number') {
      const at = width === 1 ? `row ${i}` : `row ${Math.floor(i / width)}, column ${i % width}`;
      throw new TypeError(`${name}[${i}] (${at}) is ${describe(v)}; ${name} must hold numbers only`);
    }
  }
}
