import type { FdCase } from '../helpers/cases.js';
import type { OpCase } from '../helpers/gradcheck.js';

const unary = (op: string, type: 'float32' | 'float64', lo = -1, hi = 1, attrs = {}, opset?: number): OpCase => ({
  type,
  ...(opset ? { opset } : {}),
  params: [{ name: 'x', dims: [3, 4], lo, hi }],
  nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }],
  out: 'y',
  outDims: [3, 4],
});

/** Values away from the kinks of piecewise functions (a ±h nudge never crosses one). */
const KINKED = [-2.9, -0.9, 0.4, -0.2, 1.3, 0.7, -1.1, 0.3, -0.6, 2.2, -3.4, 3.6];

function binaryShapes(op: string, a: number[], b: number[]): FdCase {
  const out = a.length >= b.length ? [...a] : [...b];
  const ra = [...a];
  const rb = [...b];
  while (ra.length < out.length) ra.unshift(1);
  while (rb.length < out.length) rb.unshift(1);
  return {
    name: `${op} with shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} (broadcast gradients summed back)`,
    case: {
      type: 'float64',
      params: [
        { name: 'a', dims: a, lo: -1, hi: 1 },
        { name: 'b', dims: b, lo: op === 'Div' ? 0.5 : -1, hi: op === 'Div' ? 2 : 1 },
      ],
      nodes: [{ op, inputs: ['a', 'b'], outputs: ['y'] }],
      out: 'y',
      outDims: out.map((_, i) => Math.max(ra[i]!, rb[i]!)),
    },
  };
}

