import { describe, isNumberArray } from './check.js';
import { checkPlainNumbers } from './guards.js';
import type { Targets } from './losses.js';
import { checkLabels, type Mlp } from './mlp.js';
import { arrayTypeOf, type FloatArray, type LossKind } from './types.js';

/**
 * A data set in row-major arrays of numbers (any typed array or a plain
 * array).
 *
 * - `x`: inputs, `rows × in` values.
 * - `y`: one integer label in [0, out) per row for softmax cross-entropy, or
 *   `rows × out` targets for MSE.
 */
export interface Dataset {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** A data set checked against a model and a loss. @internal */
export interface CheckedDataset {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  rows: number;
}

/**
 * Checks a data set's shapes and labels against a model, naming the first
 * problem: a RangeError for a wrong length or a label out of range, a
 * TypeError for something that is not an array of numbers.
 */
export function checkDataset(data: unknown, model: Mlp, loss: LossKind, name = 'data'): CheckedDataset {
  if (data === null || typeof data !== 'object') throw new TypeError(`${name} must be an object { x, y }, got ${describe(data)}`);
  const { x, y } = data as { x?: unknown; y?: unknown };
  if (!isNumberArray(x)) throw new TypeError(`${name}.x must be an array of numbers, got ${describe(x)}`);
  if (!isNumberArray(y)) throw new TypeError(`${name}.y must be an array of numbers, got ${describe(y)}`);
  const inSize = model.inputSize;
  const outSize = model.outputSize;
  if (x.length === 0 || x.length % inSize !== 0) {
    throw new RangeError(`${name}.x has ${x.length} values, which is not a positive multiple of the input width ${inSize}`);
  }
  const rows = x.length / inSize;
  checkPlainNumbers(x, `${name}.x`, inSize);
  if (loss === 'softmax-cross-entropy') {
    if (y.length !== rows) throw new RangeError(`${name}.y has ${y.length} labels but ${name}.x has ${rows} rows of ${inSize}`);
    checkPlainNumbers(y, `${name}.y`, 1);
    checkLabels(y, outSize, `${name}.y`);
  } else if (y.length !== rows * outSize) {
    throw new RangeError(`${name}.y has ${y.length} values, expected rows × out = ${rows} × ${outSize} = ${rows * outSize}`);
  } else {
    checkPlainNumbers(y, `${name}.y`, outSize);
  }
  return { x, y, rows };
}

/** Reusable buffers for gathering one batch in the model's dtype. @internal */
export class BatchBuffers {
  private readonly cache = new Map<number, { x: FloatArray; y: Targets }>();

  constructor(
    private readonly model: Mlp,
    private readonly loss: LossKind,
  ) {}

  /**
   * Copies the rows `order[start..start+count)` of `data` into the buffers of
   * batch size `count` and returns them.
   */
  gather(data: CheckedDataset, order: ArrayLike<number> | null, start: number, count: number): { x: FloatArray; y: Targets } {
    const buf = this.buffers(count);
    const inSize = this.model.inputSize;
    const ySize = this.loss === 'mse' ? this.model.outputSize : 1;
    const { x, y } = data;
    const sameType = x instanceof (buf.x.constructor as Float32ArrayConstructor | Float64ArrayConstructor);
    for (let i = 0; i < count; i++) {
      const r = order === null ? start + i : order[start + i]!;
      if (sameType) {
        buf.x.set((x as FloatArray).subarray(r * inSize, (r + 1) * inSize), i * inSize);
      } else {
        for (let k = 0; k < inSize; k++) buf.x[i * inSize + k] = x[r * inSize + k]!;
      }
      for (let k = 0; k < ySize; k++) buf.y[i * ySize + k] = y[r * ySize + k]!;
    }
    return buf;
  }

  private buffers(count: number): { x: FloatArray; y: Targets } {
    let buf = this.cache.get(count);
    if (buf === undefined) {
      if (this.cache.size >= 4) this.cache.delete(this.cache.keys().next().value!);
      const Ctor = arrayTypeOf(this.model.dtype);
      buf = {
        x: new Ctor(count * this.model.inputSize),
        y: this.loss === 'mse' ? new Ctor(count * this.model.outputSize) : new Int32Array(count),
      };
      this.cache.set(count, buf);
    }
    return buf;
  }
}
