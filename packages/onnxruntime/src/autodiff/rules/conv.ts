import { dimsOf, elemOf } from '../../graph/shape-rules.js';
import type { InferRule } from '../../graph/infer.js';
import type { Dim } from '../../graph/values.js';
import { intAttr, intsAttr, stringAttr } from '../../proto/attributes.js';
import { makeTensor } from '../../proto/tensor.js';
import { DataType } from '../../proto/types.js';
import type { GradContext } from '../context.js';
import { forwardOnly, type DifferentiableOperator, type OperatorRule } from '../operator.js';

/** Geometry of a convolution or pooling window, pads made explicit. */
interface Window {
  /** Number of spatial axes. */
  n: number;
  kernel: Dim[];
  strides: number[];
  dilations: number[];
  /** [begin₀, begin₁, …, end₀, end₁, …] as in the ONNX attribute. */
  pads: number[];
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Output size of one spatial axis of Conv/pooling, when everything is known. */
function spatialOut(size: Dim, kernel: number, stride: number, dilation: number, padTotal: number, autoPad: string, ceil: boolean): Dim {
  if (typeof size !== 'number') return null;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
  const span = (kernel - 1) * dilation + 1;
  const pads = autoPad === 'VALID' ? 0 : padTotal;
  const q = (size + pads - span) / stride;
  return (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
}

/** Conv and pooling: [N, C_out, spatial…] (and MaxPool's int64 Indices of the same shape). */
const windowInfer: InferRule = (node, env) => {
  const op = node.opType;
  const ins = node.input ?? [];
  const t = elemOf(env, ins[0]);
  const x = dimsOf(env, ins[0]);
  const w = op === 'Conv' ? dimsOf(env, ins[1]) : null;
  const spatialRank = x !== null ? x.length - 2 : w !== null ? w.length - 2 : null;
  if (spatialRank === null)
    return {
      types: [
        { elemType: t, dims: null },
        { elemType: DataType.INT64, dims: null },
      ],
    };
  const kernel = intsAttr(node, 'kernel_shape') ?? (w ? w.slice(2).map((d) => (typeof d === 'number' ? d : NaN)) : []);
  const strides = intsAttr(node, 'strides') ?? new Array<number>(spatialRank).fill(1);
  const dil = intsAttr(node, 'dilations') ?? new Array<number>(spatialRank).fill(1);
  const pads = intsAttr(node, 'pads') ?? new Array<number>(2 * spatialRank).fill(0);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  const ceil = intAttr(node, 'ceil_mode', 0) === 1;
  const out: Dim[] = [x?.[0] ?? null, op === 'Conv' ? (w?.[0] ?? null) : (x?.[1] ?? null)];
  for (let i = 0; i < spatialRank; i++) {
    const k = kernel[i];
    out.push(
      k === undefined || Number.isNaN(k) ? null : spatialOut(x?.[i + 2] ?? null, k, strides[i]!, dil[i]!, pads[i]! + pads[i + spatialRank]!, autoPad, ceil),
    );
  }
  return {
    types: [
      { elemType: t, dims: out },
      { elemType: DataType.INT64, dims: out },
    ],
  };
};

/** Reads strides, dilations, pads and auto_pad; SAME_* pads need static sizes. */
function windowOf(ctx: GradContext, n: number, kernel: Dim[]): Window {
  const node = ctx.node;
  const strides = intsAttr(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? new Array<number>(n).fill(1);
  let pads = intsAttr(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = new Array<number>(2 * n).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const x = ctx.dims(ctx.input(0)!);
    pads = new Array<number>(2 * n).fill(0);
    for (let i = 0; i < n; i++) {
      const size = x[i + 2];
      const k = kernel[i];
      if (typeof size !== 'number' || typeof k !== 'number') return ctx.fail(`auto_pad ${autoPad} needs static spatial sizes to write the gradient`);
      const out = Math.ceil(size / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (k - 1) * dilations[i]! + 1 - size);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + n] = total - pads[i]!;
    }
  }
  return { n, kernel, strides, dilations, pads };
}

/**
 * ConvTranspose of `g` with weight `w` back onto the input's spatial size.
 * The output size of a transposed convolution is ambiguous when stride > 1;
 * with static sizes `output_padding` picks the input's size exactly,
 * otherwise the largest size is produced and sliced down to Shape(x).
 */
function transposedToInput(ctx: GradContext, g: string, w: string, win: Window, group: number): string {
  const e = ctx.e;
  const x = ctx.input(0)!;
  const xDims = ctx.type(x).dims;
  const yDims = ctx.type(ctx.output(0)).dims;
  const { n, kernel, strides, dilations, pads } = win;
  const outputPadding: number[] = [];
  let exact = true;
  for (let i = 0; i < n; i++) {
    const size = xDims?.[i + 2];
    const out = yDims?.[i + 2];
    const k = kernel[i];
    if (typeof size === 'number' && typeof out === 'number' && typeof k === 'number') {
      const produced = strides[i]! * (out - 1) + (k - 1) * dilations[i]! + 1 - pads[i]! - pads[i + n]!;
      outputPadding.push(size - produced);
    } else {
      exact = false;
      outputPadding.push(strides[i]! - 1);
    }
  }
  const attrs = {
    strides,
    dilations,
    pads,
    group: group === 1 ? undefined : group,
    output_padding: outputPadding.some((p) => p !== 0) ? outputPadding : undefined,
  };
  const dx = e.op('ConvTranspose', [g, w], attrs);
  if (exact) return dx;
  return e.slice(dx, new Array<number>(n).fill(0), e.op('Slice', [e.shape(x), e.ints([2]), e.ints([2 + n])]), range(2, 2 + n));
}

/**
 * Conv(X, W, B) with pads, strides, dilations and groups.
 *
 * ```text
 * dB = Σ G over batch and spatial axes
 * dX = ConvTranspose(G, W) with the same geometry
 * dW = Conv(X regrouped to [C/g, g·N, …], G as weights [M, N, …]),
 *      strides and dilations swapped, transposed to [M, C/g, …] and
 *      cropped to the kernel size
 * ```
 */
const conv: DifferentiableOperator = {
  op: 'Conv',
  kind: 'differentiable',
  doc: '1-D/2-D/3-D, pads, strides, dilations, groups, depthwise, `auto_pad`: dX: ConvTranspose (exact `output_padding`, or cropped at run time); dW: Conv of the regrouped input with G as weights, strides and dilations swapped; dB: ReduceSum',
  infer: windowInfer,
  differentiable: (node) => ((node.input ?? []).length > 2 && node.input![2] ? [0, 1, 2] : [0, 1]),
  backward(ctx) {
    const g = ctx.g;
    const e = ctx.e;
    const x = ctx.input(0)!;
    const w = ctx.input(1)!;
    const wDims = ctx.dims(w);
    const n = wDims.length - 2;
    const kernelAttr = intsAttr(ctx.node, 'kernel_shape');
    const kernel: Dim[] = kernelAttr ?? wDims.slice(2);
    const win = windowOf(ctx, n, kernel);
    const group = intAttr(ctx.node, 'group', 1);
    const spatial = range(2, 2 + n);
    const out: (string | undefined)[] = [];
    if (ctx.wants(2)) out[2] = e.reduceSum(g, [0, ...spatial], false);
    if (ctx.wants(0)) out[0] = transposedToInput(ctx, g, w, win, group);
    if (ctx.wants(1)) {
      const swap = [1, 0, ...spatial];
      let input: string;
      if (group === 1) {
        input = e.transpose(x, swap);
      } else {
        const xShape = e.shape(x);
        const split = e.op('Concat', [e.pick(xShape, [0]), e.ints([group, -1]), e.pick(xShape, spatial)], { axis: 0 });
        const regrouped = e.transpose(e.reshape(x, split), [2, 1, 0, ...range(3, 3 + n)]);
        input = e.reshape(regrouped, e.op('Concat', [e.ints([0, -1]), e.pick(xShape, spatial)], { axis: 0 }));
      }
      const full = e.op('Conv', [input, e.transpose(g, swap)], {
        strides: win.dilations,
        dilations: win.strides,
        pads: win.pads,
        group: group === 1 ? undefined : group,
      });
      const dw = e.transpose(full, swap);
      out[1] = e.slice(
        dw,
        new Array<number>(n).fill(0),
        kernel.every((k) => typeof k === 'number') ? (kernel as number[]) : e.op('Slice', [e.shape(w), e.ints([2]), e.ints([2 + n])]),
        spatial,
      );
    }
    return out;
  },
};

/**
 * MaxPool: each output's gradient goes to the input element that won its
 * window. The winners come from the node's `Indices` output (added when
 * the model does not name it); the gradient is scatter-added into a flat
 * zero tensor (overlapping windows can pick the same element) and reshaped
 * to the input's shape. Ties go where ONNX Runtime's indices point: the
 * first maximum of the window, as in torch.
 */
const maxPool: DifferentiableOperator = {
  op: 'MaxPool',
  kind: 'differentiable',
  doc: 'any kernel, stride, pads, dilations, `ceil_mode`: ScatterElements (`reduction="add"`) at the node\'s `Indices` output',
  infer: windowInfer,
  differentiable: () => [0],
  extraOutputs: [1],
  backward(ctx) {
    const g = ctx.g;
    if (intAttr(ctx.node, 'storage_order', 0) !== 0) ctx.fail('storage_order 1 (column-major indices) is not supported');
    ctx.requireOpset(16, 'the gradient of MaxPool uses ScatterElements with reduction="add"');
    const e = ctx.e;
    const x = ctx.input(0)!;
    const indices = ctx.forwardOutput(1, 'indices');
    const t = ctx.elemType(x);
    const flatZeros = e.zeros(e.reshape(e.op('Size', [x]), [1]), t);
    const scattered = e.op('ScatterElements', [flatZeros, e.reshape(indices, [-1]), e.reshape(g, [-1])], { axis: 0, reduction: 'add' });
    return [e.reshape(scattered, e.shape(x))];
  },
};

/**
 * AveragePool: each output's gradient, divided by the number of elements it
 * averaged, is spread evenly over its window by a depthwise ConvTranspose
 * with a kernel of ones. With `count_include_pad = 0` and padding, the
 * divisor per output is counted by a Conv of ones over the unpadded input.
 */
const averagePool: DifferentiableOperator = {
  op: 'AveragePool',
  kind: 'differentiable',
  doc: '`ceil_mode` 0, `count_include_pad` 0 or 1: depthwise ConvTranspose of G / count with a kernel of ones; the counts from a Conv of ones when padding is not counted',
  infer: windowInfer,
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.g;
    if (intAttr(ctx.node, 'ceil_mode', 0) !== 0) ctx.fail('ceil_mode 1 is not supported by the gradient');
    const e = ctx.e;
    const x = ctx.input(0)!;
    const t = ctx.elemType(x);
    const kernel = intsAttr(ctx.node, 'kernel_shape');
    if (kernel === undefined) return ctx.fail('kernel_shape is missing');
    const n = kernel.length;
    const win = windowOf(ctx, n, kernel);
    const channels = ctx.dims(x)[1];
    if (typeof channels !== 'number') return ctx.fail('the gradient needs a static channel count (axis 1 of the input)');
    const k = kernel.reduce((a, b) => a * b, 1);
    const padded = win.pads.some((p) => p !== 0);
    let scaled: string;
    if (!padded || intAttr(ctx.node, 'count_include_pad', 0) === 1) {
      scaled = e.op('Div', [g, e.scalar(k, t)]);
    } else {
      const onesShape = e.op('Concat', [e.ints([1, 1]), e.op('Slice', [e.shape(x), e.ints([2]), e.ints([2 + n])])], { axis: 0 });
      const ones = e.op('ConstantOfShape', [onesShape], { value: makeTensor('value', t, [1], [1]) });
      const counts = e.op('Conv', [ones, e.constant(t, [1, 1, ...kernel], new Array<number>(k).fill(1))], {
        strides: win.strides,
        dilations: win.dilations,
        pads: win.pads,
      });
      scaled = e.op('Div', [g, counts]);
    }
    const spread = e.constant(t, [channels, 1, ...kernel], new Array<number>(channels * k).fill(1));
    return [transposedToInput(ctx, scaled, spread, win, channels)];
  },
};

/** Convolution and windowed pooling. */
export const CONV_OPERATORS: readonly OperatorRule[] = [conv, maxPool, averagePool, ...forwardOnly(['LpPool'], windowInfer)];
