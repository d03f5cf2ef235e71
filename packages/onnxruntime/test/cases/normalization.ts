import type { FdCase } from '../helpers/cases.js';
import type { OpCase } from '../helpers/gradcheck.js';

const stats = (channels: number): OpCase['consts'] => [
  { name: 'mean', type: 'float64', dims: [channels], values: Array.from({ length: channels }, (_, i) => 0.1 * i - 0.1) },
  { name: 'var', type: 'float64', dims: [channels], values: Array.from({ length: channels }, (_, i) => 0.5 + 0.25 * i) },
];

function batchNorm(name: string, xDims: number[], opset: number, attrs: Record<string, number | { float: number }>, outputs: number): FdCase {
  const channels = xDims[1]!;
  return {
    name,
    case: {
      type: 'float64',
      opset,
      params: [
        { name: 'x', dims: xDims, lo: -1, hi: 2 },
        { name: 'scale', dims: [channels], lo: 0.5, hi: 1.5 },
        { name: 'bias', dims: [channels] },
      ],
      consts: stats(channels),
      nodes: [
        {
          op: 'BatchNormalization',
          inputs: ['x', 'scale', 'bias', 'mean', 'var'],
          outputs: ['y', ...Array.from({ length: outputs - 1 }, (_, i) => `extra${i}`)],
          attrs: { epsilon: { float: 1e-3 }, ...attrs },
        },
      ],
      out: 'y',
      outDims: xDims,
    },
  };
}

export const NORMALIZATION_CASES: FdCase[] = [
  {
    name: 'LayerNormalization over the last axis with scale and bias',
    case: {
      type: 'float64',
      params: [
        { name: 'x', dims: [2, 3, 4], lo: -2, hi: 2 },
        { name: 'scale', dims: [4], lo: 0.5, hi: 1.5 },
        { name: 'bias', dims: [4] },
      ],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'scale', 'bias'], outputs: ['y'], attrs: { axis: -1, epsilon: { float: 1e-5 } } }],
      out: 'y',
      outDims: [2, 3, 4],
    },
  },
  {
    name: 'LayerNormalization over the last two axes, no bias, its Mean output named by the model',
    case: {
      type: 'float64',
      params: [
        { name: 'x', dims: [2, 3, 4], lo: -2, hi: 2 },
        { name: 'scale', dims: [3, 4], lo: 0.5, hi: 1.5 },
      ],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 'scale'], outputs: ['y', 'mu'], attrs: { axis: 1 } }],
      out: 'y',
      outDims: [2, 3, 4],
    },
  },
  batchNorm('BatchNormalization in training mode (opset 15) on [N, C, H, W]', [4, 3, 2, 2], 15, { training_mode: 1, momentum: { float: 0.9 } }, 3),
  batchNorm('BatchNormalization in training mode on [N, C] (BatchNorm1d)', [5, 3], 14, { training_mode: 1 }, 3),
  batchNorm("BatchNormalization, opset 13's training form with five outputs", [3, 2, 3], 13, { momentum: { float: 0.9 } }, 5),
  batchNorm('BatchNormalization in inference mode (running statistics)', [3, 2, 2, 2], 15, {}, 1),
];
