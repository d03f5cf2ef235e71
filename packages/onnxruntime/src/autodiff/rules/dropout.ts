import { dimsOf, elemOf } from '../../graph/shape-rules.js';
import { findAttribute, makeAttribute } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import type { DifferentiableOperator, OperatorRule } from '../operator.js';

/**
 * Dropout(data, ratio, training_mode). In inference mode (no or false
 * `training_mode`) it is the identity. In training mode the gradient is
 * g · mask / (1 − ratio), with the mask the forward node drew in the same
 * run: the node's `mask` output (added when the model does not name it),
 * which also becomes an output of the training model so a step can be
 * inspected or replayed.
 */
const dropout: DifferentiableOperator = {
  op: 'Dropout',
  kind: 'differentiable',
  doc: 'inference mode: g; training mode: g · mask / (1 − ratio) with the mask the forward node drew in the same run (`training_mode` constant or fed)',
  infer(node, env) {
    const x = node.input?.[0];
    const dims = dimsOf(env, x);
    return {
      types: [
        { elemType: elemOf(env, x), dims },
        { elemType: DataType.BOOL, dims },
      ],
    };
  },
  differentiable: () => [0],
  extraOutputs: [1],
  forward(ctx) {
    // With the build's seed, a Dropout that may run in training mode draws reproducible masks.
    const mode = ctx.input(2);
    if (!mode || ctx.constant(mode)?.data[0] === 0 || findAttribute(ctx.node, 'seed') !== undefined) return;
    const seed = ctx.nextSeed();
    if (seed !== undefined) ctx.node.attribute = [...(ctx.node.attribute ?? []), makeAttribute('seed', seed)];
  },
  backward(ctx) {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const t = ctx.elemType(x);
    const modeName = ctx.input(2);
    const mode = modeName ? ctx.constant(modeName) : { dims: [], data: [0] };
    if (mode !== undefined && !mode.data[0]) return [ctx.g];
    const mask = ctx.forwardOutput(1, 'mask');
    ctx.exposeDropoutMask(mask);
    const ratioName = ctx.input(1);
    const ratio = ratioName ? ctx.constant(ratioName) : { dims: [], data: [0.5] };
    let scale: string;
    if (ratio !== undefined) {
      scale = e.scalar(1 / (1 - ratio.data[0]!), t);
    } else {
      const r = ctx.elemType(ratioName!) === t ? ratioName! : e.cast(ratioName!, t);
      scale = e.op('Div', [e.scalar(1, t), e.op('Sub', [e.scalar(1, t), r])]);
    }
    const dx = e.op('Mul', [e.op('Mul', [ctx.g, e.cast(mask, t)]), scale]);
    return [mode === undefined ? e.op('Where', [modeName!, dx, ctx.g]) : dx];
  },
};

export const DROPOUT_OPERATORS: readonly OperatorRule[] = [dropout];
