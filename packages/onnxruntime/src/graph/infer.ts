import { findAttribute, intAttr, intsAttr, stringAttr } from '../proto/attributes.js';
import { readNumbers, tensorDims } from '../proto/tensor.js';
import { DataType, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto/types.js';
import {
  MAX_TRACKED_CONSTANT,
  broadcastDims,
  staticDims,
  staticSize,
  type ConstValue,
  type Dim,
  type ValueType,
} from './values.js';

/** Static knowledge about every value of a graph. */
export interface GraphValues {
  types: Map<string, ValueType>;
  consts: Map<string, ConstValue>;
}

/** The type and shape written in a ValueInfoProto. */
export function valueInfoType(v: ValueInfoProto): ValueType | undefined {
  const t = v.type?.tensorType;
  if (t === undefined) return undefined;
  const dims: Dim[] | null =
    t.shape === undefined ? null : (t.shape.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null));
  return { elemType: t.elemType ?? 0, dims };
}

function constOfTensor(t: TensorProto): ConstValue | undefined {
  const dims = tensorDims(t);
  if (staticSize(dims)! > MAX_TRACKED_CONSTANT) return undefined;
  const data = readNumbers(t);
  return data === undefined ? undefined : { dims, data };
}

/**
 * Propagates element types, shapes and small constant values through the
 * graph, in node order. Values it cannot work out stay unknown; the model's
 * own `value_info` fills what the rules here do not cover.
 *
 * @param exclude names whose values must not be treated as constants
 *   (the trainable initializers).
 */
export function inferGraphValues(graph: GraphProto, opset: number, exclude: ReadonlySet<string> = new Set()): GraphValues {
  const types = new Map<string, ValueType>();
  const consts = new Map<string, ConstValue>();
  for (const v of graph.input ?? []) {
    const t = valueInfoType(v);
    if (t && v.name) types.set(v.name, t);
  }
  for (const init of graph.initializer ?? []) {
    if (!init.name) continue;
    types.set(init.name, { elemType: init.dataType ?? 0, dims: tensorDims(init) });
    if (!exclude.has(init.name)) {
      const c = constOfTensor(init);
      if (c) consts.set(init.name, c);
    }
  }
  const hints = new Map<string, ValueType>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const t = valueInfoType(v);
    if (t && v.name) hints.set(v.name, t);
  }
  const env: InferEnv = {
    opset,
    type: (name) => (name ? types.get(name) : undefined),
    constant: (name) => (name ? consts.get(name) : undefined),
  };
  for (const node of graph.node ?? []) {
    let result: InferResult = {};
    try {
      result = inferNode(node, env);
    } catch {
      // A rule that cannot make sense of a node leaves its outputs unknown.
      result = {};
    }
    const outs = node.output ?? [];
    outs.forEach((name, i) => {
      if (!name) return;
      const inferred = result.types?.[i];
      const hint = hints.get(name);
      types.set(name, mergeTypes(inferred, hint));
      const c = result.consts?.[i];
      if (c && c.data.length <= MAX_TRACKED_CONSTANT) consts.set(name, c);
    });
  }
  return { types, consts };
}

function mergeTypes(inferred: ValueType | undefined, hint: ValueType | undefined): ValueType {
  if (inferred === undefined) return hint ?? { elemType: 0, dims: null };
  if (hint === undefined) return inferred;
  const elemType = inferred.elemType || hint.elemType;
  if (inferred.dims === null) return { elemType, dims: hint.dims };
  if (hint.dims === null || hint.dims.length !== inferred.dims.length) return { elemType, dims: inferred.dims };
  return { elemType, dims: inferred.dims.map((d, i) => (typeof d === 'number' ? d : (hint.dims![i] ?? d))) };
}

interface InferEnv {
  opset: number;
  type(name: string | undefined): ValueType | undefined;
  constant(name: string | undefined): ConstValue | undefined;
}

interface InferResult {
  types?: (ValueType | undefined)[];
  consts?: (ConstValue | undefined)[];
}

const SAME_SHAPE = new Set([
  'Identity', 'Neg', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Sqrt', 'Abs', 'Erf', 'Softmax',
  'LogSoftmax', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Elu', 'Selu', 'Softplus', 'Softsign',
  'HardSigmoid', 'Gelu', 'Clip', 'Sin', 'Cos', 'Not', 'IsNaN', 'IsInf', 'CumSum', 'HardSwish', 'Mish',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'PRelu', 'Mod']);
const COMPARE = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);
const BOOL_OUT = new Set(['Not', 'IsNaN', 'IsInf']);