export const ELEMENTWISE_CASES: FdCase[] = [
  ...(
    [
      ['Neg', 'float64', -1, 1],
      ['Sigmoid', 'float64', -3, 3],
      ['Tanh', 'float64', -2, 2],
      ['Exp', 'float64', -1, 1],
      ['Log', 'float64', 0.2, 3],
      ['Sqrt', 'float64', 0.2, 3],
      ['Identity', 'float64', -1, 1],
      ['Abs', 'float64', 0.1, 1],
      ['Reciprocal', 'float64', 0.5, 2],
      ['Erf', 'float32', -1.5, 1.5],
      ['Softplus', 'float32', -3, 3],
      ['Softsign', 'float32', -3, 3],
      ['Sin', 'float64', -3, 3],
      ['Cos', 'float64', -3, 3],
    ] as const
  ).map(([op, type, lo, hi]): FdCase => ({ name: `${op} (${type})`, case: unary(op, type, lo, hi) })),
  { name: 'Relu away from its kink', case: { ...unary('Relu', 'float64'), params: [{ name: 'x', dims: [3, 4], values: KINKED }] } },
  {
    name: 'LeakyRelu with its alpha',
    case: { ...unary('LeakyRelu', 'float32', -1, 1, { alpha: { float: 0.2 } }), params: [{ name: 'x', dims: [3, 4], values: KINKED }] },
  },
  { name: 'Elu with alpha 0.7', case: { ...unary('Elu', 'float32', -1, 1, { alpha: { float: 0.7 } }), params: [{ name: 'x', dims: [3, 4], values: KINKED }] } },
  { name: 'Selu', case: { ...unary('Selu', 'float32'), params: [{ name: 'x', dims: [3, 4], values: KINKED }] } },
  {
    name: "HardSigmoid with torch's alpha 1/6",
    case: { ...unary('HardSigmoid', 'float32', -1, 1, { alpha: { float: 1 / 6 } }), params: [{ name: 'x', dims: [3, 4], values: KINKED }] },
  },
  { name: 'HardSwish on every piece', case: { ...unary('HardSwish', 'float32'), params: [{ name: 'x', dims: [3, 4], values: KINKED }] } },
  { name: 'Gelu (opset 20), exact', case: unary('Gelu', 'float32', -3, 3, {}, 20) },
  { name: 'Gelu (opset 20), tanh approximation', case: unary('Gelu', 'float32', -3, 3, { approximate: 'tanh' }, 20) },
  {
    name: 'Clip with min and max inputs, values on both sides',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [3, 4], values: KINKED }],
      consts: [
        { name: 'lo', type: 'float64', dims: [], values: [-1] },
        { name: 'hi', type: 'float64', dims: [], values: [0.5] },
      ],
      nodes: [{ op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }],
      out: 'y',
      outDims: [3, 4],
    },
  },
  {
    name: 'Clip with only a min (torch.clamp(min=0))',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [3, 4], values: KINKED }],
      consts: [{ name: 'lo', type: 'float64', dims: [], values: [0] }],
      nodes: [{ op: 'Clip', inputs: ['x', 'lo'], outputs: ['y'] }],
      out: 'y',
      outDims: [3, 4],
    },
  },
  binaryShapes('Add', [2, 3], [3]),
  binaryShapes('Add', [2, 3], [2, 1]),
  binaryShapes('Add', [2, 1, 4], [3, 1]),
  binaryShapes('Sub', [2, 3], [2, 3]),
  binaryShapes('Sub', [], [2, 3]),
  binaryShapes('Mul', [2, 3, 2], [3, 1]),
  binaryShapes('Mul', [1, 3], [4, 1]),
  binaryShapes('Div', [2, 3], [3]),
  binaryShapes('Div', [4, 1], [1, 3]),
  binaryShapes('Max', [2, 3], [3]),
  binaryShapes('Min', [4, 1], [1, 3]),
  {
    name: 'Max of three inputs with a tie between two (the gradient is split)',
    case: {
      type: 'float64',
      params: [
        { name: 'a', dims: [4], values: [0.5, -1, 2, 0.1] },
        { name: 'b', dims: [4], values: [0.2, -1.5, 1, 0.7] },
      ],
      consts: [{ name: 'c', type: 'float64', dims: [4], values: [0.5, 0.3, -2, 0] }],
      nodes: [{ op: 'Max', inputs: ['a', 'b', 'c'], outputs: ['y'] }],
      out: 'y',
      outDims: [4],
    },
    // At the tie a[0] = c[0] the central difference gives each half, as the split gradient does.
  },
  {
    name: 'Mean of three broadcast inputs (float32)',
    case: {
      type: 'float32',
      params: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
        { name: 'c', dims: [2, 1] },
      ],
      nodes: [{ op: 'Mean', inputs: ['a', 'b', 'c'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'PRelu with a per-channel slope',
    case: {
      type: 'float64',
      params: [
        { name: 'x', dims: [2, 3, 2], values: KINKED },
        { name: 'slope', dims: [3, 1], lo: 0.1, hi: 0.5 },
      ],
      nodes: [{ op: 'PRelu', inputs: ['x', 'slope'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3, 2],
    },
  },
  {
    name: 'Mul of a value with itself accumulates both contributions',
    case: { type: 'float64', params: [{ name: 'a', dims: [5] }], nodes: [{ op: 'Mul', inputs: ['a', 'a'], outputs: ['y'] }], out: 'y', outDims: [5] },
  },
  ...[2, 3, 0.5].map((p): FdCase => ({
    name: `Pow with a constant exponent of ${p}`,
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3], lo: 0.3, hi: 2 }],
      consts: [{ name: 'p', type: 'float64', dims: [], values: [p] }],
      nodes: [{ op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  })),
  {
    name: 'Pow with an exponent from a Constant node of another type',
    case: {
      type: 'float32',
      params: [{ name: 'x', dims: [4], lo: 0.5, hi: 1.5 }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['p'], attrs: { value_float: { float: 3 } } },
        { op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [4],
    },
  },
  {
    name: 'Pow with a trained exponent',
    case: {
      type: 'float64',
      params: [
        { name: 'x', dims: [2, 3], lo: 0.5, hi: 2 },
        { name: 'p', dims: [3], lo: 0.5, hi: 2 },
      ],
      nodes: [{ op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'Sum of three broadcast inputs',
    case: {
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
        { name: 'c', dims: [2, 1] },
      ],
      nodes: [{ op: 'Sum', inputs: ['a', 'b', 'c'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'Where routes the gradient by the condition',
    case: {
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
      ],
      consts: [{ name: 'c', type: 'bool', dims: [2, 3], values: [1, 0, 1, 0, 0, 1] }],
      nodes: [{ op: 'Where', inputs: ['c', 'a', 'b'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    },
  },
  {
    name: 'Cast between float types',
    case: {
      type: 'float64',
      params: [{ name: 'a', dims: [4] }],
      nodes: [
        { op: 'Cast', inputs: ['a'], outputs: ['f'], attrs: { to: 1 } },
        { op: 'Tanh', inputs: ['f'], outputs: ['t'] },
        { op: 'Cast', inputs: ['t'], outputs: ['y'], attrs: { to: 11 } },
      ],
      out: 'y',
      outDims: [4],
      // the middle runs in float32, so the step and tolerance are float32's
      h: 1e-2,
    },
    tol: { rtol: 1e-3, atol: 1e-3 },
  },
];
