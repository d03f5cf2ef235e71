import { intAttr, intsAttr } from '../../proto/attributes.js';
import { DataType } from '../../proto/types.js';
import { normalizeAxis } from '../../graph/values.js';
import type { GradRule } from '../context.js';

/** Operators that only rearrange elements into a new shape: the gradient is reshaped back. */
export const reshapeLikeRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    return [ctx.e.reshape(g, ctx.e.shape(ctx.input(0)!))];
  },
};

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Transpose: the gradient goes through the inverse permutation. */
export const transposeRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const x = ctx.input(0)!;
    const rank = ctx.rank(x);
    const perm = intsAttr(ctx.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    return [ctx.e.transpose(g, inverse(perm))];
  },
};

/** Concat: the gradient is split back into the inputs' extents along the axis. */
export const concatRule: GradRule = {
  differentiable: (node) => (node.input ?? []).map((_, i) => i),
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const e = ctx.e;
    const inputs = ctx.node.input ?? [];
    const rank = ctx.rank(ctx.output(0));
    const axis = normalizeAxis(intAttr(ctx.node, 'axis', 0), rank, `${ctx.node.opType} axis`);
    const extents = inputs.map((x) => ctx.type(x).dims?.[axis]);
    const sizes = extents.every((d) => typeof d === 'number')
      ? e.ints(extents as number[])
      : e.op('Concat', inputs.map((x) => e.pick(e.shape(x), [axis])), { axis: 0 });
    return e.node('Split', [g, sizes], { axis }, inputs.length);
  },
};

/** Split: the outputs' gradients are concatenated back (zeros for outputs that get none). */
export const splitRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const e = ctx.e;
    const outs = ctx.node.output ?? [];
    const grads = outs.map((_, i) => ctx.gradOut(i));
    if (grads.every((g) => g === undefined)) return [];
    const x = ctx.input(0)!;
    const axis = normalizeAxis(intAttr(ctx.node, 'axis', 0), ctx.rank(x), 'Split axis');
    const t = ctx.elemType(x);
    const parts = grads.map((g, i) => g ?? e.zeros(e.shape(outs[i]!), t));
    return [e.op('Concat', parts, { axis })];
  },
};

/**
 * Gather(data, indices, axis): the gradient of `data` is a zero tensor into
 * which the output gradient is scatter-added at the gathered positions
 * (ScatterND with reduction "add", so repeated indices accumulate, as an
 * embedding's gradient must). For an axis other than 0 the data and the
 * gradient are transposed so the gathered axis comes first, and back.
 * Negative indices are wrapped first, as Gather reads them.
 */
export const gatherRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const e = ctx.e;
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

/**
 * Dropout(data, ratio, training_mode). In inference mode (no or false
 * `training_mode`) it is the identity. In training mode the gradient is
 * g · mask / (1 − ratio), with the mask the forward node drew in the same
 * run: the node's `mask` output (added when the model does not name it).
 */
export const dropoutRule: GradRule = {
  differentiable: () => [0],
  backward(ctx) {
    const g = ctx.gradOut(0);
    if (g === undefined) return [];
    const e = ctx.e;
    const x = ctx.input(0)!;
    const t = ctx.elemType(x);
    const modeName = ctx.input(2);
    const mode = modeName ? ctx.constant(modeName) : { dims: [], data: [0] };
    if (mode !== undefined && !mode.data[0]) return [g];
    const mask = ctx.forwardOutput(1, 'mask');
    const ratioName = ctx.input(1);
    const ratio = ratioName ? ctx.constant(ratioName) : { dims: [], data: [0.5] };
    let scale: string;
    if (ratio !== undefined) {
      scale = e.scalar(1 / (1 - ratio.data[0]!), t);
    } else {
      const r = ctx.elemType(ratioName!) === t ? ratioName! : e.cast(ratioName!, t);
      scale = e.op('Div', [e.scalar(1, t), e.op('Sub', [e.scalar(1, t), r])]);
    }
    const dx = e.op('Mul', [e.op('Mul', [g, e.cast(mask, t)]), scale]);
    return [mode === undefined ? e.op('Where', [modeName!, dx, g]) : dx];
  },
};
