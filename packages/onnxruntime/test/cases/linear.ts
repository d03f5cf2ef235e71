import type { FdCase } from '../helpers/cases.js';

const [m, k, n] = [3, 5, 4];

export const LINEAR_CASES: FdCase[] = [
  ...(
    [
      [0, 0, 1, 1, [4]],
      [1, 0, 1, 1, [4]],
      [0, 1, 1, 1, [3, 4]],
      [1, 1, 1, 1, [1, 4]],
      [0, 1, 0.5, 2, [3, 1]],
      [1, 1, -1.5, 0.25, []],
    ] as const
  ).map(([tA, tB, alpha, beta, cDims]): FdCase => ({
    name: `Gemm transA=${tA} transB=${tB} alpha=${alpha} beta=${beta}, C of shape ${JSON.stringify(cDims)}`,
    case: {
      type: 'float64',
      params: [
        { name: 'A', dims: tA ? [k, m] : [m, k] },
        { name: 'B', dims: tB ? [n, k] : [k, n] },
        { name: 'C', dims: [...cDims] },
      ],
      nodes: [{ op: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'], attrs: { transA: tA, transB: tB, alpha: { float: alpha }, beta: { float: beta } } }],
      out: 'Y',
      outDims: [m, n],
    },
  })),
  {
    name: 'Gemm without C',
    case: {
      type: 'float64',
      params: [
        { name: 'A', dims: [2, 3] },
        { name: 'B', dims: [4, 3] },
      ],
      nodes: [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transB: 1 } }],
      out: 'Y',
      outDims: [2, 4],
    },
  },
  ...(
    [
      [
        [3, 4],
        [4, 2],
        [3, 2],
      ],
      [
        [2, 3, 4],
        [2, 4, 5],
        [2, 3, 5],
      ],
      [
        [2, 3, 4],
        [4, 5],
        [2, 3, 5],
      ],
      [
        [3, 4],
        [2, 4, 5],
        [2, 3, 5],
      ],
      [
        [2, 1, 3, 4],
        [3, 4, 2],
        [2, 3, 3, 2],
      ],
      [[4], [4, 3], [3]],
      [[3, 4], [4], [3]],
      [[4], [2, 4, 3], [2, 3]],
      [[2, 3, 4], [4], [2, 3]],
      [[4], [4], []],
    ] as const
  ).map(([a, b, y]): FdCase => ({
    name: `MatMul ${JSON.stringify(a)} × ${JSON.stringify(b)}`,
    case: {
      type: 'float64',
      params: [
        { name: 'A', dims: [...a] },
        { name: 'B', dims: [...b] },
      ],
      nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
      out: 'Y',
      outDims: [...y],
    },
  })),
  {
    name: 'MatMul of a fed input with symbolic batch axes and a parameter',
    case: {
      type: 'float64',
      params: [{ name: 'W', dims: [4, 2] }],
      feeds: [{ spec: { name: 'x', type: 'float64', dims: ['b', 's', 4] }, dims: [2, 3, 4], values: Array.from({ length: 24 }, (_, i) => Math.sin(i)) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['Y'] }],
      out: 'Y',
      outDims: [2, 3, 2],
    },
  },
];