function elemOf(env: InferEnv, name: string | undefined): number {
  return env.type(name)?.elemType ?? 0;
}

function dimsOf(env: InferEnv, name: string | undefined): Dim[] | null {
  return env.type(name)?.dims ?? null;
}

/** Axes given as an attribute (older opsets) or as a constant input (newer ones). */
function axesOf(node: NodeProto, env: InferEnv, inputIndex: number): number[] | undefined | 'dynamic' {
  const attr = intsAttr(node, 'axes');
  if (attr !== undefined) return attr;
  const name = node.input?.[inputIndex];
  if (!name) return undefined;
  const c = env.constant(name);
  return c === undefined ? 'dynamic' : c.data;
}

function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function elementwise(op: string, a: ConstValue[], elemType: number): ConstValue | undefined {
  if (a.length === 0) return undefined;
  const dims = broadcastDims(a.map((x) => x.dims));
  const size = staticSize(dims);
  if (dims === null || size === null) return undefined;
  const at = (x: ConstValue, flat: number): number => {
    // index into x under broadcasting
    let idx = 0;
    let stride = 1;
    let rest = flat;
    const coords: number[] = [];
    for (let k = dims.length - 1; k >= 0; k--) {
      const d = dims[k] as number;
      coords[k] = rest % d;
      rest = Math.floor(rest / d);
    }
    for (let k = x.dims.length - 1; k >= 0; k--) {
      const c = coords[k + dims.length - x.dims.length]!;
      idx += (x.dims[k] === 1 ? 0 : c) * stride;
      stride *= x.dims[k]!;
    }
    return x.data[idx]!;
  };
  const isInt = elemType === DataType.INT64 || elemType === DataType.INT32;
  const data: number[] = [];
  for (let i = 0; i < size; i++) {
    const v = a.map((x) => at(x, i));
    let r: number;
    switch (op) {
      case 'Add': r = v[0]! + v[1]!; break;
      case 'Sub': r = v[0]! - v[1]!; break;
      case 'Mul': r = v[0]! * v[1]!; break;
      case 'Div': r = isInt ? Math.trunc(v[0]! / v[1]!) : v[0]! / v[1]!; break;
      case 'Neg': r = -v[0]!; break;
      case 'Equal': r = v[0] === v[1] ? 1 : 0; break;
      default: return undefined;
    }
    data.push(r);
  }
  return { dims: dims as number[], data };
}

