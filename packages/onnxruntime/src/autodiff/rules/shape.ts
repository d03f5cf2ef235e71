import { axesOf, dimsOf, elemOf, norm, rearranged, sameShape, single, stridesOf } from '../../graph/shape-rules.js';
import type { InferRule } from '../../graph/infer.js';
import { broadcastDims, normalizeAxis, staticDims, staticSize, type ConstValue, type Dim } from '../../graph/values.js';
import { intAttr, intsAttr, stringAttr } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import { forwardOnly, type DifferentiableOperator, type OperatorRule } from '../operator.js';

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Operators that only rearrange elements into a new shape: the gradient is reshaped back. */
function reshapeLike(op: string, infer: InferRule): DifferentiableOperator {
  return {
    op,
    kind: 'differentiable',
    doc: 'g reshaped to Shape(x)',
    infer,
    differentiable: () => [0],
    backward: (ctx) => [ctx.e.reshape(ctx.g, ctx.e.shape(ctx.input(0)!))],
  };
}

function reshapeDims(x: Dim[] | null, shape: number[], allowZero: boolean): Dim[] {
  const out: Dim[] = shape.map((s, i) => (s === 0 && !allowZero ? (x?.[i] ?? null) : s === -1 ? null : s));
  const minus = shape.indexOf(-1);
  if (minus >= 0) {
    const total = staticSize(x);
    const rest = staticSize(out.filter((_, i) => i !== minus));
    out[minus] = total !== null && rest !== null && rest > 0 ? total / rest : null;
  }
  return out;
}

const reshapeInfer: InferRule = (node, env) => {
  const [x, s] = node.input ?? [];
  const t = elemOf(env, x);
  const xDims = dimsOf(env, x);
  const c = env.constant(s);
  if (c) {
    const dims = reshapeDims(xDims, c.data, intAttr(node, 'allowzero', 0) === 1);
    const cx = env.constant(x);
    const known = staticDims(reshapeDims(cx?.dims ?? null, c.data, false));
    return single(t, dims, cx && known ? { dims: known, data: cx.data } : undefined);
  }
  const len = dimsOf(env, s)?.[0];
  return single(t, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null);
};

const flattenInfer: InferRule = (node, env) => {
  const x = node.input?.[0];
  const xDims = dimsOf(env, x);
  if (xDims === null) return single(elemOf(env, x), [null, null]);
  const axis = norm(intAttr(node, 'axis', 1), xDims.length);
  return single(elemOf(env, x), [staticSize(xDims.slice(0, axis)), staticSize(xDims.slice(axis))]);
};

const unsqueezeInfer: InferRule = (node, env) => {
  const x = node.input?.[0];
  const t = elemOf(env, x);
  const xDims = dimsOf(env, x);
  const axes = axesOf(node, env, 1);
  const c = env.constant(x);
  if (xDims === null || axes === undefined || axes === 'dynamic') return single(t, null);
  const rank = xDims.length + axes.length;
  const set = new Set(axes.map((a) => norm(a, rank)));
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : (xDims[k++] ?? null));
  return single(t, out, c ? { dims: out as number[], data: c.data } : undefined);
};

const squeezeInfer: InferRule = (node, env) => {
  const x = node.input?.[0];
  const t = elemOf(env, x);
  const xDims = dimsOf(env, x);
  const axes = axesOf(node, env, 1);
  const c = env.constant(x);
  if (xDims === null || axes === 'dynamic') return single(t, null);
  let out: Dim[];
  if (axes === undefined) {
    if (xDims.some((d) => typeof d !== 'number')) return single(t, null);
    out = xDims.filter((d) => d !== 1);
  } else {
    const set = new Set(axes.map((a) => norm(a, xDims.length)));
    out = xDims.filter((_, i) => !set.has(i));
  }
  return single(t, out, c ? { dims: out as number[], data: c.data } : undefined);
};

