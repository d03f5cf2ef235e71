import { dimsOf, elemOf, single } from '../../graph/shape-rules.js';
import { broadcastDims, type Dim } from '../../graph/values.js';
import { floatAttr, intAttr } from '../../proto/attributes.js';
import { sumToShape } from '../broadcast.js';
import type { GradContext } from '../context.js';
import type { DifferentiableOperator, OperatorRule } from '../operator.js';

function gemmNode(ctx: GradContext, a: string, b: string, transA: boolean, transB: boolean, alpha: number): string {
  return ctx.e.op('Gemm', [a, b], { transA: transA ? 1 : undefined, transB: transB ? 1 : undefined, alpha: alpha === 1 ? undefined : { float: alpha } });
}

/**
 * Y = α·A′·B′ + β·C with A′ = Aᵀ when transA, B′ = Bᵀ when transB.
 *
 * ```text
 * dA′ = α·G·B′ᵀ     dB′ = α·A′ᵀ·G     dC = β·G summed to C's shape
 * ```
 *
 * each written as one Gemm with the transpose flags that undo A′ and B′.
 */
const gemm: DifferentiableOperator = {
  op: 'Gemm',
  kind: 'differentiable',
  doc: "all `transA`/`transB`/`alpha`/`beta`, C of any broadcastable shape: Gemm with the transposes that undo A′ and B′; dC = β·G summed to C's shape",
  infer(node, env) {
    const a = dimsOf(env, node.input?.[0]);
    const b = dimsOf(env, node.input?.[1]);
    const m = a ? (intAttr(node, 'transA', 0) ? a[1] : a[0]) : null;
    const n = b ? (intAttr(node, 'transB', 0) ? b[0] : b[1]) : null;
    return single(elemOf(env, node.input?.[0]), [m ?? null, n ?? null]);
  },
  differentiable: (node) => ((node.input ?? []).length > 2 && node.input![2] ? [0, 1, 2] : [0, 1]),
  backward(ctx) {
    const g = ctx.g;
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    const tA = intAttr(ctx.node, 'transA', 0) === 1;
    const tB = intAttr(ctx.node, 'transB', 0) === 1;
    const alpha = floatAttr(ctx.node, 'alpha', 1);
    const beta = floatAttr(ctx.node, 'beta', 1);
    const out: (string | undefined)[] = [];
    if (ctx.wants(0)) {
      // A = G·B′ᵀ (or its transpose when transA)
      out[0] = tA ? gemmNode(ctx, b, g, tB, true, alpha) : gemmNode(ctx, g, b, false, !tB, alpha);
    }
    if (ctx.wants(1)) {
      out[1] = tB ? gemmNode(ctx, g, a, true, tA, alpha) : gemmNode(ctx, a, g, !tA, false, alpha);
    }
    if (ctx.wants(2)) {
      const c = ctx.input(2)!;
      const summed = ctx.unbroadcast(g, c, ctx.output(0));
      out[2] = beta === 1 ? summed : ctx.e.op('Mul', [summed, ctx.e.scalar(beta, ctx.elemType(c))]);
    }
    return out;
  },
};

function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/**
 * numpy matmul, batched and broadcast: dA = G·Bᵀ, dB = Aᵀ·G over the last
 * two axes, summed over broadcast batch axes. A 1-D operand is lifted to a
 * matrix (a row for A, a column for B) and the gradient dropped back to 1-D.
 * Plain matrix products use Gemm with transpose flags instead of Transpose
 * nodes.
 */
const matmul: DifferentiableOperator = {
  op: 'MatMul',
  kind: 'differentiable',
  doc: "2-D, batched, broadcast batch axes, 1-D operands (attention's Q·Kᵀ and P·V): G·Bᵀ and Aᵀ·G over the last two axes, summed over broadcast axes (Gemm for 2-D × 2-D)",
  infer: (node, env) => single(elemOf(env, node.input?.[0]), matmulDims(dimsOf(env, node.input?.[0]), dimsOf(env, node.input?.[1]))),
  differentiable: () => [0, 1],
  backward(ctx) {
    const g = ctx.g;
    const e = ctx.e;
    const a = ctx.input(0)!;
    const b = ctx.input(1)!;
    const ra = ctx.rank(a);
    const rb = ctx.rank(b);
    const out: (string | undefined)[] = [];
    if (ra === 1 && rb === 1) {
      if (ctx.wants(0)) out[0] = e.op('Mul', [g, b]);
      if (ctx.wants(1)) out[1] = e.op('Mul', [g, a]);
      return out;
    }
    if (ra === 2 && rb === 2) {
      if (ctx.wants(0)) out[0] = gemmNode(ctx, g, b, false, true, 1);
      if (ctx.wants(1)) out[1] = gemmNode(ctx, a, g, true, false, 1);
      return out;
    }
    const aDims = ctx.dims(a);
    const bDims = ctx.dims(b);
    const yDims = ctx.dims(ctx.output(0));
    const a2 = ra === 1 ? e.unsqueeze(a, [0]) : a;
    const b2 = rb === 1 ? e.unsqueeze(b, [1]) : b;
    const a2Dims: Dim[] = ra === 1 ? [1, ...aDims] : aDims;
    const b2Dims: Dim[] = rb === 1 ? [...bDims, 1] : bDims;
    let g2 = g;
    const g2Dims: Dim[] = [...yDims];
    if (rb === 1) {
      g2 = e.unsqueeze(g2, [-1]);
      g2Dims.push(1);
    }
    if (ra === 1) {
      g2 = e.unsqueeze(g2, [-2]);
      g2Dims.splice(g2Dims.length - 1, 0, 1);
    }
    if (ctx.wants(0)) {
      const full = e.op('MatMul', [g2, e.transpose(b2, swapLast(b2Dims.length))]);
      const fullDims: Dim[] = [...g2Dims.slice(0, -1), a2Dims[a2Dims.length - 1]!];
      const da = sumToShape(e, full, fullDims, a2, a2Dims);
      out[0] = ra === 1 ? e.squeeze(da, [0]) : da;
    }
    if (ctx.wants(1)) {
      const full = e.op('MatMul', [e.transpose(a2, swapLast(a2Dims.length)), g2]);
      const fullDims: Dim[] = [...g2Dims.slice(0, -2), b2Dims[b2Dims.length - 2]!, g2Dims[g2Dims.length - 1]!];
      const db = sumToShape(e, full, fullDims, b2, b2Dims);
      out[1] = rb === 1 ? e.squeeze(db, [1]) : db;
    }
    return out;
  },
};

function matmulDims(a: Dim[] | null, b: Dim[] | null): Dim[] | null {
  if (a === null || b === null || a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastDims([a2.slice(0, -2), b2.slice(0, -2)]);
  if (batch === null) return null;
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]!);
  if (b.length > 1) out.push(b2[b2.length - 1]!);
  return out;
}

/** Matrix products. */
export const LINEAR_OPERATORS: readonly OperatorRule[] = [gemm, matmul];
