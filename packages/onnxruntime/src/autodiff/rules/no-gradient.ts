import { broadcasting, dimsOf, elemOf, norm, sameShape, single } from '../../graph/shape-rules.js';
import { constOfTensor, type InferRule } from '../../graph/infer.js';
import { MAX_TRACKED_CONSTANT, staticDims, staticSize, type Dim } from '../../graph/values.js';
import { findAttribute, intAttr, intsAttr } from '../../proto/attributes.js';
import { readNumbers, tensorDims } from '../../proto/tensor.js';
import { DataType } from '../../proto/types.js';
import { noGradient, type OperatorRule } from '../operator.js';

/**
 * Operators whose outputs never carry a gradient: constants, shapes and
 * sizes, comparisons and logic, indices, rounding (zero derivative almost
 * everywhere, as in torch) and random draws. Their values are computed once
 * by the forward pass and read by the backward pass where a rule needs them;
 * when their inputs are known constants they are folded here, so the rules
 * can use the values (the axes of a mask, a sequence length).
 */

const constant: InferRule = (node) => {
  const t = findAttribute(node, 'value')?.t;
  if (t) {
    const dims = tensorDims(t);
    return single(t.dataType ?? 0, dims, staticSize(dims)! <= MAX_TRACKED_CONSTANT ? constOfTensor(t) : undefined);
  }
  const vi = findAttribute(node, 'value_int');
  if (vi) return single(DataType.INT64, [], { dims: [], data: [Number(vi.i ?? 0)] });
  const vis = findAttribute(node, 'value_ints');
  if (vis) {
    const data = (vis.ints ?? []).map(Number);
    return single(DataType.INT64, [data.length], { dims: [data.length], data });
  }
  const vf = findAttribute(node, 'value_float');
  if (vf) return single(DataType.FLOAT, [], { dims: [], data: [vf.f ?? 0] });
  const vfs = findAttribute(node, 'value_floats');
  if (vfs) {
    const data = vfs.floats ?? [];
    return single(DataType.FLOAT, [data.length], { dims: [data.length], data });
  }
  return {};
};

const shape: InferRule = (node, env) => {
  const xDims = dimsOf(env, node.input?.[0]);
  if (xDims === null) return single(DataType.INT64, [null]);
  const rank = xDims.length;
  const start = Math.min(Math.max(norm(intAttr(node, 'start', 0), rank), 0), rank);
  const end = Math.min(Math.max(norm(intAttr(node, 'end', rank), rank), 0), rank);
  const dims = xDims.slice(start, Math.max(start, end));
  const known = staticDims(dims);
  return single(DataType.INT64, [dims.length], known ? { dims: [known.length], data: known } : undefined);
};

const size: InferRule = (node, env) => {
  const n = staticSize(dimsOf(env, node.input?.[0]));
  return single(DataType.INT64, [], n === null ? undefined : { dims: [], data: [n] });
};

const constantOfShape: InferRule = (node, env) => {
  const x = node.input?.[0];
  const c = env.constant(x);
  const t = findAttribute(node, 'value')?.t;
  const elemType = t?.dataType ?? DataType.FLOAT;
  if (c) {
    const value = t ? (readNumbers(t)?.[0] ?? 0) : 0;
    const n = c.data.reduce((a, b) => a * b, 1);
    return single(elemType, c.data, n <= MAX_TRACKED_CONSTANT ? { dims: c.data, data: new Array<number>(n).fill(value) } : undefined);
  }
  const len = dimsOf(env, x)?.[0];
  return single(elemType, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null);
};

const range: InferRule = (node, env) => {
  const ins = node.input ?? [];
  const [s, l, d] = ins.map((n) => env.constant(n)?.data[0]);
  const t = elemOf(env, ins[0]);
  if (s !== undefined && l !== undefined && d !== undefined && d !== 0) {
    const n = Math.max(Math.ceil((l - s) / d), 0);
    const data = Array.from({ length: n }, (_, i) => s + i * d);
    return single(t, [n], n <= MAX_TRACKED_CONSTANT ? { dims: [n], data } : undefined);
  }
  return single(t, [null]);
};