const transpose: DifferentiableOperator = {
  op: 'Transpose',
  kind: 'differentiable',
  doc: 'g through the inverse permutation',
  infer(node, env) {
    const x = node.input?.[0];
    const xDims = dimsOf(env, x);
    if (xDims === null) return single(elemOf(env, x), null);
    const perm = intsAttr(node, 'perm') ?? xDims.map((_, i) => xDims.length - 1 - i);
    const out = perm.map((p) => xDims[p] ?? null);
    const c = env.constant(x);
    if (c === undefined) return single(elemOf(env, x), out);
    const strides = stridesOf(c.dims);
    return single(
      elemOf(env, x),
      out,
      rearranged(c, out as number[], (coords) => coords.reduce((acc, v, i) => acc + v * strides[perm[i]!]!, 0)),
    );
  },
  differentiable: () => [0],
  backward(ctx) {
    const rank = ctx.rank(ctx.input(0)!);
    const perm = intsAttr(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return [ctx.e.transpose(ctx.g, inverse(perm))];
  },
};

/** Concat: the gradient is split back into the inputs' extents along the axis. */
const concat: DifferentiableOperator = {
  op: 'Concat',
  kind: 'differentiable',
  doc: "g split at the inputs' extents along the axis",
  infer(node, env) {
    const ins = (node.input ?? []).filter((n) => n);
    const t = elemOf(env, ins[0]);
    const shapes = ins.map((n) => dimsOf(env, n));
    const first = shapes.find((s) => s !== null);
    if (!first) return single(t, null);
    const rank = first.length;
    const axis = norm(intAttr(node, 'axis', 0), rank);
    const out: Dim[] = first.map((d, i) => {
      if (i !== axis) return shapes.map((s) => s?.[i]).find((v) => typeof v === 'number') ?? d;
      let total = 0;
      for (const s of shapes) {
        const v = s?.[i];
        if (typeof v !== 'number') return null;
        total += v;
      }
      return total;
    });
    const consts = ins.map((n) => env.constant(n));
    const c =
      rank === 1 && consts.every((k) => k !== undefined)
        ? { dims: [consts.reduce((a, k) => a + k!.data.length, 0)], data: consts.flatMap((k) => k!.data) }
        : undefined;
    return single(t, out, c);
  },
  differentiable: (node) => (node.input ?? []).map((_, i) => i),
  backward(ctx) {
    const e = ctx.e;
    const inputs = ctx.node.input ?? [];
    const axis = normalizeAxis(intAttr(ctx.node, 'axis', 0), ctx.rank(ctx.output(0)), `${ctx.node.opType} axis`);
    const extents = inputs.map((x) => ctx.type(x).dims?.[axis]);
    const sizes = extents.every((d) => typeof d === 'number')
      ? e.ints(extents as number[])
      : e.op(
          'Concat',
          inputs.map((x) => e.pick(e.shape(x), [axis])),
          { axis: 0 },
        );
    return e.node('Split', [ctx.g, sizes], { axis }, inputs.length);
  },
};

/** Split: the outputs' gradients are concatenated back (zeros for outputs that get none). */
const split: DifferentiableOperator = {
  op: 'Split',
  kind: 'differentiable',
  doc: "the outputs' gradients concatenated back, zeros for outputs that get none (sizes as input, or equal parts)",
  infer(node, env) {
    const x = node.input?.[0];
    const t = elemOf(env, x);
    const xDims = dimsOf(env, x);
    const outs = node.output ?? [];
    if (xDims === null) return { types: outs.map(() => ({ elemType: t, dims: null })) };
    const axis = norm(intAttr(node, 'axis', 0), xDims.length);
    let sizes = env.opset >= 13 ? env.constant(node.input?.[1])?.data : intsAttr(node, 'split');
    const extent = xDims[axis];
    if (sizes === undefined && !node.input?.[1] && typeof extent === 'number') {
      const n = outs.length;
      const part = Math.ceil(extent / n);
      sizes = outs.map((_, i) => Math.max(0, Math.min(part, extent - i * part)));
    }
    return { types: outs.map((_, i) => ({ elemType: t, dims: xDims.map((d, k) => (k === axis ? (sizes?.[i] ?? null) : d)) })) };
  },
  differentiable: () => [0],
  gradientOutputs: (node) => (node.output ?? []).map((_, i) => i),
  backward(ctx) {
    const e = ctx.e;
    const outs = ctx.node.output ?? [];
    const x = ctx.input(0)!;
    const axis = normalizeAxis(intAttr(ctx.node, 'axis', 0), ctx.rank(x), 'Split axis');
    const t = ctx.elemType(x);
    const parts = outs.map((o, i) => ctx.gradOut(i) ?? e.zeros(e.shape(o), t));
    return [e.op('Concat', parts, { axis })];
  },
};

/** The bounds of a Slice along one axis, clamped as Slice clamps them. */
function clampSlice(start: number, end: number, step: number, d: number): [number, number] {
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  s = step > 0 ? clamp(s, 0, d) : clamp(s, 0, d - 1);
  e = step > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
  return [s, e];
}

/** An end at or beyond this is "to the end" of any axis (torch writes INT64_MAX). */
const TO_THE_END = 2 ** 62;

const sliceInfer: InferRule = (node, env) => {
  const ins = node.input ?? [];
  const x = ins[0];
  const t = elemOf(env, x);
  const xDims = dimsOf(env, x);
  if (xDims === null) return single(t, null);
  const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => env.constant(ins[i])?.data);
  if (!starts || !ends || (ins[3] && !axes) || (ins[4] && !steps))
    return single(
      t,
      xDims.map(() => null),
    );
  const out: Dim[] = [...xDims];
  const axisList = axes ?? starts.map((_, i) => i);
  const c = env.constant(x);
  const first = xDims.map(() => 0);
  const stride = xDims.map(() => 1);
  let foldable = c !== undefined;
  axisList.forEach((a0, k) => {
    const a = norm(a0, xDims.length);
    const d = xDims[a];
    const step = steps?.[k] ?? 1;
    if (typeof d !== 'number' || step === 0) {
      out[a] = null;
      foldable = false;
      return;
    }
    const [s, e] = clampSlice(starts[k]!, ends[k]!, step, d);
    out[a] = Math.max(0, Math.ceil((e - s) / step));
    first[a] = s;
    stride[a] = step;
  });
  if (!foldable || !staticDims(out)) return single(t, out);
  // A small constant (a shape or pads vector, a mask) is folded.
  const strides = stridesOf(c!.dims);
  return single(
    t,
    out,
    rearranged(c!, out as number[], (coords) => coords.reduce((acc, v, i) => acc + (first[i]! + v * stride[i]!) * strides[i]!, 0)),
  );
};

