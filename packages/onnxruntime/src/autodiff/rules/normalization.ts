import { dimsOf, elemOf, norm } from '../../graph/shape-rules.js';
import { staticSize, type Dim } from '../../graph/values.js';
import { floatAttr, intAttr, makeAttribute, nodeLabel } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import type { ForwardContext, GradContext } from '../context.js';
import type { DifferentiableOperator, OperatorRule } from '../operator.js';

/**
 * The normalised input and its gradient step shared by both layer and batch
 * normalisation: with x̂ = (x − μ)·σ⁻¹ over the normalised axes and
 * ĝ = g·γ,
 *
 * ```text
 * dx = σ⁻¹ · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))
 * ```
 *
 * (torch's native_layer_norm_backward and batch_norm_backward).
 */
function normalizedGrad(ctx: GradContext, gHat: string, xHat: string, invStd: string, axes: readonly number[]): string {
  const e = ctx.e;
  const meanG = e.reduceMean(gHat, axes, true);
  const meanGX = e.reduceMean(e.op('Mul', [gHat, xHat]), axes, true);
  return e.op('Mul', [invStd, e.op('Sub', [e.op('Sub', [gHat, meanG]), e.op('Mul', [xHat, meanGX])])]);
}

/**
 * LayerNormalization (opset 17): normalised over the axes from `axis` on.
 * The mean and σ⁻¹ are the node's own `Mean` and `InvStdDev` outputs (added
 * when the model does not name them), so forward and backward agree.
 */
const layerNorm: DifferentiableOperator = {
  op: 'LayerNormalization',
  kind: 'differentiable',
  doc: "opset 17, any `axis`: σ⁻¹·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)) with ĝ = g·γ, from the node's own Mean and InvStdDev outputs; dγ = Σ g·x̂, dβ = Σ g over the leading axes",
  infer(node, env) {
    const x = node.input?.[0];
    const t = elemOf(env, x);
    const dims = dimsOf(env, x);
    const stash = intAttr(node, 'stash_type', 1) === 1 ? DataType.FLOAT : t;
    const axis = dims ? norm(intAttr(node, 'axis', -1), dims.length) : 0;
    const statDims: Dim[] | null = dims ? dims.map((d, i) => (i < axis ? d : 1)) : null;
    return {
      types: [
        { elemType: t, dims },
        { elemType: stash, dims: statDims },
        { elemType: stash, dims: statDims },
      ],
    };
  },
  differentiable: (node) => ((node.input ?? [])[2] ? [0, 1, 2] : [0, 1]),
  extraOutputs: [1, 2],
  backward(ctx) {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const scale = ctx.input(1)!;
    const y = ctx.output(0);
    const t = ctx.elemType(x);
    const rank = ctx.rank(x);
    const axis = norm(intAttr(ctx.node, 'axis', -1), rank);
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const asT = (v: string): string => (ctx.elemType(v) === t ? v : e.cast(v, t));
    const mean = asT(ctx.forwardOutput(1, 'mean'));
    const invStd = asT(ctx.forwardOutput(2, 'inv_std_dev'));
    const xHat = e.op('Mul', [e.op('Sub', [x, mean]), invStd]);
    const out: (string | undefined)[] = [];
    if (ctx.wants(0)) out[0] = normalizedGrad(ctx, e.op('Mul', [ctx.g, scale]), xHat, invStd, axes);
    if (ctx.wants(1)) out[1] = ctx.unbroadcast(e.op('Mul', [ctx.g, xHat]), scale, y);
    if (ctx.wants(2)) out[2] = ctx.unbroadcast(ctx.g, ctx.input(2)!, y);
    return out;
  },
};

/** Whether a BatchNormalization node normalises with the batch's statistics. */
function batchNormTraining(node: Parameters<DifferentiableOperator['differentiable']>[0], opset: number): boolean {
  // From opset 14 an attribute says so; before, the training form is the one with the statistics outputs.
  if (opset >= 14) return intAttr(node, 'training_mode', 0) === 1;
  return (node.output ?? []).filter((o) => o).length > 1;
}

/**
 * torch's momentum from ONNX's (its complement, stored as a float32): the
 * shortest decimal whose complement rounds to the stored value, so 0.9f
 * gives back torch's 0.1 exactly.
 */
export function torchMomentum(onnxMomentum: number): number {
  const complement = 1 - onnxMomentum;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(complement.toPrecision(digits));
    if (Math.fround(1 - candidate) === Math.fround(onnxMomentum)) return candidate;
  }
  return complement;
}

/** The axes BatchNormalization reduces: all but the channel axis 1. */
function batchAxes(ctx: ForwardContext, x: string): number[] {
  const rank = ctx.rank(x);
  if (rank < 2) ctx.fail('the input must have a channel axis (rank 2 or more)');
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
}

/** The batch mean, the biased variance, σ⁻¹ and x̂ of a training-mode node, written once per node. */
function batchStatistics(ctx: ForwardContext) {
  return ctx.once('batch statistics', () => {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const t = ctx.elemType(x);
    const axes = batchAxes(ctx, x);
    const mean = e.reduceMean(x, axes, true);
    const centered = e.op('Sub', [x, mean]);
    const variance = e.reduceMean(e.op('Mul', [centered, centered]), axes, true);
    const invStd = e.op('Reciprocal', [e.op('Sqrt', [e.op('Add', [variance, e.scalar(floatAttr(ctx.node, 'epsilon', 1e-5), t)])])]);
    return { axes, mean, variance, invStd, xHat: e.op('Mul', [centered, invStd]) };
  });
}

