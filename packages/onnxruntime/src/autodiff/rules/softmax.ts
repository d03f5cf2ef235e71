import { dimsOf, elemOf, sameShape } from '../../graph/shape-rules.js';
import type { InferRule } from '../../graph/infer.js';
import { findAttribute, intAttr, stringAttr } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import type { GradContext } from '../context.js';
import type { DifferentiableOperator, OperatorRule } from '../operator.js';

function softmaxAxis(ctx: GradContext): number {
  return intAttr(ctx.node, 'axis', -1);
}

/** softmax′: dx = y · (g − Σ(g·y)) along the axis (torch's softmax_backward). */
const softmax: DifferentiableOperator = {
  op: 'Softmax',
  kind: 'differentiable',
  doc: 'any axis (attention over the last): y·(g − Σ g·y)',
  infer: sameShape(),
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.g;
    const e = ctx.e;
    const y = ctx.output(0);
    const dot = e.reduceSum(e.op('Mul', [g, y]), [softmaxAxis(ctx)], true);
    return [e.op('Mul', [y, e.op('Sub', [g, dot])])];
  },
};

/** dx = g − exp(y) · Σg along the axis, y the log-probabilities (torch's log_softmax_backward). */
function logSoftmaxGrad(ctx: GradContext, g: string, logProb: string, axis: number): string {
  const e = ctx.e;
  const total = e.reduceSum(g, [axis], true);
  return e.op('Sub', [g, e.op('Mul', [e.op('Exp', [logProb]), total])]);
}

const logSoftmax: DifferentiableOperator = {
  op: 'LogSoftmax',
  kind: 'differentiable',
  doc: 'any axis: g − exp(y)·Σ g',
  infer: sameShape(),
  differentiable: () => [0],
  backward: (ctx) => [logSoftmaxGrad(ctx, ctx.g, ctx.output(0), softmaxAxis(ctx))],
};

/** The loss (a scalar, or per sample for reduction none) and the log-probabilities. */
const lossInfer: InferRule = (node, env) => {
  const [x, labels] = node.input ?? [];
  const t = elemOf(env, x);
  const reduction = stringAttr(node, 'reduction', 'mean');
  return {
    types: [
      { elemType: t, dims: reduction === 'none' ? dimsOf(env, labels) : [] },
      { elemType: t, dims: dimsOf(env, x) },
    ],
  };
};

/**
 * Gradient of the negative log-likelihood with respect to its input
 * (log-probabilities of shape [N, C, d₁, …]; `input` names a value of that
 * shape and type), given the gradient `g` of the
 * loss: −w_i·g/W at each sample's target class and 0 elsewhere, where w_i
 * is the class weight of the target (1 without weights, 0 for an ignored
 * target) and W = Σw_i for `mean`, 1 for `sum`; for `none`, g has the
 * labels' shape and no division happens.
 */
function nllInputGrad(ctx: GradContext, g: string, input: string): string {
  const e = ctx.e;
  const node = ctx.node;
  const t = ctx.elemType(input);
  const rank = ctx.rank(input);
  let target = ctx.input(1)!;
  if (ctx.elemType(target) !== DataType.INT64) target = e.cast(target, DataType.INT64);
  const weights = ctx.input(2) || undefined;
  const reduction = stringAttr(node, 'reduction', 'mean');
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') ctx.fail(`unknown reduction '${reduction}'`);
  const ignore = findAttribute(node, 'ignore_index') !== undefined ? intAttr(node, 'ignore_index', 0) : undefined;

  // One-hot of the targets along axis 1: Equal(target[:, None, ...], [0..C) shaped [1, C, 1, ...]).
  const classes = e.squeeze(e.pick(e.shape(input), [1]), [0]);
  const range = e.op('Range', [e.scalar(0, DataType.INT64), classes, e.scalar(1, DataType.INT64)]);
  const rangeShape = new Array<number>(rank).fill(1);
  rangeShape[1] = -1;
  const onehot = e.cast(e.op('Equal', [e.unsqueeze(target, [1]), e.reshape(range, rangeShape)]), t);

  // Per-sample weight w_i (undefined: every sample weighs 1).
  let keep: string | undefined;
  if (ignore !== undefined) keep = e.op('Not', [e.op('Equal', [target, e.scalar(ignore, DataType.INT64)])]);
  let w: string | undefined;
  if (weights) {
    const safe = keep ? e.op('Where', [keep, target, e.scalar(0, DataType.INT64)]) : target;
    w = e.op('Gather', [weights, safe], { axis: 0 });
    if (keep) w = e.op('Mul', [w, e.cast(keep, t)]);
  } else if (keep) {
    w = e.cast(keep, t);
  }

  let perSample: string;
  if (reduction === 'none') {
    const neg = e.op('Neg', [g]);
    perSample = w ? e.op('Mul', [w, neg]) : neg;
  } else {
    let scale = g;
    if (reduction === 'mean') {
      const total = w ? e.reduceSum(w, [], false) : e.cast(e.op('Size', [target]), t);
      scale = e.op('Div', [g, total]);
    }
    const neg = e.op('Neg', [scale]);
    perSample = w ? e.op('Mul', [w, neg]) : neg;
  }
  // Without weights the factor of a reduced loss is one scalar for every sample.
  const scalarFactor = w === undefined && reduction !== 'none';
  return e.op('Mul', [onehot, scalarFactor ? perSample : e.unsqueeze(perSample, [1])]);
}

/** NegativeLogLikelihoodLoss(input, target[, weight]): the gradient of `input`. */
const nllLoss: DifferentiableOperator = {
  op: 'NegativeLogLikelihoodLoss',
  kind: 'differentiable',
  doc: 'one-hot of the labels (Equal against Range), class weights, `ignore_index`, `mean`/`sum`/`none`, [N, C, d…] inputs',
  infer: lossInfer,
  differentiable: () => [0],
  backward: (ctx) => [nllInputGrad(ctx, ctx.g, ctx.input(0)!)],
};

/**
 * SoftmaxCrossEntropyLoss(scores, labels[, weights]) is
 * NLL(log_softmax(scores, axis 1)); its gradient is written as that chain
 * (as torch computes `cross_entropy`'s): the NLL gradient, plus any gradient
 * of the optional `log_prob` output, through log_softmax′ using the node's
 * own `log_prob` output (added to the node when it has none).
 */
const softmaxCrossEntropy: DifferentiableOperator = {
  op: 'SoftmaxCrossEntropyLoss',
  kind: 'differentiable',
  doc: "as NegativeLogLikelihoodLoss, then log_softmax′ through the node's own `log_prob` output (its gradient is added when `log_prob` is used too)",
  infer: lossInfer,
  differentiable: () => [0],
  gradientOutputs: () => [0, 1],
  extraOutputs: [1],
  backward(ctx) {
    const gLoss = ctx.gradOut(0);
    const gLogProb = ctx.gradOut(1);
    const logProb = ctx.forwardOutput(1, 'log_prob');
    const parts: string[] = [];
    if (gLoss !== undefined) parts.push(nllInputGrad(ctx, gLoss, ctx.input(0)!));
    if (gLogProb !== undefined) parts.push(gLogProb);
    return [logSoftmaxGrad(ctx, ctx.e.sum(parts), logProb, 1)];
  },
};

/** Softmax, LogSoftmax and the classification losses. */
export const SOFTMAX_OPERATORS: readonly OperatorRule[] = [softmax, logSoftmax, softmaxCrossEntropy, nllLoss];