/**
 * Slice: the gradient is padded with zeros back to the input's shape when
 * the bounds are constants with unit steps and the sliced extents are known
 * (or the slice runs to the end); otherwise it is scattered to the flat
 * positions Slice picks from an index tensor of the input's shape, which
 * covers negative and strided steps and run-time bounds with Slice's own
 * clamping.
 */
const slice: DifferentiableOperator = {
  op: 'Slice',
  kind: 'differentiable',
  doc: 'Pad with zeros for constant bounds with unit steps; otherwise ScatterElements to the positions Slice picks from an index tensor (any steps, run-time bounds)',
  infer: sliceInfer,
  differentiable: () => [0],
  backward(ctx) {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const xDims = ctx.dims(x);
    const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => ctx.constant(ctx.input(i))?.data);
    const known = starts && ends && (!ctx.input(3) || axes) && (!ctx.input(4) || steps);
    if (known && (steps ?? []).every((s) => s === 1)) {
      const rank = xDims.length;
      const pads = new Array<number>(2 * rank).fill(0);
      let padded = true;
      (axes ?? starts.map((_, i) => i)).forEach((a0, k) => {
        const a = norm(a0, rank);
        const d = xDims[a];
        if (typeof d === 'number') {
          const [s, end] = clampSlice(starts[k]!, ends[k]!, 1, d);
          pads[a] = s;
          pads[a + rank] = d - Math.max(s, end);
        } else if (starts[k]! >= 0 && ends[k]! >= TO_THE_END) {
          pads[a] = starts[k]!;
        } else {
          padded = false;
        }
      });
      if (padded) return [pads.every((p) => p === 0) ? ctx.g : e.op('Pad', [ctx.g, e.ints(pads)], { mode: 'constant' })];
    }
    const t = ctx.elemType(x);
    const shape = e.shape(x);
    const count = e.op('Size', [x]);
    const positions = e.reshape(e.op('Range', [e.scalar(0, DataType.INT64), count, e.scalar(1, DataType.INT64)]), shape);
    const picked = e.op('Slice', [positions, ...(ctx.node.input ?? []).slice(1)]);
    const flat = e.op('ScatterElements', [e.zeros(e.reshape(count, [1]), t), e.reshape(picked, [-1]), e.reshape(ctx.g, [-1])], { axis: 0 });
    return [e.reshape(flat, shape)];
  },
};

