import { describe, it } from 'vitest';
import { expectGradients } from './helpers/expect-grad.js';
import type { OpCase } from './helpers/gradcheck.js';

const unary = (op: string, type: 'float32' | 'float64', lo = -1, hi = 1, attrs = {}): OpCase => ({
  type,
  params: [{ name: 'x', dims: [3, 4], lo, hi }],
  nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }],
  out: 'y',
  outDims: [3, 4],
});

describe('gradients of elementwise operators match finite differences', () => {
  it.each([
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
  ] as const)('%s (%s)', async (op, type, lo, hi) => {
    await expectGradients(unary(op, type, lo, hi));
  });

  it('Relu away from its kink', async () => {
    await expectGradients({ ...unary('Relu', 'float64'), params: [{ name: 'x', dims: [2, 4], values: [-0.9, 0.4, -0.2, 1.3, 0.7, -1.1, 0.05, -0.6] }], outDims: [2, 4] });
  });

  it('LeakyRelu with its alpha', async () => {
    await expectGradients({
      ...unary('LeakyRelu', 'float32', -1, 1, { alpha: { float: 0.2 } }),
      params: [{ name: 'x', dims: [2, 4], values: [-0.9, 0.4, -0.2, 1.3, 0.7, -1.1, 0.3, -0.6] }],
      outDims: [2, 4],
    });
  });

  it.each([
    ['Add', [2, 3], [3]],
    ['Add', [2, 3], [2, 1]],
    ['Add', [2, 1, 4], [3, 1]],
    ['Sub', [2, 3], [2, 3]],
    ['Sub', [], [2, 3]],
    ['Mul', [2, 3, 2], [3, 1]],
    ['Mul', [1, 3], [4, 1]],
    ['Div', [2, 3], [3]],
    ['Div', [4, 1], [1, 3]],
  ])('%s with shapes %j and %j (broadcast gradients summed back)', async (op, a, b) => {
    const out = a.length >= b.length ? [...a] : [...b];
    const ra = [...a];
    const rb = [...b];
    while (ra.length < out.length) ra.unshift(1);
    while (rb.length < out.length) rb.unshift(1);
    const outDims = out.map((_, i) => Math.max(ra[i]!, rb[i]!));
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'a', dims: a, lo: -1, hi: 1 },
        { name: 'b', dims: b, lo: op === 'Div' ? 0.5 : -1, hi: op === 'Div' ? 2 : 1 },
      ],
      nodes: [{ op, inputs: ['a', 'b'], outputs: ['y'] }],
      out: 'y',
      outDims,
    });
  });

  it('Mul of a value with itself accumulates both contributions', async () => {
    await expectGradients({ type: 'float64', params: [{ name: 'a', dims: [5] }], nodes: [{ op: 'Mul', inputs: ['a', 'a'], outputs: ['y'] }], out: 'y', outDims: [5] });
  });

  it.each([
    [2, 'a constant exponent of 2'],
    [3, 'a constant exponent of 3'],
    [0.5, 'a fractional constant exponent'],
  ])('Pow with %s (%s)', async (p) => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3], lo: 0.3, hi: 2 }],
      consts: [{ name: 'p', type: 'float64', dims: [], values: [p] }],
      nodes: [{ op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    });
  });

  it('Pow with an exponent from a Constant node of another type', async () => {
    await expectGradients({
      type: 'float32',
      params: [{ name: 'x', dims: [4], lo: 0.5, hi: 1.5 }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['p'], attrs: { value_float: { float: 3 } } },
        { op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [4],
    });
  });

  it('Pow with a trained exponent', async () => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'x', dims: [2, 3], lo: 0.5, hi: 2 },
        { name: 'p', dims: [3], lo: 0.5, hi: 2 },
      ],
      nodes: [{ op: 'Pow', inputs: ['x', 'p'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    });
  });

  it('Sum of three broadcast inputs', async () => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
        { name: 'c', dims: [2, 1] },
      ],
      nodes: [{ op: 'Sum', inputs: ['a', 'b', 'c'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    });
  });

  it('Where routes the gradient by the condition', async () => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 3] },
        { name: 'b', dims: [3] },
      ],
      consts: [{ name: 'c', type: 'bool', dims: [2, 3], values: [1, 0, 1, 0, 0, 1] }],
      nodes: [{ op: 'Where', inputs: ['c', 'a', 'b'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    });
  });

  it('Expand sums the gradient back', async () => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'a', dims: [3, 1] }],
      consts: [{ name: 's', type: 'int64', dims: [3], values: [2, 3, 4] }],
      nodes: [{ op: 'Expand', inputs: ['a', 's'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3, 4],
    });
  });

  it('Cast between float types', async () => {
    await expectGradients({
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
    }, { rtol: 1e-3, atol: 1e-3 });
  });
});
