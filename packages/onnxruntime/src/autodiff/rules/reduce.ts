import { intAttr, intsAttr } from '../../proto/attributes.js';
import { staticSize } from '../../graph/values.js';
import type { GradContext, GradRule } from '../context.js';

/**
 * The reduced axes: a list, the name of a run-time axes tensor, or
 * undefined for "all axes". ReduceSum takes its axes as an input from
 * opset 13, the other reductions from opset 18; before that, an attribute.
 */
function reducedAxes(ctx: GradContext): number[] | string | undefined {
  const op = ctx.node.opType;
  const asInput = op === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  if (!asInput) return intsAttr(ctx.node, 'axes');
  const name = ctx.input(1);
  if (!name) return undefined;
  return ctx.constant(name)?.data ?? name;
}

/** Divides by Size(x)/Size(y), the number of elements each output averages. */
export function divideByCount(ctx: GradContext, dx: string, x: string, y: string): string {
  const e = ctx.e;
  const t = ctx.elemType(y);
  const nx = staticSize(ctx.type(x).dims);
  const ny = staticSize(ctx.type(y).dims);
  let count: string;
  if (nx !== null && ny !== null && ny > 0) {
    count = e.scalar(nx / ny, t);
  } else {
    count = e.cast(e.op('Div', [e.op('Size', [x]), e.op('Size', [y])]), t);
  }
  return e.op('Div', [dx, count]);
}

/**
 * ReduceSum / ReduceMean: the gradient is broadcast back over the reduced
 * axes (re-inserting them first when keepdims = 0) and, for the mean,
 * divided by the number of elements averaged, as torch's mean backward does.
 */
function reduceRule(mean: boolean): GradRule {
  return {
    differentiable: () => [0],
    backward(ctx) {
      const g = ctx.gradOut(0);
      if (g === undefined) return [];
      const e = ctx.e;
      const x = ctx.input(0)!;
      const y = ctx.output(0);
      const axes = reducedAxes(ctx);
      const keep = intAttr(ctx.node, 'keepdims', 1) === 1;
      const noop = intAttr(ctx.node, 'noop_with_empty_axes', 0) === 1;
      if ((axes === undefined || (Array.isArray(axes) && axes.length === 0)) && noop) return [g];
      let expanded = g;
      if (!keep && axes !== undefined && !(Array.isArray(axes) && axes.length === 0)) expanded = e.unsqueeze(g, axes);
      const dx = e.op('Expand', [expanded, e.shape(x)]);
      return [mean ? divideByCount(ctx, dx, x, y) : dx];
    },
  };
}

export const reduceSumRule: GradRule = reduceRule(false);
export const reduceMeanRule: GradRule = reduceRule(true);

/** GlobalAveragePool: the mean over the spatial axes, broadcast back. */
export const globalAveragePoolRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const x = ctx.input(0)!;
    const dx = ctx.e.op('Expand', [g, ctx.e.shape(x)]);
    return [divideByCount(ctx, dx, x, ctx.output(0))];
  },
};