const gatherInfer: InferRule = (node, env) => {
  const [x, i] = node.input ?? [];
  const t = elemOf(env, x);
  const xDims = dimsOf(env, x);
  const idx = dimsOf(env, i);
  if (xDims === null || idx === null) return single(t, null);
  const axis = norm(intAttr(node, 'axis', 0), xDims.length);
  const out = [...xDims.slice(0, axis), ...idx, ...xDims.slice(axis + 1)];
  const cx = env.constant(x);
  const ci = env.constant(i);
  let c: ConstValue | undefined;
  if (cx && ci && cx.dims.length === 1) {
    const n = cx.data.length;
    c = { dims: out as number[], data: ci.data.map((k) => cx.data[k < 0 ? k + n : k]!) };
  }
  return single(t, out, c);
};

/**
 * Gather(data, indices, axis): the gradient of `data` is a zero tensor into
 * which the output gradient is scatter-added at the gathered positions
 * (ScatterND with reduction "add", so repeated indices accumulate, as an
 * embedding's gradient must). For an axis other than 0 the data and the
 * gradient are transposed so the gathered axis comes first, and back.
 * Negative indices are wrapped first, as Gather reads them.
 */
const gather: DifferentiableOperator = {
  op: 'Gather',
  kind: 'differentiable',
  doc: 'embeddings; any axis, negative indices: ScatterND with `reduction="add"` into zeros, so repeated indices accumulate',
  infer: gatherInfer,
  differentiable: () => [0],
  backward(ctx) {
    const e = ctx.e;
    const g = ctx.g;
    ctx.requireOpset(16, 'the gradient of Gather uses ScatterND with reduction="add"');
    const data = ctx.input(0)!;
    let idx = ctx.input(1)!;
    const t = ctx.elemType(data);
    const r = ctx.rank(data);
    const q = ctx.rank(idx);
    const axis = normalizeAxis(intAttr(ctx.node, 'axis', 0), r, 'Gather axis');
    const known = ctx.constant(idx);
    if (ctx.elemType(idx) !== DataType.INT64) idx = e.cast(idx, DataType.INT64);
    const dataShape = e.shape(data);
    if (known === undefined || known.data.some((v) => v < 0)) {
      const extent = e.squeeze(e.pick(dataShape, [axis]), [0]);
      const negative = e.op('Less', [idx, e.scalar(0, DataType.INT64)]);
      idx = e.op('Where', [negative, e.op('Add', [idx, extent]), idx]);
    }
    const positions = e.unsqueeze(idx, [-1]);
    if (axis === 0) {
      return [e.op('ScatterND', [e.zeros(dataShape, t), positions, g], { reduction: 'add' })];
    }
    const rest = Array.from({ length: r }, (_, i) => i).filter((i) => i !== axis);
    const permData = [axis, ...rest];
    // g's axes: data's axes before `axis`, then the q index axes, then data's axes after `axis`.
    const before = Array.from({ length: axis }, (_, i) => i);
    const indexAxes = Array.from({ length: q }, (_, i) => axis + i);
    const after = Array.from({ length: r - 1 - axis }, (_, i) => axis + q + i);
    const gMoved = e.transpose(g, [...indexAxes, ...before, ...after]);
    const zeros = e.zeros(e.pick(dataShape, permData), t);
    const scattered = e.op('ScatterND', [zeros, positions, gMoved], { reduction: 'add' });
    return [e.transpose(scattered, inverse(permData))];
  },
};

/** expand(x, shape): the gradient is summed back to x's shape. */
const expand: DifferentiableOperator = {
  op: 'Expand',
  kind: 'differentiable',
  doc: "g summed back to x's shape (ReduceSum over the broadcast axes)",
  infer(node, env) {
    const [x, s] = node.input ?? [];
    const t = elemOf(env, x);
    const xDims = dimsOf(env, x);
    const c = env.constant(s);
    if (c) return single(t, broadcastDims([xDims, c.data]));
    const len = dimsOf(env, s)?.[0];
    if (xDims === null || typeof len !== 'number') return single(t, null);
    return single(t, new Array<Dim>(Math.max(len, xDims.length)).fill(null));
  },
  differentiable: () => [0],
  backward: (ctx) => [ctx.unbroadcast(ctx.g, ctx.input(0)!, ctx.output(0))],
};

/**
 * Tile(x, repeats): the gradient, of shape [r₀·d₀, r₁·d₁, …], is reshaped to
 * [r₀, d₀, r₁, d₁, …] and summed over the repeat axes.
 */
