import type { FdCase } from '../helpers/cases.js';
import { distinct } from './conv.js';

export const REDUCE_CASES: FdCase[] = [
  ...(
    [
      ['ReduceMean', 13, { axes: [1], keepdims: 0 }, [2, 4]],
      ['ReduceMean', 13, { axes: [-1, 0], keepdims: 1 }, [1, 3, 1]],
      ['ReduceMean', 13, { keepdims: 0 }, []],
      ['ReduceSum', 13, { keepdims: 1 }, [1, 1, 1]],
      ['ReduceSumSquare', 13, { axes: [1], keepdims: 0 }, [2, 4]],
      ['ReduceL1', 13, { axes: [0, 2], keepdims: 1 }, [1, 3, 1]],
      ['ReduceL2', 13, { axes: [-1], keepdims: 0 }, [2, 3]],
      ['ReduceLogSumExp', 13, { axes: [1], keepdims: 1 }, [2, 1, 4]],
      ['ReduceMax', 13, { axes: [1], keepdims: 0 }, [2, 4]],
      ['ReduceMin', 13, { keepdims: 0 }, []],
    ] as const
  ).map(([op, opset, attrs, outDims]): FdCase => ({
    name: `${op} opset ${opset} ${JSON.stringify(attrs)} (axes as an attribute or none)`,
    case: {
      type: 'float64',
      opset,
      // distinct values: the extrema have one winner each, away from ties; no zeros for L1
      params: [{ name: 'x', dims: [2, 3, 4], values: distinct(24, 9).map((v) => v + (v >= 0 ? 0.02 : -0.02)) }],
      nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }],
      out: 'y',
      outDims: [...outDims],
      h: 1e-5,
    },
  })),
  ...(
    [
      ['ReduceMean', 18, [1], 0, [2, 4]],
      ['ReduceMean', 18, [0, 2], 1, [1, 3, 1]],
      ['ReduceSum', 13, [-2], 0, [2, 4]],
      ['ReduceSum', 17, [0, 1], 1, [1, 1, 4]],
      ['ReduceMax', 18, [0, 2], 0, [3]],
      ['ReduceSumSquare', 18, [2], 1, [2, 3, 1]],
    ] as const
  ).map(([op, opset, axes, keepdims, outDims]): FdCase => ({
    name: `${op} opset ${opset} with axes ${JSON.stringify(axes)} as an input, keepdims ${keepdims}`,
    case: {
      type: 'float64',
      opset,
      params: [{ name: 'x', dims: [2, 3, 4], values: distinct(24, 4) }],
      consts: [{ name: 'axes', type: 'int64', dims: [axes.length], values: [...axes] }],
      nodes: [{ op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims } }],
      out: 'y',
      outDims: [...outDims],
      h: 1e-5,
    },
  })),
  {
    name: "ReduceMax with a tie: the gradient is shared evenly (torch's amax)",
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3], values: [0.5, 0.5, -1, 0.2, 0.9, 0.1] }],
      nodes: [{ op: 'ReduceMax', inputs: ['x'], outputs: ['y'], attrs: { axes: [1], keepdims: 0 } }],
      opset: 13,
      out: 'y',
      outDims: [2],
    },
  },
  {
    name: 'ReduceSum with noop_with_empty_axes and no axes is the identity',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3] }],
      nodes: [{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { noop_with_empty_axes: 1 } }],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'ReduceMean over a symbolic batch axis of a fed input',
    case: {
      type: 'float64',
      params: [{ name: 'w', dims: [3] }],
      feeds: [{ spec: { name: 'x', type: 'float64', dims: ['n', 3] }, dims: [4, 3], values: Array.from({ length: 12 }, (_, i) => Math.cos(i)) }],
      nodes: [
        { op: 'Mul', inputs: ['x', 'w'], outputs: ['xw'] },
        { op: 'ReduceMean', inputs: ['xw'], outputs: ['y'], attrs: { axes: [0], keepdims: 0 } },
      ],
      opset: 13,
      out: 'y',
      outDims: [3],
    },
  },
];
