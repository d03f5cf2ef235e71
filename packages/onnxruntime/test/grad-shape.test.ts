import { describe, expect, it } from 'vitest';
import { expectGradients } from './helpers/expect-grad.js';

describe('gradients of reductions match finite differences', () => {
  it.each([
    ['ReduceMean', 13, { axes: [1], keepdims: 0 }, [2, 4]],
    ['ReduceMean', 13, { axes: [-1, 0], keepdims: 1 }, [1, 3, 1]],
    ['ReduceMean', 13, { keepdims: 0 }, []],
    ['ReduceSum', 11 + 2, { keepdims: 1 }, [1, 1, 1]],
  ] as const)('%s opset %i %j (axes as an attribute or none)', async (op, opset, attrs, outDims) => {
    await expectGradients({
      type: 'float64',
      opset,
      params: [{ name: 'x', dims: [2, 3, 4] }],
      nodes: [{ op, inputs: ['x'], outputs: ['y'], attrs }],
      out: 'y',
      outDims: [...outDims],
    });
  });

  it.each([
    ['ReduceMean', 18, [1], 0, [2, 4]],
    ['ReduceMean', 18, [0, 2], 1, [1, 3, 1]],
    ['ReduceSum', 13, [-2], 0, [2, 4]],
    ['ReduceSum', 17, [0, 1], 1, [1, 1, 4]],
  ] as const)('%s opset %i with axes %j as an input, keepdims %i', async (op, opset, axes, keepdims, outDims) => {
    await expectGradients({
      type: 'float64',
      opset,
      params: [{ name: 'x', dims: [2, 3, 4] }],
      consts: [{ name: 'axes', type: 'int64', dims: [axes.length], values: [...axes] }],
      nodes: [{ op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims } }],
      out: 'y',
      outDims: [...outDims],
    });
  });

  it('ReduceSum with noop_with_empty_axes and no axes is the identity', async () => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3] }],
      nodes: [{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { noop_with_empty_axes: 1 } }],
      out: 'y',
      outDims: [2, 3],
    });
  });

  it('ReduceMean over a symbolic batch axis of a fed input', async () => {
    await expectGradients({
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
    });
  });
});

describe('gradients of shape operators match finite differences', () => {
  it('Reshape, Flatten, Transpose, Squeeze and Unsqueeze in a chain', async () => {
    await expectGradients({
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
    });
  });

  it('Concat of three inputs, one used twice, on a negative axis', async () => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'a', dims: [2, 1] },
        { name: 'b', dims: [2, 3] },
      ],
      nodes: [{ op: 'Concat', inputs: ['a', 'b', 'a'], outputs: ['y'], attrs: { axis: -1 } }],
      out: 'y',
      outDims: [2, 5],
    });
  });

  it('Concat with a fed input of symbolic extent', async () => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'a', dims: [1, 3] }],
      feeds: [{ spec: { name: 'x', type: 'float64', dims: ['n', 3] }, dims: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
      nodes: [
        { op: 'Concat', inputs: ['x', 'a'], outputs: ['c'], attrs: { axis: 0 } },
        { op: 'Tanh', inputs: ['c'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [3, 3],
    });
  });

  it('Split on axis 1, one output unused', async () => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'x', dims: [2, 5] }],
      consts: [{ name: 'sizes', type: 'int64', dims: [3], values: [2, 1, 2] }],
      nodes: [
        { op: 'Split', inputs: ['x', 'sizes'], outputs: ['p', 'q', 'r'], attrs: { axis: 1 } },
        { op: 'Mul', inputs: ['p', 'r'], outputs: ['y'] },
      ],
      out: 'y',
      outDims: [2, 2],
    });
  });

  it('Gather as an embedding lookup with repeated indices (opset 14, raised to 16)', async () => {
    const r = await expectGradients({
      type: 'float64',
      opset: 14,
      params: [{ name: 'table', dims: [5, 3] }],
      feeds: [{ spec: { name: 'ids', type: 'int64', dims: ['b', 4] }, dims: [2, 4], values: [1, 3, 1, 0, 4, 1, 3, 3] }],
      nodes: [{ op: 'Gather', inputs: ['table', 'ids'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 4, 3],
    });
    // Row 2 is never gathered: its gradient is exactly zero.
    expect(Array.from(r.analytic.table!.slice(6, 9))).toEqual([0, 0, 0]);
  });

  it('Gather on axis 1 with a scalar and with negative indices', async () => {
    await expectGradients({
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
    });
  });

  it('Identity and a Constant node', async () => {
    await expectGradients({
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
    });
  });

  it('Dropout in inference mode is the identity', async () => {
    await expectGradients({
      type: 'float64',
      params: [{ name: 'x', dims: [2, 3] }],
      consts: [
        { name: 'ratio', type: 'float64', dims: [], values: [0.5] },
        { name: 'mode', type: 'bool', dims: [], values: [0] },
      ],
      nodes: [{ op: 'Dropout', inputs: ['x', 'ratio', 'mode'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3],
    });
  });
});
