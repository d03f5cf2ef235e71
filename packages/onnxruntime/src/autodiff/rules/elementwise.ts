import { floatAttr, intAttr } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import type { GradContext, GradRule } from '../context.js';

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

/** A rule for a one-input operator: `dx = f(ctx, g)`. */
function unary(f: (ctx: GradContext, g: string, x: string, y: string) => string): GradRule {
  return {
    differentiable: () => [0],
    backward(ctx) {
      const g = ctx.gradOut(0);
      if (g === undefined) return [];
      return [f(ctx, g, ctx.input(0)!, ctx.output(0))];
    },
  };
}

/** The element type of the node's first output, for the constants a rule writes. */
function outType(ctx: GradContext): number {
  return ctx.elemType(ctx.output(0));
}

export const identityRule: GradRule = unary((_ctx, g) => g);

export const negRule: GradRule = unary((ctx, g) => ctx.e.op('Neg', [g]));

/** relu′: the gradient passes where the output is positive (torch's threshold_backward). */
export const reluRule: GradRule = unary((ctx, g, _x, y) => {
  const zero = ctx.e.scalar(0, outType(ctx));
  return ctx.e.op('Where', [ctx.e.op('Greater', [y, zero]), g, zero]);
});

/** leaky_relu′: 1 where x > 0, else α. */
export const leakyReluRule: GradRule = unary((ctx, g, x) => {
  const t = outType(ctx);
  const alpha = floatAttr(ctx.node, 'alpha', 0.01);
  const positive = ctx.e.op('Greater', [x, ctx.e.scalar(0, t)]);
  return ctx.e.op('Where', [positive, g, ctx.e.op('Mul', [g, ctx.e.scalar(alpha, t)])]);
});

/** σ′ = σ(1 − σ), written as g·(1 − y)·y. */
export const sigmoidRule: GradRule = unary((ctx, g, _x, y) => {
  const oneMinus = ctx.e.op('Sub', [ctx.e.scalar(1, outType(ctx)), y]);
  return ctx.e.op('Mul', [ctx.e.op('Mul', [g, oneMinus]), y]);
});

/** tanh′ = 1 − y². */
export const tanhRule: GradRule = unary((ctx, g, _x, y) => {
  const oneMinus = ctx.e.op('Sub', [ctx.e.scalar(1, outType(ctx)), ctx.e.op('Mul', [y, y])]);
  return ctx.e.op('Mul', [g, oneMinus]);
});

export const expRule: GradRule = unary((ctx, g, _x, y) => ctx.e.op('Mul', [g, y]));

export const logRule: GradRule = unary((ctx, g, x) => ctx.e.op('Div', [g, x]));

/** √x′ = 1 / (2√x). */
export const sqrtRule: GradRule = unary((ctx, g, _x, y) => ctx.e.op('Div', [g, ctx.e.op('Mul', [y, ctx.e.scalar(2, outType(ctx))])]));

/** |x|′ = sign(x). */
export const absRule: GradRule = unary((ctx, g, x) => ctx.e.op('Mul', [g, ctx.e.op('Sign', [x])]));

/** (1/x)′ = −1/x² = −y². */
export const reciprocalRule: GradRule = unary((ctx, g, _x, y) => ctx.e.op('Neg', [ctx.e.op('Mul', [g, ctx.e.op('Mul', [y, y])])]));

/** erf′(x) = 2/√π · exp(−x²). */
export const erfRule: GradRule = unary((ctx, g, x) => {
  const t = outType(ctx);
  const expNegSq = ctx.e.op('Exp', [ctx.e.op('Neg', [ctx.e.op('Mul', [x, x])])]);
  return ctx.e.op('Mul', [g, ctx.e.op('Mul', [expNegSq, ctx.e.scalar(2 / Math.sqrt(Math.PI), t)])]);
});

/** Cast between float types passes the gradient back, cast to the input's type. */
export const castRule: GradRule = {
  differentiable: (node) => (FLOAT_TYPES.has(intAttr(node, 'to', 0)) ? [0] : []),
  backward(ctx) {
    const g = ctx.gradOut(0);
    const x = ctx.input(0)!;
    if (g === undefined) return [];
    const from = ctx.elemType(x);
    if (!FLOAT_TYPES.has(from)) return [];
    return [from === outType(ctx) ? g : ctx.e.cast(g, from)];
  },
};