/**
 * BatchNormalization over axis 1 of [N, C, d…]. In training mode (batch
 * statistics, as torch's `module.train()` export writes it) the gradient
 * runs through the batch mean and variance, computed as torch does (biased
 * variance); for every such node whose running statistics are constant
 * initializers, the batch mean and the unbiased variance become outputs of
 * the training model so the trainer can update the running statistics as
 * torch does, whether or not a gradient reaches the node. In inference mode
 * the running statistics are constants.
 */
const batchNorm: DifferentiableOperator = {
  op: 'BatchNormalization',
  kind: 'differentiable',
  doc: 'training mode (batch statistics; the batch mean and unbiased variance become outputs, for the running statistics) and inference mode: σ⁻¹·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)) over all axes but 1, or g·γ·σ⁻¹ with the running σ; dγ = Σ g·x̂, dβ = Σ g',
  infer(node, env) {
    const [x, scale] = node.input ?? [];
    const t = elemOf(env, x);
    const channels = dimsOf(env, x)?.[1] ?? dimsOf(env, scale)?.[0] ?? null;
    return { types: (node.output ?? []).map((_, i) => ({ elemType: t, dims: i === 0 ? dimsOf(env, x) : [channels] })) };
  },
  differentiable: () => [0, 1, 2],
  raiseOpset(node, from, to, used) {
    // Opset 13's training form has five outputs (the last two unused by torch's exports); from 14 an attribute says so and three remain.
    if (from >= 14 || to < 14 || !batchNormTraining(node, from)) return;
    const outs = node.output ?? [];
    if (outs.slice(3).some((o) => o !== '' && used(o))) {
      throw new Error('its saved_mean/saved_var outputs are used, and opset 14 has no such outputs');
    }
    node.output = outs.slice(0, 3);
    node.attribute = [...(node.attribute ?? []).filter((a) => a.name !== 'training_mode'), makeAttribute('training_mode', 1)];
  },
  forward(ctx) {
    const [x, , , runningMean, runningVar] = [0, 1, 2, 3, 4].map((i) => ctx.input(i));
    if (!batchNormTraining(ctx.node, ctx.opset) || !ctx.isConstantInitializer(runningMean) || !ctx.isConstantInitializer(runningVar)) return;
    const e = ctx.e;
    const t = ctx.elemType(x!);
    const { mean, variance } = batchStatistics(ctx);
    // n/(n − 1) turns the biased variance into the unbiased one torch keeps.
    const n = staticSize(ctx.type(x!).dims);
    const channels = ctx.type(x!).dims?.[1];
    let correction: string;
    if (n !== null && typeof channels === 'number') {
      const count = n / channels;
      correction = e.scalar(count / Math.max(count - 1, 1), t);
    } else {
      const count = e.cast(e.op('Div', [e.op('Size', [x!]), e.op('Size', [mean])]), t);
      correction = e.op('Div', [count, e.op('Max', [e.op('Sub', [count, e.scalar(1, t)]), e.scalar(1, t)])]);
    }
    ctx.exposeBatchStatistics({
      node: ctx.node.name || nodeLabel(ctx.node),
      runningMean: runningMean!,
      runningVar: runningVar!,
      mean: e.reshape(mean, [-1]),
      variance: e.op('Mul', [e.reshape(variance, [-1]), correction]),
      momentum: torchMomentum(floatAttr(ctx.node, 'momentum', 0.9)),
    });
  },
  backward(ctx) {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const scale = ctx.input(1)!;
    const axes = batchAxes(ctx, x);
    const perChannel = (v: string): string => e.unsqueeze(v, axes);
    const g = ctx.g;
    const out: (string | undefined)[] = [];
    if (batchNormTraining(ctx.node, ctx.opset)) {
      const { xHat, invStd } = batchStatistics(ctx);
      if (ctx.wants(0)) out[0] = normalizedGrad(ctx, e.op('Mul', [g, perChannel(scale)]), xHat, invStd, axes);
      if (ctx.wants(1)) out[1] = e.reduceSum(e.op('Mul', [g, xHat]), axes, false);
    } else {
      const eps = e.scalar(floatAttr(ctx.node, 'epsilon', 1e-5), ctx.elemType(x));
      const invStd = perChannel(e.op('Reciprocal', [e.op('Sqrt', [e.op('Add', [ctx.input(4)!, eps])])]));
      if (ctx.wants(0)) out[0] = e.op('Mul', [g, e.op('Mul', [perChannel(scale), invStd])]);
      if (ctx.wants(1)) out[1] = e.reduceSum(e.op('Mul', [g, e.op('Mul', [e.op('Sub', [x, perChannel(ctx.input(3)!)]), invStd])]), axes, false);
    }
    if (ctx.wants(2)) out[2] = e.reduceSum(g, axes, false);
    return out;
  },
};

/** Layer and batch normalisation. */
export const NORMALIZATION_OPERATORS: readonly OperatorRule[] = [layerNorm, batchNorm];
