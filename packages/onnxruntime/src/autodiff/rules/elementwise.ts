import { broadcasting, dimsOf, divide, foldElementwise, sameShape, single } from '../../graph/shape-rules.js';
import { broadcastDims } from '../../graph/values.js';
import { floatAttr, intAttr, stringAttr } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import type { ConstValue } from '../../graph/values.js';
import type { GradContext } from '../context.js';
import { forwardOnly, type DifferentiableOperator, type OperatorRule } from '../operator.js';

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

/** The element type of the node's first output, for the constants a rule writes. */
function outType(ctx: GradContext): number {
  return ctx.elemType(ctx.output(0));
}

/** A one-input operator of the input's shape: `dx = f(ctx, g, x, y)`. */
function unary(
  op: string,
  doc: string,
  f: (ctx: GradContext, g: string, x: string, y: string) => string,
  fold?: (v: number) => number,
): DifferentiableOperator {
  return {
    op,
    kind: 'differentiable',
    doc,
    infer: sameShape(fold),
    differentiable: () => [0],
    backward: (ctx) => [f(ctx, ctx.g, ctx.input(0)!, ctx.output(0))],
  };
}

/** g where `condition` holds, 0 elsewhere. */
function gate(ctx: GradContext, condition: string, g: string): string {
  return ctx.e.op('Where', [condition, g, ctx.e.scalar(0, outType(ctx))]);
}