const argExtremum: InferRule = (node, env) => {
  const xDims = dimsOf(env, node.input?.[0]);
  if (xDims === null) return single(DataType.INT64, null);
  const axis = norm(intAttr(node, 'axis', 0), xDims.length);
  const keep = intAttr(node, 'keepdims', 1) === 1;
  return single(DataType.INT64, keep ? xDims.map((d, i) => (i === axis ? 1 : d)) : xDims.filter((_, i) => i !== axis));
};

const oneHot: InferRule = (node, env) => {
  const ins = node.input ?? [];
  const idx = dimsOf(env, ins[0]);
  const depth = env.constant(ins[1])?.data[0] ?? null;
  if (idx === null) return single(elemOf(env, ins[2]), null);
  const axis = norm(intAttr(node, 'axis', -1), idx.length + 1);
  const out: Dim[] = [...idx];
  out.splice(axis, 0, depth);
  return single(elemOf(env, ins[2]), out);
};

/** RandomNormal / RandomUniform: shape and dtype from the attributes. */
const random: InferRule = (node) => single(intAttr(node, 'dtype', DataType.FLOAT), intsAttr(node, 'shape') ?? null);

/** RandomNormalLike / RandomUniformLike / EyeLike: the input's shape, dtype from the attribute or the input. */
const randomLike: InferRule = (node, env) => {
  const x = node.input?.[0];
  return single(intAttr(node, 'dtype', elemOf(env, x)), dimsOf(env, x));
};

/** ONNX's Round: halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const bool = (f: (v: number[]) => boolean) => broadcasting((v) => (f(v) ? 1 : 0), true);

export const NO_GRADIENT_OPERATORS: readonly OperatorRule[] = [
  ...noGradient(['Constant'], constant),
  ...noGradient(['Shape'], shape),
  ...noGradient(['Size'], size),
  ...noGradient(['ConstantOfShape'], constantOfShape),
  ...noGradient(['Range'], range),
  ...noGradient(
    ['Equal'],
    bool(([a, b]) => a === b),
  ),
  ...noGradient(
    ['Less'],
    bool(([a, b]) => a! < b!),
  ),
  ...noGradient(
    ['Greater'],
    bool(([a, b]) => a! > b!),
  ),
  ...noGradient(
    ['LessOrEqual'],
    bool(([a, b]) => a! <= b!),
  ),
  ...noGradient(
    ['GreaterOrEqual'],
    bool(([a, b]) => a! >= b!),
  ),
  ...noGradient(
    ['And'],
    bool(([a, b]) => Boolean(a && b)),
  ),
  ...noGradient(
    ['Or'],
    bool(([a, b]) => Boolean(a || b)),
  ),
  ...noGradient(
    ['Xor'],
    bool(([a, b]) => Boolean(a) !== Boolean(b)),
  ),
  ...noGradient(['Not'], (node, env) => ({
    ...sameShape((v) => (v ? 0 : 1))(node, env),
    types: [{ elemType: DataType.BOOL, dims: dimsOf(env, node.input?.[0]) }],
  })),
  ...noGradient(['IsNaN', 'IsInf'], (node, env) => single(DataType.BOOL, dimsOf(env, node.input?.[0]))),
  ...noGradient(['Sign'], sameShape(Math.sign)),
  ...noGradient(['Floor'], sameShape(Math.floor)),
  ...noGradient(['Ceil'], sameShape(Math.ceil)),
  ...noGradient(['Round'], sameShape(roundHalfEven)),
  ...noGradient(['ArgMax', 'ArgMin'], argExtremum),
  ...noGradient(['NonZero'], (node, env) => single(DataType.INT64, [dimsOf(env, node.input?.[0])?.length ?? null, null])),
  ...noGradient(['OneHot'], oneHot),
  ...noGradient(['RandomNormal', 'RandomUniform'], random),
  ...noGradient(['RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'EyeLike'], randomLike),
];