const tile: DifferentiableOperator = {
  op: 'Tile',
  kind: 'differentiable',
  doc: 'g reshaped to [r₀, d₀, r₁, d₁, …] and summed over the repeat axes',
  infer(node, env) {
    const [x, r] = node.input ?? [];
    const t = elemOf(env, x);
    const xDims = dimsOf(env, x);
    const reps = env.constant(r)?.data;
    if (xDims === null) return single(t, null);
    return single(
      t,
      xDims.map((d, i) => (reps && typeof d === 'number' ? d * reps[i]! : reps?.[i] === 1 ? d : null)),
    );
  },
  differentiable: () => [0],
  backward(ctx) {
    const e = ctx.e;
    const x = ctx.input(0)!;
    const repeats = ctx.input(1)!;
    const rank = ctx.rank(x);
    const reps = ctx.constant(repeats)?.data;
    const dims = staticDims(ctx.dims(x));
    let shape: string;
    if (reps && dims) {
      shape = e.ints(dims.flatMap((d, i) => [reps[i]!, d]));
    } else {
      const pairs = e.op('Concat', [e.unsqueeze(repeats, [1]), e.unsqueeze(e.shape(x), [1])], { axis: 1 });
      shape = e.reshape(pairs, [-1]);
    }
    const summed = e.reduceSum(
      e.reshape(ctx.g, shape),
      Array.from({ length: rank }, (_, i) => 2 * i),
      false,
    );
    return [summed];
  },
};

/** Trilu(x, k): the same triangle of the gradient. */
const trilu: DifferentiableOperator = {
  op: 'Trilu',
  kind: 'differentiable',
  doc: 'Trilu of g with the same `k` and `upper` (causal masks)',
  infer: sameShape(),
  differentiable: () => [0],
  backward(ctx) {
    const k = ctx.input(1);
    return [ctx.e.op('Trilu', k ? [ctx.g, k] : [ctx.g], { upper: intAttr(ctx.node, 'upper', 1) })];
  },
};

/** Pad (constant mode): the gradient is the slice of g that holds x. */
const pad: DifferentiableOperator = {
  op: 'Pad',
  kind: 'differentiable',
  doc: '`mode="constant"` with constant pads: the slice of g where x sits',
  infer(node, env) {
    const [x, p] = node.input ?? [];
    const t = elemOf(env, x);
    const xDims = dimsOf(env, x);
    const pads = env.constant(p)?.data;
    if (xDims === null) return single(t, null);
    if (!pads || node.input?.[3])
      return single(
        t,
        xDims.map(() => null),
      );
    const rank = xDims.length;
    return single(
      t,
      xDims.map((d, i) => (typeof d === 'number' ? d + pads[i]! + pads[i + rank]! : null)),
    );
  },
  differentiable: () => [0],
  backward(ctx) {
    const mode = stringAttr(ctx.node, 'mode', 'constant');
    if (mode !== 'constant') ctx.fail(`mode '${mode}' is not supported by the gradient (only 'constant')`);
    if (ctx.input(3)) ctx.fail('pads on selected axes (the axes input) are not supported by the gradient');
    const pads = ctx.constant(ctx.input(1))?.data;
    if (pads === undefined) return ctx.fail('the gradient needs constant pads');
    const x = ctx.input(0)!;
    const rank = ctx.rank(x);
    const begin = pads.slice(0, rank);
    if (begin.some((p) => p < 0) || pads.slice(rank).some((p) => p < 0)) ctx.fail('negative pads are not supported by the gradient');
    // x ends at begin + Shape(x) inside the padded gradient.
    const dims = staticDims(ctx.dims(x));
    const end = dims ? dims.map((d, i) => d + begin[i]!) : ctx.e.op('Add', [ctx.e.shape(x), ctx.e.ints(begin)]);
    return [
      ctx.e.slice(
        ctx.g,
        begin,
        end,
        Array.from({ length: rank }, (_, i) => i),
      ),
    ];
  },
};

/** Shape and layout operators. */
export const SHAPE_OPERATORS: readonly OperatorRule[] = [
  reshapeLike('Reshape', reshapeInfer),
  reshapeLike('Flatten', flattenInfer),
  reshapeLike('Squeeze', squeezeInfer),
  reshapeLike('Unsqueeze', unsqueezeInfer),
  transpose,
  concat,
  split,
  slice,
  gather,
  expand,
  tile,
  trilu,
  pad,
  ...forwardOnly(['ScatterND', 'ScatterElements'], sameShape()),
];