const UNARY: DifferentiableOperator[] = [
  unary(
    'Identity',
    'g',
    (_ctx, g) => g,
    (v) => v,
  ),
  unary(
    'Neg',
    '−g',
    (ctx, g) => ctx.e.op('Neg', [g]),
    (v) => -v,
  ),
  unary('Relu', "g where y > 0 (torch's threshold_backward)", (ctx, g, _x, y) => gate(ctx, ctx.e.op('Greater', [y, ctx.e.scalar(0, outType(ctx))]), g)),
  unary('LeakyRelu', 'g where x > 0, α·g elsewhere', (ctx, g, x) => {
    const t = outType(ctx);
    const positive = ctx.e.op('Greater', [x, ctx.e.scalar(0, t)]);
    return ctx.e.op('Where', [positive, g, ctx.e.op('Mul', [g, ctx.e.scalar(floatAttr(ctx.node, 'alpha', 0.01), t)])]);
  }),
  unary('Sigmoid', 'g·(1 − y)·y', (ctx, g, _x, y) => ctx.e.op('Mul', [ctx.e.op('Mul', [g, ctx.e.op('Sub', [ctx.e.scalar(1, outType(ctx)), y])]), y])),
  unary('Tanh', 'g·(1 − y²)', (ctx, g, _x, y) => ctx.e.op('Mul', [g, ctx.e.op('Sub', [ctx.e.scalar(1, outType(ctx)), ctx.e.op('Mul', [y, y])])])),
  unary('Exp', 'g·y', (ctx, g, _x, y) => ctx.e.op('Mul', [g, y])),
  unary('Log', 'g / x', (ctx, g, x) => ctx.e.op('Div', [g, x])),
  unary('Sqrt', 'g / (2y)', (ctx, g, _x, y) => ctx.e.op('Div', [g, ctx.e.op('Mul', [y, ctx.e.scalar(2, outType(ctx))])])),
  unary('Abs', 'g·sign(x)', (ctx, g, x) => ctx.e.op('Mul', [g, ctx.e.op('Sign', [x])]), Math.abs),
  unary('Reciprocal', '−g·y²', (ctx, g, _x, y) => ctx.e.op('Neg', [ctx.e.op('Mul', [g, ctx.e.op('Mul', [y, y])])])),
  unary('Erf', 'g·2/√π·exp(−x²) (the erf form of GELU is Div, Erf, Add, Mul)', (ctx, g, x) => {
    const expNegSq = ctx.e.op('Exp', [ctx.e.op('Neg', [ctx.e.op('Mul', [x, x])])]);
    return ctx.e.op('Mul', [g, ctx.e.op('Mul', [expNegSq, ctx.e.scalar(2 / Math.sqrt(Math.PI), outType(ctx))])]);
  }),
  unary('Softplus', 'g·σ(x)', (ctx, g, x) => ctx.e.op('Mul', [g, ctx.e.op('Sigmoid', [x])])),
  unary('Softsign', 'g / (1 + |x|)²', (ctx, g, x) => {
    const d = ctx.e.op('Add', [ctx.e.scalar(1, outType(ctx)), ctx.e.op('Abs', [x])]);
    return ctx.e.op('Div', [g, ctx.e.op('Mul', [d, d])]);
  }),
  unary('Elu', 'g where x > 0, g·(y + α) elsewhere', (ctx, g, x, y) => {
    const t = outType(ctx);
    const below = ctx.e.op('Mul', [g, ctx.e.op('Add', [y, ctx.e.scalar(floatAttr(ctx.node, 'alpha', 1), t)])]);
    return ctx.e.op('Where', [ctx.e.op('Greater', [x, ctx.e.scalar(0, t)]), g, below]);
  }),
  unary('Selu', 'γ·g where x > 0, g·(y + γα) elsewhere', (ctx, g, x, y) => {
    const t = outType(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 1.67326319217681884765625);
    const gamma = floatAttr(ctx.node, 'gamma', 1.05070102214813232421875);
    const below = ctx.e.op('Mul', [g, ctx.e.op('Add', [y, ctx.e.scalar(Math.fround(alpha) * Math.fround(gamma), t)])]);
    return ctx.e.op('Where', [ctx.e.op('Greater', [x, ctx.e.scalar(0, t)]), ctx.e.op('Mul', [g, ctx.e.scalar(gamma, t)]), below]);
  }),
  unary('HardSigmoid', 'α·g where αx + β lies strictly between 0 and 1', (ctx, g, x) => {
    const t = outType(ctx);
    const alpha = floatAttr(ctx.node, 'alpha', 0.2);
    const beta = floatAttr(ctx.node, 'beta', 0.5);
    const z = ctx.e.op('Add', [ctx.e.op('Mul', [x, ctx.e.scalar(alpha, t)]), ctx.e.scalar(beta, t)]);
    const inside = ctx.e.op('And', [ctx.e.op('Greater', [z, ctx.e.scalar(0, t)]), ctx.e.op('Less', [z, ctx.e.scalar(1, t)])]);
    return gate(ctx, inside, ctx.e.op('Mul', [g, ctx.e.scalar(alpha, t)]));
  }),
  unary('HardSwish', "0 below −3, g·(x/3 + ½) from −3 to 3, g above (torch's hardswish_backward)", (ctx, g, x) => {
    const t = outType(ctx);
    const slope = ctx.e.op('Mul', [g, ctx.e.op('Add', [ctx.e.op('Div', [x, ctx.e.scalar(3, t)]), ctx.e.scalar(0.5, t)])]);
    const upper = ctx.e.op('Where', [ctx.e.op('LessOrEqual', [x, ctx.e.scalar(3, t)]), slope, g]);
    return ctx.e.op('Where', [ctx.e.op('Less', [x, ctx.e.scalar(-3, t)]), ctx.e.scalar(0, t), upper]);
  }),
  unary('Sin', 'g·cos x', (ctx, g, x) => ctx.e.op('Mul', [g, ctx.e.op('Cos', [x])])),
  unary('Cos', '−g·sin x', (ctx, g, x) => ctx.e.op('Neg', [ctx.e.op('Mul', [g, ctx.e.op('Sin', [x])])])),
  unary('Gelu', 'opset 20, `approximate` none: g·(Φ(x) + x·φ(x)); tanh: the derivative of ½x(1 + tanh(√(2/π)(x + 0.044715x³)))', (ctx, g, x) =>
    geluGrad(ctx, g, x),
  ),
];