/** Type, shape and (for small constants) values of one node's outputs. */
function inferNode(node: NodeProto, env: InferEnv): InferResult {
  const op = node.opType ?? '';
  const domain = node.domain ?? '';
  if (domain !== '' && domain !== 'ai.onnx') return {};
  const ins = node.input ?? [];
  const x = ins[0];
  const xType = elemOf(env, x);
  const xDims = dimsOf(env, x);
  const one = (elemType: number, dims: Dim[] | null, c?: ConstValue): InferResult => ({ types: [{ elemType, dims }], consts: [c] });

  if (SAME_SHAPE.has(op)) {
    const c = env.constant(x);
    return one(BOOL_OUT.has(op) ? DataType.BOOL : xType, xDims, op === 'Identity' ? c : op === 'Neg' && c ? elementwise('Neg', [c], xType) : undefined);
  }
  if (BROADCAST.has(op) || COMPARE.has(op)) {
    const shapes = ins.filter((n) => n).map((n) => dimsOf(env, n));
    const consts = ins.map((n) => env.constant(n));
    const elemType = COMPARE.has(op) ? DataType.BOOL : xType;
    const c = consts.every((k) => k !== undefined) ? elementwise(op, consts as ConstValue[], xType) : undefined;
    return one(elemType, broadcastDims(shapes), c);
  }
  switch (op) {
    case 'Constant': {
      const t = findAttribute(node, 'value')?.t;
      if (t) {
        const dims = tensorDims(t);
        return one(t.dataType ?? 0, dims, staticSize(dims)! <= MAX_TRACKED_CONSTANT ? constOfTensor(t) : undefined);
      }
      const vi = findAttribute(node, 'value_int');
      if (vi) return one(DataType.INT64, [], { dims: [], data: [Number(vi.i ?? 0)] });
      const vis = findAttribute(node, 'value_ints');
      if (vis) {
        const data = (vis.ints ?? []).map(Number);
        return one(DataType.INT64, [data.length], { dims: [data.length], data });
      }
      const vf = findAttribute(node, 'value_float');
      if (vf) return one(DataType.FLOAT, [], { dims: [], data: [vf.f ?? 0] });
      const vfs = findAttribute(node, 'value_floats');
      if (vfs) {
        const data = vfs.floats ?? [];
        return one(DataType.FLOAT, [data.length], { dims: [data.length], data });
      }
      return {};
    }
    case 'Cast': {
      const to = intAttr(node, 'to', 0);
      const c = env.constant(x);
      const isInt = to === DataType.INT64 || to === DataType.INT32;
      return one(to, xDims, c ? { dims: c.dims, data: isInt ? c.data.map(Math.trunc) : c.data } : undefined);
    }
    case 'CastLike':
      return one(elemOf(env, ins[1]), xDims);
    case 'Shape': {
      const rank = xDims?.length;
      if (rank === undefined) return one(DataType.INT64, [null]);
      let start = intAttr(node, 'start', 0);
      let end = intAttr(node, 'end', rank);
      start = Math.min(Math.max(norm(start, rank), 0), rank);
      end = Math.min(Math.max(norm(end, rank), 0), rank);
      const dims = xDims!.slice(start, Math.max(start, end));
      const known = staticDims(dims);
      return one(DataType.INT64, [dims.length], known ? { dims: [known.length], data: known } : undefined);
    }
    case 'Size': {
      const n = staticSize(xDims);
      return one(DataType.INT64, [], n === null ? undefined : { dims: [], data: [n] });
    }
    case 'ConstantOfShape': {
      const c = env.constant(x);
      const t = findAttribute(node, 'value')?.t;
      const elemType = t?.dataType ?? DataType.FLOAT;
      if (c) {
        const value = t ? (readNumbers(t)?.[0] ?? 0) : 0;
        const size = c.data.reduce((a, b) => a * b, 1);
        return one(elemType, c.data, size <= MAX_TRACKED_CONSTANT ? { dims: c.data, data: new Array<number>(size).fill(value) } : undefined);
      }
      const len = dimsOf(env, x)?.[0];
      return one(elemType, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null);
    }
    case 'Range': {
      const [s, l, d] = ins.map((n) => env.constant(n)?.data[0]);
      if (s !== undefined && l !== undefined && d !== undefined && d !== 0) {
        const n = Math.max(Math.ceil((l - s) / d), 0);
        const data = Array.from({ length: n }, (_, i) => s + i * d);
        return one(xType, [n], n <= MAX_TRACKED_CONSTANT ? { dims: [n], data } : undefined);
      }
      return one(xType, [null]);
    }
    case 'Gemm': {
      const a = dimsOf(env, ins[0]);
      const b = dimsOf(env, ins[1]);
      const m = a ? (intAttr(node, 'transA', 0) ? a[1] : a[0]) : null;
      const n = b ? (intAttr(node, 'transB', 0) ? b[0] : b[1]) : null;
      return one(xType, [m ?? null, n ?? null]);
    }
    case 'MatMul':
      return one(xType, matmulDims(dimsOf(env, ins[0]), dimsOf(env, ins[1])));
    case 'Reshape': {
      const c = env.constant(ins[1]);
      if (c) return one(xType, reshapeDims(xDims, c.data, intAttr(node, 'allowzero', 0) === 1), reshapeConst(env.constant(x), c.data));
      const len = dimsOf(env, ins[1])?.[0];
      return one(xType, typeof len === 'number' ? new Array<Dim>(len).fill(null) : null);
    }
    case 'Flatten': {
      if (xDims === null) return one(xType, [null, null]);
      const axis = norm(intAttr(node, 'axis', 1), xDims.length);
      return one(xType, [staticSize(xDims.slice(0, axis)), staticSize(xDims.slice(axis))]);
    }
    case 'Transpose': {
      if (xDims === null) return one(xType, null);
      const perm = intsAttr(node, 'perm') ?? xDims.map((_, i) => xDims.length - 1 - i);
      return one(xType, perm.map((p) => xDims[p] ?? null));
    }
    case 'Unsqueeze': {
      const axes = axesOf(node, env, 1);
      const c = env.constant(x);
      if (xDims === null || axes === undefined || axes === 'dynamic') return one(xType, null);
      const rank = xDims.length + axes.length;
      const set = new Set(axes.map((a) => norm(a, rank)));
      const out: Dim[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : (xDims[k++] ?? null));
      return one(xType, out, c ? { dims: out as number[], data: c.data } : undefined);
    }
    case 'Squeeze': {
      const axes = axesOf(node, env, 1);
      const c = env.constant(x);
      if (xDims === null || axes === 'dynamic') return one(xType, null);
      if (axes === undefined) {
        if (xDims.some((d) => typeof d !== 'number')) return one(xType, null);
        const out = xDims.filter((d) => d !== 1);
        return one(xType, out, c ? { dims: out as number[], data: c.data } : undefined);
      }
      const set = new Set(axes.map((a) => norm(a, xDims.length)));
      const out = xDims.filter((_, i) => !set.has(i));
      return one(xType, out, c ? { dims: out as number[], data: c.data } : undefined);
    }
    case 'Concat': {
      const shapes = ins.filter((n) => n).map((n) => dimsOf(env, n));
      const first = shapes.find((s) => s !== null);
      if (!first) return one(xType, null);
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
      const consts = ins.filter((n) => n).map((n) => env.constant(n));
      const c = rank === 1 && consts.every((k) => k !== undefined) ? { dims: [consts.reduce((a, k) => a + k!.data.length, 0)], data: consts.flatMap((k) => k!.data) } : undefined;
      return one(xType, out, c);
    }
    case 'Gather': {
      const idx = dimsOf(env, ins[1]);
      if (xDims === null || idx === null) return one(xType, null);
      const axis = norm(intAttr(node, 'axis', 0), xDims.length);
      const out = [...xDims.slice(0, axis), ...idx, ...xDims.slice(axis + 1)];
      const cx = env.constant(x);
      const ci = env.constant(ins[1]);
      let c: ConstValue | undefined;
      if (cx && ci && cx.dims.length === 1) {
        const n = cx.data.length;
        c = { dims: out as number[], data: ci.data.map((i) => cx.data[i < 0 ? i + n : i]!) };
      }
      return one(xType, out, c);
    }
    case 'Slice': {
      if (xDims === null) return one(xType, null);
      const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => env.constant(ins[i])?.data);
      if (!starts || !ends || (ins[3] && !axes) || (ins[4] && !steps)) return one(xType, xDims.map(() => null));
      const out: Dim[] = [...xDims];
      const axisList = axes ?? starts.map((_, i) => i);
      let c = env.constant(x);
      axisList.forEach((a0, k) => {
        const a = norm(a0, xDims.length);
        const d = xDims[a];
        const step = steps?.[k] ?? 1;
        if (typeof d !== 'number' || step === 0) {
          out[a] = null;
          c = undefined;
          return;
        }
        const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
        let s = starts[k]!;
        let e = ends[k]!;
        s = s < 0 ? s + d : s;
        e = e < 0 ? e + d : e;
        s = step > 0 ? clamp(s, 0, d) : clamp(s, 0, d - 1);
        e = step > 0 ? clamp(e, 0, d) : clamp(e, -1, d - 1);
        const len = Math.max(0, Math.ceil((e - s) / step));
        out[a] = len;
        if (c && xDims.length === 1) c = { dims: [len], data: Array.from({ length: len }, (_, i) => c!.data[s + i * step]!) };
      });
      return one(xType, out, xDims.length === 1 ? c : undefined);
    }
    case 'Expand': {
      const c = env.constant(ins[1]);
      if (c) return one(xType, broadcastDims([xDims, c.data]));
      const len = dimsOf(env, ins[1])?.[0];
      if (xDims === null || typeof len !== 'number') return one(xType, null);
      return one(xType, new Array<Dim>(Math.max(len, xDims.length)).fill(null));
    }
    case 'Where':
      return one(elemOf(env, ins[1]), broadcastDims(ins.map((n) => dimsOf(env, n))));
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL2':
    case 'ReduceSumSquare':
    case 'ReduceLogSumExp': {
      const inputAxes = op === 'ReduceSum' ? env.opset >= 13 : env.opset >= 18;
      const axes = inputAxes ? axesOf({ ...node, attribute: [] }, env, 1) : intsAttr(node, 'axes');
      return one(xType, reduceDims(xDims, axes, intAttr(node, 'keepdims', 1) === 1, intAttr(node, 'noop_with_empty_axes', 0) === 1));
    }
    case 'ArgMax':
    case 'ArgMin': {
      if (xDims === null) return one(DataType.INT64, null);
      const axis = norm(intAttr(node, 'axis', 0), xDims.length);
      const keep = intAttr(node, 'keepdims', 1) === 1;
      return one(DataType.INT64, keep ? xDims.map((d, i) => (i === axis ? 1 : d)) : xDims.filter((_, i) => i !== axis));
    }
    case 'Dropout':
      return { types: [{ elemType: xType, dims: xDims }, { elemType: DataType.BOOL, dims: xDims }] };
    case 'SoftmaxCrossEntropyLoss':
    case 'NegativeLogLikelihoodLoss': {
      const reduction = stringAttr(node, 'reduction', 'mean');
      const labels = dimsOf(env, ins[1]);
      return { types: [{ elemType: xType, dims: reduction === 'none' ? labels : [] }, { elemType: xType, dims: xDims }] };
    }
    case 'Conv':
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool':
      return poolOrConv(node, env, op);
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return one(xType, xDims === null ? null : xDims.map((d, i) => (i < 2 ? d : 1)));
    case 'Split': {
      if (xDims === null) return { types: (node.output ?? []).map(() => ({ elemType: xType, dims: null })) };
      const axis = norm(intAttr(node, 'axis', 0), xDims.length);
      const sizes = env.opset >= 13 ? env.constant(ins[1])?.data : intsAttr(node, 'split');
      return {
        types: (node.output ?? []).map((_, i) => ({ elemType: xType, dims: xDims.map((d, k) => (k === axis ? (sizes?.[i] ?? null) : d)) })),
      };
    }
    case 'NonZero':
      return one(DataType.INT64, [xDims?.length ?? null, null]);
    case 'OneHot': {
      const idx = xDims;
      const depth = env.constant(ins[1])?.data[0] ?? null;
      if (idx === null) return one(elemOf(env, ins[2]), null);
      const rank = idx.length + 1;
      const axis = norm(intAttr(node, 'axis', -1), rank);
      const out = [...idx];
      out.splice(axis, 0, depth);
      return one(elemOf(env, ins[2]), out);
    }
    case 'ScatterND':
    case 'ScatterElements':
      return one(xType, xDims);
    case 'Tile': {
      const reps = env.constant(ins[1])?.data;
      if (xDims === null) return one(xType, null);
      return one(xType, xDims.map((d, i) => (reps && typeof d === 'number' ? d * reps[i]! : null)));
    }
    default:
      return {};
  }
}

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

