import { mulberry32 } from '@adamw/test-utils/random';
import { makeAttribute } from '../src/proto/attributes.js';
import { encodeModel } from '../src/proto/codec.js';
import { makeTensor } from '../src/proto/tensor.js';
import { DataType } from '../src/proto/types.js';

/** A seeded uniform generator in [lo, hi) (mulberry32). */
export function uniform(seed: number): (lo: number, hi: number) => number {
  const next = mulberry32(seed);
  return (lo, hi) => lo + (hi - lo) * next();
}

/**
 * The forward + loss graph torch exports for
 * `Linear(784, 256) → ReLU → Linear(256, 10) → cross_entropy` (Gemm with
 * transB, Relu, Gemm, SoftmaxCrossEntropyLoss), with torch's default
 * initialisation bounds (uniform ±1/√fan_in).
 */
export function mnistMlp(seed = 1): { model: Uint8Array; init: Record<string, Float32Array> } {
  const rand = uniform(seed);
  const layer = (fanIn: number, n: number) => Float32Array.from({ length: n }, () => rand(-1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)));
  const init = {
    'fc1.weight': layer(784, 256 * 784),
    'fc1.bias': layer(784, 256),
    'fc2.weight': layer(256, 10 * 256),
    'fc2.bias': layer(256, 10),
  };
  const dims: Record<string, number[]> = { 'fc1.weight': [256, 784], 'fc1.bias': [256], 'fc2.weight': [10, 256], 'fc2.bias': [10] };
  const vi = (name: string, elemType: number, shape: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 14 }],
    producerName: 'adamw-onnxruntime-bench',
    graph: {
      name: 'mnist_mlp',
      node: [
        { input: ['x', 'fc1.weight', 'fc1.bias'], output: ['h'], name: '/fc1/Gemm', opType: 'Gemm', attribute: [makeAttribute('transB', 1)] },
        { input: ['h'], output: ['a'], name: '/Relu', opType: 'Relu' },
        { input: ['a', 'fc2.weight', 'fc2.bias'], output: ['z'], name: '/fc2/Gemm', opType: 'Gemm', attribute: [makeAttribute('transB', 1)] },
        { input: ['z', 'y'], output: ['loss'], name: '/Loss', opType: 'SoftmaxCrossEntropyLoss', attribute: [makeAttribute('reduction', 'mean')] },
      ],
      input: [vi('x', DataType.FLOAT, ['batch', 784]), vi('y', DataType.INT64, ['batch'])],
      initializer: Object.entries(init).map(([name, values]) => makeTensor(name, DataType.FLOAT, dims[name]!, values)),
      output: [vi('loss', DataType.FLOAT, [])],
    },
  });
  return { model, init };
}