/** A rule for a two-input broadcasting operator. */
function binary(f: (ctx: GradContext, g: string, a: string, b: string, y: string) => [string | undefined, string | undefined]): GradRule {
  return {
    differentiable: () => [0, 1],
    backward(ctx) {
      const g = ctx.gradOut(0);
      if (g === undefined) return [];
      const a = ctx.input(0)!;
      const b = ctx.input(1)!;
      const y = ctx.output(0);
      const [da, db] = f(ctx, g, a, b, y);
      return [
        da !== undefined && ctx.wants(0) ? ctx.unbroadcast(da, a, y) : undefined,
        db !== undefined && ctx.wants(1) ? ctx.unbroadcast(db, b, y) : undefined,
      ];
    },
  };
}

export const addRule: GradRule = binary((_ctx, g) => [g, g]);

/** a − b: the gradient of b is negated after it is summed to b's shape (fewer elements to negate). */
export const subRule: GradRule = {
  differentiable: () => [0, 1],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    const y = ctx.output(0);
    return [ctx.wants(0) ? ctx.unbroadcast(g, a, y) : undefined, ctx.wants(1) ? ctx.e.op('Neg', [ctx.unbroadcast(g, b, y)]) : undefined];
  },
};

export const mulRule: GradRule = binary((ctx, g, a, b) => [
  ctx.wants(0) ? ctx.e.op('Mul', [g, b]) : undefined,
  ctx.wants(1) ? ctx.e.op('Mul', [g, a]) : undefined,
]);

/** a / b: da = g / b, db = −g · (y / b) (torch's order of operations). */
export const divRule: GradRule = binary((ctx, g, _a, b, y) => [
  ctx.wants(0) ? ctx.e.op('Div', [g, b]) : undefined,
  ctx.wants(1) ? ctx.e.op('Neg', [ctx.e.op('Mul', [g, ctx.e.op('Div', [y, b])])]) : undefined,
]);

/**
 * xᵖ: dx = g · p · x^(p−1). The exponent is normally a constant; when it is
 * trained too, dp = g · y · ln x.
 */
export const powRule: GradRule = {
  differentiable: () => [0, 1],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const x = ctx.input(0)!;
    const p = ctx.input(1)!;
    const y = ctx.output(0);
    const t = outType(ctx);
    const e = ctx.e;
    let dx: string | undefined;
    if (ctx.wants(0)) {
      const c = ctx.constant(p);
      let scaled: string;
      if (c !== undefined && c.data.length === 1) {
        const k = c.data[0]!;
        scaled = k === 2 ? e.op('Mul', [x, e.scalar(2, t)]) : e.op('Mul', [e.scalar(k, t), e.op('Pow', [x, e.scalar(k - 1, t)])]);
      } else {
        const pt = ctx.elemType(p) === t ? p : e.cast(p, t);
        scaled = e.op('Mul', [pt, e.op('Pow', [x, e.op('Sub', [pt, e.scalar(1, t)])])]);
      }
      dx = ctx.unbroadcast(e.op('Mul', [g, scaled]), x, y);
    }
    let dp: string | undefined;
    if (ctx.wants(1)) {
      if (ctx.elemType(p) !== t) ctx.fail('a trained exponent must have the same type as the base');
      dp = ctx.unbroadcast(e.op('Mul', [g, e.op('Mul', [y, e.op('Log', [x])])]), p, y);
    }
    return [dx, dp];
  },
};

/** Sum of n inputs: each gets the gradient, summed to its own shape. */
export const sumRule: GradRule = {
  differentiable: (node) => (node.input ?? []).map((_, i) => i),
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const y = ctx.output(0);
    return (ctx.node.input ?? []).map((x, i) => (ctx.wants(i) ? ctx.unbroadcast(g, x, y) : undefined));
  },
};

/** where(c, a, b): a gets g where c holds, b elsewhere. */
export const whereRule: GradRule = {
  differentiable: () => [1, 2],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const c = ctx.input(0)!;
    const y = ctx.output(0);
    const zero = ctx.e.scalar(0, outType(ctx));
    const out: (string | undefined)[] = [undefined];
    out[1] = ctx.wants(1) ? ctx.unbroadcast(ctx.e.op('Where', [c, g, zero]), ctx.input(1)!, y) : undefined;
    out[2] = ctx.wants(2) ? ctx.unbroadcast(ctx.e.op('Where', [c, zero, g]), ctx.input(2)!, y) : undefined;
    return out;
  },
};

/** expand(x, shape): the gradient is summed back to x's shape. */
export const expandRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    return [ctx.unbroadcast(g, ctx.input(0)!, ctx.output(0))];
  },
};