/** GELU′ for the opset-20 Gelu operator, in both of its forms. */
function geluGrad(ctx: GradContext, g: string, x: string): string {
  const e = ctx.e;
  const t = outType(ctx);
  const c = (v: number): string => e.scalar(v, t);
  const approximate = stringAttr(ctx.node, 'approximate', 'none');
  if (approximate === 'tanh') {
    const k = Math.sqrt(2 / Math.PI);
    const x2 = e.op('Mul', [x, x]);
    const inner = e.op('Mul', [e.op('Mul', [x, e.op('Add', [c(1), e.op('Mul', [x2, c(0.044715)])])]), c(k)]);
    const th = e.op('Tanh', [inner]);
    const left = e.op('Mul', [c(0.5), e.op('Add', [c(1), th])]);
    const dInner = e.op('Mul', [e.op('Add', [c(1), e.op('Mul', [x2, c(3 * 0.044715)])]), c(k)]);
    const right = e.op('Mul', [e.op('Mul', [e.op('Mul', [c(0.5), x]), e.op('Sub', [c(1), e.op('Mul', [th, th])])]), dInner]);
    return e.op('Mul', [g, e.op('Add', [left, right])]);
  }
  if (approximate !== 'none') ctx.fail(`unknown approximate '${approximate}'`);
  const cdf = e.op('Mul', [c(0.5), e.op('Add', [c(1), e.op('Erf', [e.op('Mul', [x, c(Math.SQRT1_2)])])])]);
  const pdf = e.op('Mul', [e.op('Exp', [e.op('Mul', [e.op('Mul', [x, x]), c(-0.5)])]), c(1 / Math.sqrt(2 * Math.PI))]);
  return e.op('Mul', [g, e.op('Add', [cdf, e.op('Mul', [x, pdf])])]);
}

/** Clip(x, min, max): g where min ≤ x ≤ max, as torch's clamp_backward. */
const clip: DifferentiableOperator = {
  op: 'Clip',
  kind: 'differentiable',
  doc: "g where min ≤ x ≤ max (torch's clamp_backward); `min`, `max` optional",
  infer: sameShape(),
  differentiable: () => [0],
  backward(ctx) {
    const x = ctx.input(0)!;
    const lo = ctx.input(1);
    const hi = ctx.input(2);
    const conditions: string[] = [];
    if (lo) conditions.push(ctx.e.op('GreaterOrEqual', [x, lo]));
    if (hi) conditions.push(ctx.e.op('LessOrEqual', [x, hi]));
    if (conditions.length === 0) return [ctx.g];
    const inside = conditions.length === 1 ? conditions[0]! : ctx.e.op('And', conditions);
    return [gate(ctx, inside, ctx.g)];
  },
};

/** Cast between float types passes the gradient back, cast to the input's type. */
const cast: DifferentiableOperator = {
  op: 'Cast',
  kind: 'differentiable',
  doc: "between float types: g cast back to the input's type; to other types: no gradient",
  infer(node, env) {
    const to = intAttr(node, 'to', 0);
    const c = env.constant(node.input?.[0]);
    const isInt = to === DataType.INT64 || to === DataType.INT32;
    const bool = to === DataType.BOOL;
    return single(
      to,
      dimsOf(env, node.input?.[0]),
      c ? { dims: c.dims, data: c.data.map((v) => (bool ? (v ? 1 : 0) : isInt ? Math.trunc(v) : v)) } : undefined,
    );
  },
  differentiable: (node) => (FLOAT_TYPES.has(intAttr(node, 'to', 0)) ? [0] : []),
  backward(ctx) {
    const from = ctx.elemType(ctx.input(0)!);
    if (!FLOAT_TYPES.has(from)) return [];
    return [from === outType(ctx) ? ctx.g : ctx.e.cast(ctx.g, from)];
  },
};

