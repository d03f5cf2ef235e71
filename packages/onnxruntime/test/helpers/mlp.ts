import * as ort from 'onnxruntime-node';
import { makeModel, random, randoms, type TypeName } from './onnx.js';

/**
 * A 4-8-3 classifier: Gemm, Relu, Gemm, SoftmaxCrossEntropyLoss, with a
 * symbolic batch axis; x: [batch, 4], y: [batch] int64.
 */
export function classifierModel(type: 'float32' | 'float64' = 'float32', seed = 3): Uint8Array {
  const rand = random(seed);
  const t = type as TypeName;
  return makeModel({
    nodes: [
      { op: 'Gemm', inputs: ['x', 'fc1.weight', 'fc1.bias'], outputs: ['h'], attrs: { transB: 1 }, name: '/fc1/Gemm' },
      { op: 'Relu', inputs: ['h'], outputs: ['a'], name: '/Relu' },
      { op: 'Gemm', inputs: ['a', 'fc2.weight', 'fc2.bias'], outputs: ['z'], attrs: { transB: 1 }, name: '/fc2/Gemm' },
      { op: 'SoftmaxCrossEntropyLoss', inputs: ['z', 'y'], outputs: ['loss'], attrs: { reduction: 'mean', ignore_index: -100 } },
    ],
    inputs: [
      { name: 'x', type: t, dims: ['batch', 4] },
      { name: 'y', type: 'int64', dims: ['batch'] },
    ],
    initializers: [
      { name: 'fc1.weight', type: t, dims: [8, 4], values: randoms(rand, 32, -0.5, 0.5) },
      { name: 'fc1.bias', type: t, dims: [8], values: randoms(rand, 8, -0.1, 0.1) },
      { name: 'fc2.weight', type: t, dims: [3, 8], values: randoms(rand, 24, -0.5, 0.5) },
      { name: 'fc2.bias', type: t, dims: [3], values: randoms(rand, 3, -0.1, 0.1) },
    ],
    outputs: [{ name: 'loss', type: t, dims: [] }],
  });
}

/** A batch of n rows: 4 features, label = argmax of the first three. */
export function classifierBatch(n: number, seed: number, type: 'float32' | 'float64' = 'float32'): { x: ort.Tensor; y: ort.Tensor } {
  const rand = random(seed);
  const xs = randoms(rand, 4 * n, -1, 1);
  const ys = Array.from({ length: n }, (_, r) => {
    const row = xs.slice(4 * r, 4 * r + 3);
    return BigInt(row.indexOf(Math.max(...row)));
  });
  const data = type === 'float32' ? Float32Array.from(xs) : Float64Array.from(xs);
  return { x: new ort.Tensor(type, data, [n, 4]), y: new ort.Tensor('int64', BigInt64Array.from(ys), [n]) };
}
