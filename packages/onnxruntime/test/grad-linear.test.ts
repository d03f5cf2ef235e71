import { describe, it } from 'vitest';
import { expectGradients } from './helpers/expect-grad.js';

describe('gradients of Gemm and MatMul match finite differences', () => {
  it.each([
    [0, 0, 1, 1, [4]],
    [1, 0, 1, 1, [4]],
    [0, 1, 1, 1, [3, 4]],
    [1, 1, 1, 1, [1, 4]],
    [0, 1, 0.5, 2, [3, 1]],
    [1, 1, -1.5, 0.25, []],
  ])('Gemm transA=%i transB=%i alpha=%f beta=%f, C of shape %j', async (tA, tB, alpha, beta, cDims) => {
    const [m, k, n] = [3, 5, 4];
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'A', dims: tA ? [k, m] : [m, k] },
        { name: 'B', dims: tB ? [n, k] : [k, n] },
        { name: 'C', dims: cDims },
      ],
      nodes: [{ op: 'Gemm', inputs: ['A', 'B', 'C'], outputs: ['Y'], attrs: { transA: tA, transB: tB, alpha: { float: alpha }, beta: { float: beta } } }],
      out: 'Y',
      outDims: [m, n],
    });
  });

  it('Gemm without C', async () => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'A', dims: [2, 3] },
        { name: 'B', dims: [4, 3] },
      ],
      nodes: [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transB: 1 } }],
      out: 'Y',
      outDims: [2, 4],
    });
  });

  it.each([
    [[3, 4], [4, 2], [3, 2]],
    [[2, 3, 4], [2, 4, 5], [2, 3, 5]],
    [[2, 3, 4], [4, 5], [2, 3, 5]],
    [[3, 4], [2, 4, 5], [2, 3, 5]],
    [[2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2]],
    [[4], [4, 3], [3]],
    [[3, 4], [4], [3]],
    [[4], [2, 4, 3], [2, 3]],
    [[2, 3, 4], [4], [2, 3]],
    [[4], [4], []],
  ])('MatMul %j × %j', async (a, b, y) => {
    await expectGradients({
      type: 'float64',
      params: [
        { name: 'A', dims: a },
        { name: 'B', dims: b },
      ],
      nodes: [{ op: 'MatMul', inputs: ['A', 'B'], outputs: ['Y'] }],
      out: 'Y',
      outDims: y,
    });
  });

  it('MatMul of a fed input with symbolic batch axes and a parameter', async () => {
    const x = Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i));
    await expectGradients({
      type: 'float64',
      params: [{ name: 'W', dims: [4, 2] }],
      feeds: [{ spec: { name: 'x', type: 'float64', dims: ['b', 's', 4] }, dims: [2, 3, 4], values: x }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['Y'] }],
      out: 'Y',
      outDims: [2, 3, 2],
    });
  });
});
