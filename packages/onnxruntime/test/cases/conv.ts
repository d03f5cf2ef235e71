import type { FdCase } from '../helpers/cases.js';
import { random } from '../helpers/onnx.js';

/** n distinct values spaced 0.05 apart in random order, so max pooling's winners survive a ±0.01 nudge. */
export function distinct(n: number, seed: number): number[] {
  const rand = random(seed);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand(0, 1) * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  return values;
}

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export const CONV_CASES: FdCase[] = [
  ...(
    [
      ['3x3, pad 1', { pads: [1, 1, 1, 1] }, [2, 3, 5, 5], [4, 3, 3, 3], [2, 4, 5, 5]],
      ['3x3, stride 2, uneven pads', { strides: [2, 2], pads: [1, 0, 0, 1] }, [2, 2, 6, 5], [3, 2, 3, 3], [2, 3, 3, 2]],
      ['2x2, dilation 2, stride 2 on a size the stride does not divide', { strides: [2, 2], dilations: [2, 2] }, [1, 2, 7, 6], [3, 2, 2, 2], [1, 3, 3, 2]],
      ['group 2', { group: 2, pads: [1, 1, 1, 1] }, [2, 4, 4, 4], [6, 2, 3, 3], [2, 6, 4, 4]],
      ['depthwise (group = channels), stride 2', { group: 3, strides: [2, 2] }, [1, 3, 5, 5], [3, 1, 3, 3], [1, 3, 2, 2]],
      ['SAME_UPPER auto padding', { auto_pad: 'SAME_UPPER', strides: [2, 2] }, [1, 2, 5, 4], [2, 2, 3, 3], [1, 2, 3, 2]],
      ['1-D, stride 2, pad 1', { strides: [2], pads: [1, 1] }, [2, 2, 7], [3, 2, 3], [2, 3, 4]],
    ] as const
  ).map(([label, attrs, xDims, wDims, yDims]): FdCase => ({
    name: `Conv ${label} (float32)`,
    case: {
      type: 'float32',
      params: [
        { name: 'x', dims: [...xDims] },
        { name: 'w', dims: [...wDims] },
        { name: 'b', dims: [wDims[0]] },
      ],
      nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { ...attrs } }],
      out: 'y',
      outDims: [...yDims],
    },
  })),
  {
    name: 'Conv without bias, input of symbolic spatial size (gradient cropped at run time)',
    case: {
      type: 'float32',
      params: [
        { name: 's', dims: [1, 2, 1, 1] },
        { name: 'w', dims: [3, 2, 3, 3] },
      ],
      feeds: [
        {
          spec: { name: 'x', type: 'float32', dims: ['n', 2, 'h', 'w'] },
          dims: [2, 2, 6, 5],
          values: Array.from({ length: 120 }, (_, i) => Math.sin(0.7 * i)),
        },
      ],
      nodes: [
        { op: 'Mul', inputs: ['x', 's'], outputs: ['xs'] },
        { op: 'Conv', inputs: ['xs', 'w'], outputs: ['y'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
      ],
      out: 'y',
      outDims: [2, 3, 3, 3],
    },
  },
  ...(
    [
      ['2x2 stride 2', { kernel_shape: [2, 2], strides: [2, 2] }, [2, 2, 4, 4], [2, 2, 2, 2]],
      ['3x3 stride 2 pad 1 (overlapping windows)', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, [1, 2, 5, 5], [1, 2, 3, 3]],
      ['3x3 stride 1 (heavily overlapping)', { kernel_shape: [3, 3] }, [1, 1, 4, 5], [1, 1, 2, 3]],
      ['2x2 stride 2 with ceil_mode', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [1, 2, 5, 5], [1, 2, 3, 3]],
    ] as const
  ).map(([label, attrs, xDims, yDims]): FdCase => ({
    name: `MaxPool ${label} (float32)`,
    case: {
      type: 'float32',
      params: [{ name: 'x', dims: [...xDims], values: distinct(size(xDims), size(xDims)) }],
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { ...attrs } }],
      out: 'y',
      outDims: [...yDims],
    },
  })),
  {
    name: 'MaxPool in float64 (ONNX Runtime has a double kernel for it)',
    case: {
      type: 'float64',
      params: [{ name: 'x', dims: [1, 2, 5, 5], values: distinct(50, 3) }],
      nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }],
      out: 'y',
      outDims: [1, 2, 3, 3],
    },
  },
  ...(
    [
      ['2x2 stride 2', { kernel_shape: [2, 2], strides: [2, 2] }, [2, 2, 4, 4], [2, 2, 2, 2]],
      ['3x3 stride 1 pad 1, padding not counted', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, [1, 2, 3, 4], [1, 2, 3, 4]],
      ['3x3 stride 2 pad 1, padding counted', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }, [1, 2, 5, 4], [1, 2, 3, 2]],
      ['1-D 3 stride 2', { kernel_shape: [3], strides: [2] }, [2, 3, 8], [2, 3, 3]],
    ] as const
  ).map(([label, attrs, xDims, yDims]): FdCase => ({
    name: `AveragePool ${label} (float32)`,
    case: {
      type: 'float32',
      params: [{ name: 'x', dims: [...xDims] }],
      nodes: [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { ...attrs } }],
      out: 'y',
      outDims: [...yDims],
    },
  })),
  {
    name: 'GlobalAveragePool (float32)',
    case: {
      type: 'float32',
      params: [{ name: 'x', dims: [2, 3, 2, 3] }],
      nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3, 1, 1],
    },
  },
  {
    name: 'GlobalMaxPool (float32)',
    case: {
      type: 'float32',
      params: [{ name: 'x', dims: [2, 3, 2, 3], values: distinct(36, 5) }],
      nodes: [{ op: 'GlobalMaxPool', inputs: ['x'], outputs: ['y'] }],
      out: 'y',
      outDims: [2, 3, 1, 1],
    },
  },
];
