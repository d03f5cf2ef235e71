import type { Tensor } from 'onnxruntime-common';
import type { ModelInput } from '../autodiff/build.js';
import { dataTypeName } from '../proto/tensor.js';
import { DataType } from '../proto/types.js';

/** ONNX element types and the names ONNX Runtime's Tensor uses for them. */
const ORT_TYPES: Readonly<Record<number, Tensor.Type>> = {
  [DataType.FLOAT]: 'float32',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.INT16]: 'int16',
  [DataType.INT8]: 'int8',
  [DataType.UINT8]: 'uint8',
  [DataType.UINT16]: 'uint16',
  [DataType.UINT32]: 'uint32',
  [DataType.UINT64]: 'uint64',
  [DataType.BOOL]: 'bool',
  [DataType.FLOAT16]: 'float16',
  [DataType.STRING]: 'string',
};

/** The onnxruntime Tensor type name of an ONNX element type. */
export function ortTypeOf(dataType: number): Tensor.Type {
  const t = ORT_TYPES[dataType];
  if (t === undefined) throw new TypeError(`ONNX element type ${dataTypeName(dataType)} has no ONNX Runtime tensor type`);
  return t;
}

function isTensorLike(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).type === 'string' && Array.isArray((x as Tensor).dims) && 'data' in x;
}

/**
 * Checks a run's feeds against the model's inputs before anything runs:
 * every input present, nothing unknown, no parameter fed from outside,
 * element types and ranks as declared, fixed sizes as declared, and each
 * symbolic size (`batch`) the same in every input that uses it. Throws a
 * TypeError or RangeError naming the input.
 */
export function checkFeeds(feeds: unknown, inputs: readonly ModelInput[], parameterNames: ReadonlySet<string>): Record<string, Tensor> {
  if (feeds === null || typeof feeds !== 'object' || Array.isArray(feeds)) {
    throw new TypeError(`feeds must be an object mapping input names to ort.Tensor, got ${feeds === null ? 'null' : typeof feeds}`);
  }
  const record = feeds as Record<string, unknown>;
  const known = new Set(inputs.map((i) => i.name));
  for (const name of Object.keys(record)) {
    if (parameterNames.has(name)) throw new RangeError(`feed '${name}' is a trained parameter; the trainer feeds it itself`);
    if (!known.has(name)) throw new RangeError(`feed '${name}' is not an input of the model (inputs: ${[...known].join(', ')})`);
  }
  const symbols = new Map<string, { size: number; input: string }>();
  const out: Record<string, Tensor> = {};
  for (const input of inputs) {
    const value = record[input.name];
    if (value === undefined) throw new RangeError(`feed '${input.name}' is missing (inputs: ${[...known].join(', ')})`);
    if (!isTensorLike(value)) throw new TypeError(`feed '${input.name}' must be an ort.Tensor`);
    if (input.dataType !== 0) {
      const expected = ORT_TYPES[input.dataType];
      if (expected !== undefined && value.type !== expected) {
        throw new TypeError(`feed '${input.name}' is ${value.type}, but the model declares ${expected}`);
      }
    }
    const dims = value.dims;
    if (input.dims !== null) {
      const declared = `[${input.dims.map((d) => d ?? '?').join(', ')}]`;
      if (dims.length !== input.dims.length) {
        throw new RangeError(`feed '${input.name}' has shape [${dims.join(', ')}], but the model declares ${declared}`);
      }
      input.dims.forEach((d, axis) => {
        const size = dims[axis]!;
        if (typeof d === 'number' && size !== d) {
          throw new RangeError(`feed '${input.name}' has shape [${dims.join(', ')}], but the model declares ${declared} (axis ${axis} must be ${d})`);
        }
        if (typeof d === 'string') {
          const seen = symbols.get(d);
          if (seen === undefined) symbols.set(d, { size, input: input.name });
          else if (seen.size !== size) {
            throw new RangeError(`feed '${input.name}' has ${d} = ${size} (axis ${axis}) but feed '${seen.input}' has ${d} = ${seen.size}`);
          }
        }
      });
    }
    out[input.name] = value;
  }
  return out;
}