/** A two-input broadcasting operator: f gives the full-shape gradients, summed back to each input's shape. */
function binary(
  op: string,
  doc: string,
  f: (ctx: GradContext, g: string, a: string, b: string, y: string) => [string | undefined, string | undefined],
  fold?: (a: number, b: number, elemType: number) => number,
): DifferentiableOperator {
  return {
    op,
    kind: 'differentiable',
    doc,
    infer: broadcasting(fold ? (v, t) => fold(v[0]!, v[1]!, t) : undefined),
    differentiable: () => [0, 1],
    backward(ctx) {
      const a = ctx.input(0)!;
      const b = ctx.input(1)!;
      const y = ctx.output(0);
      const [da, db] = f(ctx, ctx.g, a, b, y);
      return [
        da !== undefined && ctx.wants(0) ? ctx.unbroadcast(da, a, y) : undefined,
        db !== undefined && ctx.wants(1) ? ctx.unbroadcast(db, b, y) : undefined,
      ];
    },
  };
}

const SUMMED = "then ReduceSum back to each input's shape (numpy broadcasting)";

const BINARY: DifferentiableOperator[] = [
  binary(
    'Add',
    `g, g; ${SUMMED}`,
    (_ctx, g) => [g, g],
    (a, b) => a + b,
  ),
  {
    // a − b: the gradient of b is negated after it is summed to b's shape (fewer elements to negate).
    ...binary(
      'Sub',
      `g, −g; ${SUMMED}`,
      () => [undefined, undefined],
      (a, b) => a - b,
    ),
    backward(ctx) {
      const a = ctx.input(0)!;
      const b = ctx.input(1)!;
      const y = ctx.output(0);
      return [ctx.wants(0) ? ctx.unbroadcast(ctx.g, a, y) : undefined, ctx.wants(1) ? ctx.e.op('Neg', [ctx.unbroadcast(ctx.g, b, y)]) : undefined];
    },
  },
  binary(
    'Mul',
    `g·b, g·a; ${SUMMED}`,
    (ctx, g, a, b) => [ctx.wants(0) ? ctx.e.op('Mul', [g, b]) : undefined, ctx.wants(1) ? ctx.e.op('Mul', [g, a]) : undefined],
    (a, b) => a * b,
  ),
  binary(
    'Div',
    `g / b, −g·(y / b) (torch's order of operations); ${SUMMED}`,
    (ctx, g, _a, b, y) => [
      ctx.wants(0) ? ctx.e.op('Div', [g, b]) : undefined,
      ctx.wants(1) ? ctx.e.op('Neg', [ctx.e.op('Mul', [g, ctx.e.op('Div', [y, b])])]) : undefined,
    ],
    divide,
  ),
  binary(
    'Pow',
    `g·p·x^(p−1) for a constant exponent (initializer or Constant node), g·y·ln x for a trained one; ${SUMMED}`,
    (ctx, g, x, p, y) => {
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
        dx = e.op('Mul', [g, scaled]);
      }
      let dp: string | undefined;
      if (ctx.wants(1)) {
        if (ctx.elemType(p) !== t) ctx.fail('a trained exponent must have the same type as the base');
        dp = e.op('Mul', [g, e.op('Mul', [y, e.op('Log', [x])])]);
      }
      return [dx, dp];
    },
    (a, b) => Math.pow(a, b),
  ),
  binary('PRelu', `g where x > 0, g·slope elsewhere; the slope gets g·x where x ≤ 0; ${SUMMED}`, (ctx, g, x, slope) => {
    const positive = ctx.e.op('Greater', [x, ctx.e.scalar(0, outType(ctx))]);
    return [
      ctx.wants(0) ? ctx.e.op('Where', [positive, g, ctx.e.op('Mul', [g, slope])]) : undefined,
      ctx.wants(1) ? ctx.e.op('Where', [positive, ctx.e.scalar(0, outType(ctx)), ctx.e.op('Mul', [g, x])]) : undefined,
    ];
  }),
];

