import { decodeModel } from '../proto/codec.js';
import { readFloatTensor } from '../proto/tensor.js';
import { DataType, type ModelProto, type TensorProto } from '../proto/types.js';

/** The FLOAT and DOUBLE initializers of a decoded model, in the model's order. */
export function floatInitializerTensors(model: ModelProto): TensorProto[] {
  return (model.graph?.initializer ?? []).filter((t) => t.name && (t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE));
}

/**
 * The values of a model's FLOAT and DOUBLE initializers by name, as new
 * Float32Arrays or Float64Arrays: the parameters of a forward model, for
 * instance one that {@link OrtTrainer.exportModel} wrote. With `names`,
 * only those, and a name that is not a float initializer throws.
 *
 * @example
 * ```ts
 * const before = readInitializers(model, ['encoder.layers.0.linear1.weight']);
 * const after = readInitializers(trainer.exportModel(), ['encoder.layers.0.linear1.weight']);
 * ```
 */
export function readInitializers(model: Uint8Array, names?: readonly string[]): Record<string, Float32Array | Float64Array> {
  const tensors = floatInitializerTensors(decodeModel(model));
  const byName = new Map(tensors.map((t) => [t.name!, t]));
  const out: Record<string, Float32Array | Float64Array> = {};
  for (const name of names ?? [...byName.keys()]) {
    const t = byName.get(name);
    if (t === undefined) throw new Error(`'${name}' is not a FLOAT or DOUBLE initializer of the model`);
    out[name] = readFloatTensor(t);
  }
  return out;
}
