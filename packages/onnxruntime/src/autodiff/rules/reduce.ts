import { axesOf, dimsOf, elemOf, reduceDims, single } from '../../graph/shape-rules.js';
import type { InferRule } from '../../graph/infer.js';
import { staticSize } from '../../graph/values.js';
import { intAttr, intsAttr } from '../../proto/attributes.js';
import type { GradContext } from '../context.js';
import { forwardOnly, type DifferentiableOperator, type OperatorRule } from '../operator.js';

/** ReduceSum takes its axes as an input from opset 13, the other reductions from opset 18; before that, an attribute. */
function axesAsInput(op: string | undefined, opset: number): boolean {
  return op === 'ReduceSum' ? opset >= 13 : opset >= 18;
}

const reduceInfer: InferRule = (node, env) => {
  const axes = axesAsInput(node.opType, env.opset) ? axesOf({ ...node, attribute: [] }, env, 1) : intsAttr(node, 'axes');
  const x = node.input?.[0];
  return single(elemOf(env, x), reduceDims(dimsOf(env, x), axes, intAttr(node, 'keepdims', 1) === 1, intAttr(node, 'noop_with_empty_axes', 0) === 1));
};

/** The reduced axes: a list, the name of a run-time axes tensor, or undefined for "all axes". */
function reducedAxes(ctx: GradContext): number[] | string | undefined {
  if (!axesAsInput(ctx.node.opType, ctx.opset)) return intsAttr(ctx.node, 'axes');
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

/** What a reduction's rule works with: the input, and the output and its gradient with the reduced axes kept (size 1). */
interface Reduced {
  ctx: GradContext;
  x: string;
  /** The output, reshaped to keep the reduced axes (broadcasts against x). */
  y: () => string;
  /** The output gradient, likewise. */
  g: string;
}

/**
 * A reduction: `f` gets the output and its gradient with the reduced axes
 * re-inserted (size 1, so they broadcast against the input) and returns the
 * input's gradient, of the input's shape.
 */
function reduction(op: string, doc: string, f: (r: Reduced) => string): DifferentiableOperator {
  return {
    op,
    kind: 'differentiable',
    doc,
    infer: reduceInfer,
    differentiable: () => [0],
    backward(ctx) {
      const e = ctx.e;
      const x = ctx.input(0)!;
      const axes = reducedAxes(ctx);
      const keep = intAttr(ctx.node, 'keepdims', 1) === 1;
      const empty = axes === undefined || (Array.isArray(axes) && axes.length === 0);
      if (empty && intAttr(ctx.node, 'noop_with_empty_axes', 0) === 1) {
        if (op !== 'ReduceSum' && op !== 'ReduceMean') ctx.fail('noop_with_empty_axes with no axes is not supported by the gradient');
        return [ctx.g];
      }
      const kept = (v: string): string => (!keep && !empty ? e.unsqueeze(v, axes!) : v);
      let y: string | undefined;
      return [f({ ctx, x, g: kept(ctx.g), y: () => (y ??= kept(ctx.output(0))) })];
    },
  };
}

/** The gradient spread evenly over the elements equal to the extremum (torch's amax/amin backward). */
function extremum({ ctx, x, g, y }: Reduced): string {
  const e = ctx.e;
  const t = ctx.elemType(x);
  const hit = e.op('Equal', [x, y()]);
  const axes = reducedAxes(ctx);
  const count = e.reduceSum(e.cast(hit, t), axes ?? [], true);
  return e.op('Where', [hit, e.op('Div', [g, count]), e.scalar(0, t)]);
}

const expandTo = (ctx: GradContext, v: string, x: string): string => ctx.e.op('Expand', [v, ctx.e.shape(x)]);

const REDUCTIONS: DifferentiableOperator[] = [
  reduction('ReduceSum', 'g broadcast back (Unsqueeze when keepdims = 0, Expand); axes as input or none; `noop_with_empty_axes`', ({ ctx, x, g }) =>
    expandTo(ctx, g, x),
  ),
  reduction('ReduceMean', 'g broadcast back and divided by the count; axes as attribute before opset 18, as input after', ({ ctx, x, g }) =>
    divideByCount(ctx, expandTo(ctx, g, x), x, ctx.output(0)),
  ),
  reduction('ReduceSumSquare', '2·x·g broadcast back', ({ ctx, x, g }) => ctx.e.op('Mul', [ctx.e.op('Mul', [x, g]), ctx.e.scalar(2, ctx.elemType(x))])),
  reduction('ReduceL1', 'sign(x)·g broadcast back', ({ ctx, x, g }) => ctx.e.op('Mul', [ctx.e.op('Sign', [x]), g])),
  reduction('ReduceL2', "x·g / y broadcast back (0 where y = 0, as torch's norm backward)", ({ ctx, x, g, y }) => {
    const e = ctx.e;
    const t = ctx.elemType(x);
    const zero = e.scalar(0, t);
    const yk = y();
    const ratio = e.op('Div', [g, e.op('Where', [e.op('Equal', [yk, zero]), e.scalar(1, t), yk])]);
    return e.op('Where', [e.op('Equal', [yk, zero]), zero, e.op('Mul', [x, ratio])]);
  }),
  reduction('ReduceLogSumExp', 'exp(x − y)·g broadcast back', ({ ctx, x, g, y }) => ctx.e.op('Mul', [ctx.e.op('Exp', [ctx.e.op('Sub', [x, y()])]), g])),
  reduction('ReduceMax', "g shared evenly by the elements equal to the maximum (torch's amax backward)", extremum),
  reduction('ReduceMin', "g shared evenly by the elements equal to the minimum (torch's amin backward)", extremum),
];

const globalPoolInfer: InferRule = (node, env) => {
  const x = node.input?.[0];
  const xDims = dimsOf(env, x);
  return single(elemOf(env, x), xDims === null ? null : xDims.map((d, i) => (i < 2 ? d : 1)));
};

/** The spatial axes of a pooled [N, C, d…] input. */
function spatialAxes(ctx: GradContext, x: string): number[] {
  return Array.from({ length: ctx.rank(x) - 2 }, (_, i) => i + 2);
}

const GLOBAL_POOLS: DifferentiableOperator[] = [
  {
    op: 'GlobalAveragePool',
    kind: 'differentiable',
    doc: 'g broadcast over the spatial axes and divided by their size',
    infer: globalPoolInfer,
    differentiable: () => [0],
    backward(ctx) {
      const x = ctx.input(0)!;
      return [divideByCount(ctx, expandTo(ctx, ctx.g, x), x, ctx.output(0))];
    },
  },
  {
    op: 'GlobalMaxPool',
    kind: 'differentiable',
    doc: 'g shared evenly by the elements equal to the spatial maximum',
    infer: globalPoolInfer,
    differentiable: () => [0],
    backward(ctx) {
      const e = ctx.e;
      const x = ctx.input(0)!;
      const t = ctx.elemType(x);
      const hit = e.op('Equal', [x, ctx.output(0)]);
      const count = e.reduceSum(e.cast(hit, t), spatialAxes(ctx, x), true);
      return [e.op('Where', [hit, e.op('Div', [ctx.g, count]), e.scalar(0, t)])];
    },
  },
];

/** Reductions and global pooling. */
export const REDUCE_OPERATORS: readonly OperatorRule[] = [...REDUCTIONS, ...GLOBAL_POOLS, ...forwardOnly(['ReduceProd'], reduceInfer)];