/** Sum, Mean, Max, Min: variadic broadcasting operators. */
function variadic(op: string, doc: string, shares: (ctx: GradContext) => (i: number) => string, fold?: (v: number[]) => number): DifferentiableOperator {
  return {
    op,
    kind: 'differentiable',
    doc,
    infer: broadcasting(fold),
    differentiable: (node) => (node.input ?? []).map((_, i) => i),
    backward(ctx) {
      const y = ctx.output(0);
      const share = shares(ctx);
      return (ctx.node.input ?? []).map((x, i) => (ctx.wants(i) ? ctx.unbroadcast(share(i), x, y) : undefined));
    },
  };
}

/**
 * The share of an extremum's gradient that input i gets: g where it equals
 * the output, divided by the number of inputs that do (so ties split the
 * gradient, as torch's maximum/minimum backward splits it between two).
 */
function extremumShares(ctx: GradContext): (i: number) => string {
  const e = ctx.e;
  const y = ctx.output(0);
  const t = outType(ctx);
  const inputs = ctx.node.input ?? [];
  if (inputs.length === 1) return () => ctx.g;
  const hits = inputs.map((x) => e.op('Equal', [x, y]));
  const shared = e.op('Div', [ctx.g, e.sum(hits.map((h) => e.cast(h, t)))]);
  const zero = e.scalar(0, t);
  return (i) => e.op('Where', [hits[i]!, shared, zero]);
}

const VARIADIC: DifferentiableOperator[] = [
  variadic(
    'Sum',
    `g for each input; ${SUMMED}`,
    (ctx) => () => ctx.g,
    (v) => v.reduce((a, b) => a + b, 0),
  ),
  variadic('Mean', `g / n for each of the n inputs; ${SUMMED}`, (ctx) => {
    const share = ctx.e.op('Div', [ctx.g, ctx.e.scalar((ctx.node.input ?? []).length, outType(ctx))]);
    return () => share;
  }),
  variadic('Max', `g to the inputs equal to the output, split between ties; ${SUMMED}`, extremumShares, (v) => Math.max(...v)),
  variadic('Min', `g to the inputs equal to the output, split between ties; ${SUMMED}`, extremumShares, (v) => Math.min(...v)),
];

/** where(c, a, b): a gets g where c holds, b elsewhere. */
const where: DifferentiableOperator = {
  op: 'Where',
  kind: 'differentiable',
  doc: `Where(c, g, 0), Where(c, 0, g); ${SUMMED} (masked_fill, boolean attention masks)`,
  infer(node, env) {
    const ins = node.input ?? [];
    const consts = ins.map((n) => env.constant(n));
    const folded = consts.every((c) => c !== undefined) ? foldElementwise(consts as ConstValue[], ([c, a, b]) => (c ? a! : b!)) : undefined;
    return single(env.type(ins[1])?.elemType ?? 0, broadcastDims(ins.map((n) => dimsOf(env, n))), folded);
  },
  differentiable: () => [1, 2],
  backward(ctx) {
    const c = ctx.input(0)!;
    const y = ctx.output(0);
    const zero = ctx.e.scalar(0, outType(ctx));
    return [
      undefined,
      ctx.wants(1) ? ctx.unbroadcast(ctx.e.op('Where', [c, ctx.g, zero]), ctx.input(1)!, y) : undefined,
      ctx.wants(2) ? ctx.unbroadcast(ctx.e.op('Where', [c, zero, ctx.g]), ctx.input(2)!, y) : undefined,
    ];
  },
};

/** Elementwise operators: activations, arithmetic, extrema, Where, Clip, Cast. */
export const ELEMENTWISE_OPERATORS: readonly OperatorRule[] = [
  ...UNARY,
  clip,
  cast,
  ...BINARY,
  ...VARIADIC,
  where,
  ...forwardOnly(['Celu', 'Mish', 'CumSum', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'ThresholdedRelu', 'Shrink'], sameShape()),
  ...forwardOnly(['Mod'], broadcasting()),
  ...forwardOnly(['CastLike'], (node, env) => single(env.type(node.input?.[1])?.elemType ?? 0, dimsOf(env, node.input?.[0]))),
];