function reshapeConst(c: ConstValue | undefined, shape: number[]): ConstValue | undefined {
  if (!c) return undefined;
  const dims = reshapeDims(c.dims, shape, false);
  const known = staticDims(dims);
  return known ? { dims: known, data: c.data } : undefined;
}

function reduceDims(x: Dim[] | null, axes: number[] | undefined | 'dynamic', keep: boolean, noop: boolean): Dim[] | null {
  if (x === null) return null;
  if (axes === 'dynamic') return keep ? x.map(() => null) : null;
  if (axes === undefined || axes.length === 0) {
    if (noop) return x;
    return keep ? x.map(() => 1) : [];
  }
  const set = new Set(axes.map((a) => norm(a, x.length)));
  return keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i));
}

/** Output size of one spatial axis of Conv/pooling, when everything is known. */
function spatialOut(
  size: Dim,
  kernel: number,
  stride: number,
  dilation: number,
  padTotal: number,
  autoPad: string,
  ceil: boolean,
): Dim {
  if (typeof size !== 'number') return null;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
  const span = (kernel - 1) * dilation + 1;
  const pads = autoPad === 'VALID' ? 0 : padTotal;
  const q = (size + pads - span) / stride;
  return (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
}

function poolOrConv(node: NodeProto, env: InferEnv, op: string): InferResult {
  const ins = node.input ?? [];
  const xType = elemOf(env, ins[0]);
  const x = dimsOf(env, ins[0]);
  const w = op === 'Conv' ? dimsOf(env, ins[1]) : null;
  const spatialRank = x !== null ? x.length - 2 : w !== null ? w.length - 2 : null;
  if (spatialRank === null) return { types: [{ elemType: xType, dims: null }, { elemType: DataType.INT64, dims: null }] };
  const kernel = intsAttr(node, 'kernel_shape') ?? (w ? w.slice(2).map((d) => (typeof d === 'number' ? d : NaN)) : []);
  const strides = intsAttr(node, 'strides') ?? new Array<number>(spatialRank).fill(1);
  const dil = intsAttr(node, 'dilations') ?? new Array<number>(spatialRank).fill(1);
  const pads = intsAttr(node, 'pads') ?? new Array<number>(2 * spatialRank).fill(0);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  const ceil = intAttr(node, 'ceil_mode', 0) === 1;
  const out: Dim[] = [x?.[0] ?? null, op === 'Conv' ? (w?.[0] ?? null) : (x?.[1] ?? null)];
  for (let i = 0; i < spatialRank; i++) {
    const k = kernel[i];
    out.push(k === undefined || Number.isNaN(k) ? null : spatialOut(x?.[i + 2] ?? null, k, strides[i]!, dil[i]!, pads[i]! + pads[i + spatialRank]!, autoPad, ceil));
  }
  return { types: [{ elemType: xType, dims: out }, { elemType: DataType.INT64, dims: out }] };
}
