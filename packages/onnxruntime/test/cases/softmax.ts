import type { FdCase } from '../helpers/cases.js';

const labels = [2, 0, 1, 2, 1];

export const SOFTMAX_CASES: FdCase[] = [
  ...(
    [
      ['Softmax', -1, 17],
      ['Softmax', 0, 17],
      ['Softmax', 1, 13],
      ['LogSoftmax', -1, 17],
      ['LogSoftmax', 1, 13],
    ] as const
  ).map(([op, axis, opset]): FdCase => ({
    name: `${op} on axis ${axis} (opset ${opset})`,
    case: {
      type: 'float64',
      opset,
      params: [{ name: 'x', dims: [2, 3, 4], lo: -2, hi: 2 }],
      nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs: { axis } }],
      out: 'y',
      outDims: [2, 3, 4],
    },
  })),
  ...(
    [
      ['mean', {}],
      ['sum', {}],
      ['mean', { ignore_index: 1 }],
      ['sum', { ignore_index: -100 }],
    ] as const
  ).map(([reduction, extra]): FdCase => ({
    name: `SoftmaxCrossEntropyLoss reduction ${reduction} ${JSON.stringify(extra)}`,
    case: {
      type: 'float64',
      params: [{ name: 'scores', dims: [5, 3], lo: -2, hi: 2 }],
      consts: [{ name: 'labels', type: 'int64', dims: [5], values: labels }],
      nodes: [{ op: 'SoftmaxCrossEntropyLoss', inputs: ['scores', 'labels'], outputs: ['loss'], attrs: { reduction, ...extra } }],
      out: 'loss',
      outDims: [],
      scalar: true,
    },
  })),
  {
    name: 'SoftmaxCrossEntropyLoss with class weights and an ignored label, on [N, C, D] scores',
    case: {
      type: 'float64',
      params: [{ name: 'scores', dims: [2, 3, 4], lo: -2, hi: 2 }],
      consts: [
        { name: 'labels', type: 'int64', dims: [2, 4], values: [0, 2, 1, -1, 1, 1, 0, 2] },
        { name: 'w', type: 'float64', dims: [3], values: [0.5, 2, 1.25] },
      ],
      nodes: [{ op: 'SoftmaxCrossEntropyLoss', inputs: ['scores', 'labels', 'w'], outputs: ['loss'], attrs: { reduction: 'mean', ignore_index: -1 } }],
      out: 'loss',
      outDims: [],
      scalar: true,
    },
  },
  {
    name: 'SoftmaxCrossEntropyLoss with reduction none and its log_prob output used too',
    case: {
      type: 'float64',
      params: [{ name: 'scores', dims: [4, 3], lo: -2, hi: 2 }],
      consts: [
        { name: 'labels', type: 'int64', dims: [4], values: [1, 0, 2, 2] },
        { name: 'zero', type: 'int64', dims: [1], values: [0] },
        { name: 'tenth', type: 'float64', dims: [], values: [0.1] },
      ],
      nodes: [
        { op: 'SoftmaxCrossEntropyLoss', inputs: ['scores', 'labels'], outputs: ['per', 'logp'], attrs: { reduction: 'none' } },
        { op: 'ReduceSum', inputs: ['logp'], outputs: ['lsum'], attrs: { keepdims: 0 } },
        { op: 'Unsqueeze', inputs: ['lsum', 'zero'], outputs: ['lsum1'] },
        { op: 'Mul', inputs: ['lsum1', 'tenth'], outputs: ['lscaled'] },
        { op: 'Add', inputs: ['per', 'lscaled'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [4],
    },
  },
  ...(
    [
      ['mean', {}],
      ['sum', { ignore_index: 0 }],
    ] as const
  ).map(([reduction, extra]): FdCase => ({
    name: `NegativeLogLikelihoodLoss reduction ${reduction} ${JSON.stringify(extra)}`,
    case: {
      type: 'float64',
      params: [{ name: 'logp', dims: [5, 3], lo: -3, hi: 0 }],
      consts: [{ name: 'labels', type: 'int64', dims: [5], values: labels }],
      nodes: [{ op: 'NegativeLogLikelihoodLoss', inputs: ['logp', 'labels'], outputs: ['loss'], attrs: { reduction, ...extra } }],
      out: 'loss',
      outDims: [],
      scalar: true,
    },
  })),
  {
    name: 'NegativeLogLikelihoodLoss with weights after LogSoftmax',
    case: {
      type: 'float64',
      params: [{ name: 'z', dims: [4, 3], lo: -2, hi: 2 }],
      consts: [
        { name: 'labels', type: 'int64', dims: [4], values: [2, 0, 0, 1] },
        { name: 'w', type: 'float64', dims: [3], values: [1.5, 0.5, 2] },
      ],
      nodes: [
        { op: 'LogSoftmax', inputs: ['z'], outputs: ['logp'], attrs: { axis: 1 } },
        { op: 'NegativeLogLikelihoodLoss', inputs: ['logp', 'labels', 'w'], outputs: ['loss'] },
      ],
      out: 'loss',
      outDims: [],
      scalar: true,
    },
  },
  {
    name: 'mean squared error written as Sub, Mul, ReduceMean (float32)',
    case: {
      type: 'float32',
      params: [{ name: 'p', dims: [4, 2] }],
      consts: [{ name: 't', type: 'float32', dims: [4, 2], values: [0.1, -0.3, 0.5, 0.2, -0.7, 0.9, 0, 0.4] }],
      nodes: [
        { op: 'Sub', inputs: ['p', 't'], outputs: ['d'] },
        { op: 'Mul', inputs: ['d', 'd'], outputs: ['sq'] },
        { op: 'ReduceMean', inputs: ['sq'], outputs: ['loss'], attrs: { keepdims: 0 } },
      ],
      out: 'loss',
      outDims: [],
      scalar: true,
    },
  },
];
