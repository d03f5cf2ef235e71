import { expect } from 'vitest';
import type { FdCase } from '../helpers/cases.js';

/** An end past every axis, as torch writes INT64_MAX for "to the end" (which a double cannot hold exactly). */
const TO_THE_END = 2 ** 62;

/** x[2, 3, 4] sliced with constant bounds (inputs starts, ends, axes, steps). */
function sliceCase(name: string, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined, outDims: number[]): FdCase {
  const consts = [
    { name: 'starts', type: 'int64' as const, dims: [starts.length], values: starts },
    { name: 'ends', type: 'int64' as const, dims: [ends.length], values: ends },
  ];
  const inputs = ['x', 'starts', 'ends'];
  if (axes) {
    consts.push({ name: 'axes', type: 'int64', dims: [axes.length], values: axes });
    inputs.push('axes');
  }
  if (steps) {
    if (!axes) inputs.push('');
    consts.push({ name: 'steps', type: 'int64', dims: [steps.length], values: steps });
    inputs.push('steps');
  }
  return {
    name,
    case: { type: 'float64', params: [{ name: 'x', dims: [2, 3, 4] }], consts, nodes: [{ op: 'Slice', inputs, outputs: ['y'] }], out: 'y', outDims },
  };
}

export const SHAPE_CASES: FdCase[] = [
  {
    name: 'Reshape, Flatten, Transpose, Squeeze and Unsqueeze in a chain',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3, 4] }],
      consts: [
        { name: 'shape', type: 'int64', dims: [3], values: [4, -1, 2] },
        { name: 'ax0', type: 'int64', dims: [1], values: [0] },
        { name: 'ax3', type: 'int64', dims: [1], values: [3] },
      ],
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: [2, 0, 1] } },
        { op: 'Unsqueeze', inputs: ['t', 'ax0'], outputs: ['u'] },
        { op: 'Transpose', inputs: ['u'], outputs: ['t2'] },
        { op: 'Squeeze', inputs: ['t2', 'ax3'], outputs: ['s'] },
        { op: 'Flatten', inputs: ['s'], outputs: ['y'], attrs: { axis: 2 } },
      ],
      out: 'y',
      outDims: [12, 2],
    },
  },
  {
    name: 'Concat of three inputs, one used twice, on a negative axis',
    case: {
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 1] },
        { name: 'b', dims: [2, 3] },
      ],
      nodes: [{ op: 'Concat', inputs: ['a', 'b', 'a'], outputs: ['y'], attrs: { axis: -1 } }],
      out: 'y',
      outDims: [2, 5],
    },
  },
  {
    name: 'Concat with a fed input of symbolic extent',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [1, 3] }],
      feeds: [{ spec: { name: 'x', type: 'float64', dims: ['n', 3] }, dims: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
      nodes: [
        { op: 'Concat', inputs: ['x', 'a'], outputs: ['c'], attrs: { axis: 0 } },
        { op: 'Tanh', inputs: ['c'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [3, 3],
    },
  },
  {
    name: 'Split on axis 1, one output unused',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 5] }],
      consts: [{ name: 'sizes', type: 'int64', dims: [3], values: [2, 1, 2] }],
      nodes: [
        { op: 'Split', inputs: ['x', 'sizes'], outputs: ['p', 'q', 'r'], attrs: { axis: 1 } },
        { op: 'Mul', inputs: ['p', 'r'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [2, 2],
    },
  },
  {
    name: 'Split into equal parts without sizes (q, k, v of attention)',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 6] }],
      nodes: [
        { op: 'Split', inputs: ['x'], outputs: ['q', 'k', 'v'], attrs: { axis: -1 } },
        { op: 'Mul', inputs: ['q', 'k'], outputs: ['qk'] },
        { op: 'Add', inputs: ['qk', 'v'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [2, 2],
    },
  },
  sliceCase('Slice with unit steps on two axes (padded back)', [1, 0], [3, 2], [2, 0], undefined, [1, 3, 2]),
  sliceCase('Slice to the end with TO_THE_END and a negative start, no axes', [0, -2], [TO_THE_END, TO_THE_END], undefined, undefined, [2, 2, 4]),
  sliceCase('Slice with step 2 and a negative step (scattered back)', [0, 3], [TO_THE_END, 0], [1, 2], [2, -1], [2, 2, 3]),
  {
    name: 'Slice of a fed input with a symbolic axis and run-time bounds',
    case: {
      type: 'float64',
      params: [{ name: 'w', dims: [1, 3] }],
      feeds: [
        { spec: { name: 'x', type: 'float64', dims: ['n', 3] }, dims: [4, 3], values: Array.from({ length: 12 }, (_, i) => Math.sin(i)) },
        { spec: { name: 'end', type: 'int64', dims: [1] }, dims: [1], values: [-1] },
      ],
      consts: [
        { name: 'start', type: 'int64', dims: [1], values: [1] },
        { name: 'axis', type: 'int64', dims: [1], values: [0] },
      ],
      nodes: [
        { op: 'Mul', inputs: ['x', 'w'], outputs: ['xw'] },
        { op: 'Slice', inputs: ['xw', 'start', 'end', 'axis'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'Expand sums the gradient back',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [3, 1] }],
      consts: [{ name: 's', type: 'int64', dims: [3], values: [2, 3, 4] }],
      nodes: [{ op: 'Expand', inputs: ['a', 's'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3, 4],
    },
  },
  {
    name: 'Tile with constant repeats',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [2, 3] }],
      consts: [{ name: 'r', type: 'int64', dims: [2], values: [3, 2] }],
      nodes: [{ op: 'Tile', inputs: ['a', 'r'], outputs: ['y'] }],
      out: 'y',
      outDims: [6, 6],
    },
  },
  {
    name: 'Tile with repeats fed at run time',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [1, 2, 2] }],
      feeds: [{ spec: { name: 'r', type: 'int64', dims: [3] }, dims: [3], values: [2, 1, 3] }],
      nodes: [{ op: 'Tile', inputs: ['a', 'r'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 2, 6],
    },
  },
  {
    name: 'Trilu (lower, k = 1) keeps the same triangle of the gradient',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [2, 3, 4] }],
      consts: [{ name: 'k', type: 'int64', dims: [], values: [1] }],
      nodes: [{ op: 'Trilu', inputs: ['a', 'k'], outputs: ['y'], attrs: { upper: 0 } }],
      out: 'y',
      outDims: [2, 3, 4],
    },
  },
  {
    name: 'Pad with zeros (constant mode)',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [2, 3] }],
      consts: [{ name: 'pads', type: 'int64', dims: [4], values: [1, 0, 0, 2] }],
      nodes: [{ op: 'Pad', inputs: ['a', 'pads'], outputs: ['y'] }],
      out: 'y',
      outDims: [3, 5],
    },
  },
  {
    name: 'Gather as an embedding lookup with repeated indices (opset 14, raised to 16)',
    case: {
      type: 'float64',
      opset: 14,
      params: [{ name: 'table', dims: [5, 3] }],
      feeds: [{ spec: { name: 'ids', type: 'int64', dims: ['b', 4] }, dims: [2, 4], values: [1, 3, 1, 0, 4, 1, 3, 3] }],
      nodes: [{ op: 'Gather', inputs: ['table', 'ids'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 4, 3],
    },
    // Row 2 is never gathered: its gradient is exactly zero.
    check: (r) => expect(Array.from(r.analytic.table!.slice(6, 9))).toEqual([0, 0, 0]),
  },
  {
    name: 'Gather on axis 1 with a scalar and with negative indices',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 4, 3] }],
      consts: [
        { name: 'i', type: 'int64', dims: [], values: [2] },
        { name: 'j', type: 'int64', dims: [2, 2], values: [-1, 0, 3, -1] },
      ],
      nodes: [
        { op: 'Gather', inputs: ['x', 'i'], outputs: ['g1'], attrs: { axis: 1 } },
        { op: 'Gather', inputs: ['x', 'j'], outputs: ['g2'], attrs: { axis: -2 } },
        { op: 'ReduceSum', inputs: ['g2'], outputs: ['s2'], attrs: { keepdims: 0 } },
        { op: 'Mul', inputs: ['g1', 's2'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'Gather with negative indices fed at run time',
    case: {
      type: 'float64',
      params: [{ name: 'table', dims: [4, 2] }],
      feeds: [{ spec: { name: 'ids', type: 'int64', dims: [3] }, dims: [3], values: [-1, 0, -4] }],
      nodes: [{ op: 'Gather', inputs: ['table', 'ids'], outputs: ['y'] }],
      out: 'y',
      outDims: [3, 2],
    },
  },
  {
    name: 'Identity and a Constant node',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [3] }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value_floats: { floats: [0.5, -2, 3] } } },
        { op: 'Cast', inputs: ['k'], outputs: ['k64'], attrs: { to: 11 } },
        { op: 'Identity', inputs: ['x'], outputs: ['i'] },
        { op: 'Mul', inputs: ['i', 'k64'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [3],
    },
  },
  {
    name: 'Dropout in inference mode is the identity',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3] }],
      consts: [
        { name: 'ratio', type: 'float64', dims: [], values: [0.5] },
        { name: 'mode', type: 'bool', dims: [], values: [0] },
      ],
      nodes: [{ op: 'Dropout', inputs: ['x', 'ratio', 'mode'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  },
];
