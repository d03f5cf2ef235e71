import { intsAttr } from '../proto/attributes.js';
import { DataType, type NodeProto } from '../proto/types.js';
import type { InferEnv, InferResult, InferRule } from './infer.js';
import { broadcastDims, staticSize, type ConstValue, type Dim } from './values.js';

/**
 * Building blocks of the operators' inference rules: reading the inputs,
 * the common output shapes, and folding small constants (shape vectors,
 * masks, axes) so the gradient rules can use their values.
 */

export function elemOf(env: InferEnv, name: string | undefined): number {
  return env.type(name)?.elemType ?? 0;
}

export function dimsOf(env: InferEnv, name: string | undefined): Dim[] | null {
  return env.type(name)?.dims ?? null;
}

/** A result with one output. */
export function single(elemType: number, dims: Dim[] | null, c?: ConstValue): InferResult {
  return { types: [{ elemType, dims }], consts: [c] };
}

/** A possibly negative axis made non-negative (unchecked). */
export function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Axes given as an attribute (older opsets) or as a constant input (newer ones); 'dynamic' when the input is not a known constant. */
export function axesOf(node: NodeProto, env: InferEnv, inputIndex: number): number[] | undefined | 'dynamic' {
  const attr = intsAttr(node, 'axes');
  if (attr !== undefined) return attr;
  const name = node.input?.[inputIndex];
  if (!name) return undefined;
  const c = env.constant(name);
  return c === undefined ? 'dynamic' : c.data;
}

function isIntegral(elemType: number): boolean {
  return elemType === DataType.INT64 || elemType === DataType.INT32 || elemType === DataType.INT16 || elemType === DataType.INT8;
}

/**
 * Evaluates an elementwise function of constants under numpy broadcasting;
 * undefined when a shape is not static.
 */
export function foldElementwise(inputs: readonly ConstValue[], f: (values: number[]) => number): ConstValue | undefined {
  if (inputs.length === 0) return undefined;
  const dims = broadcastDims(inputs.map((x) => x.dims));
  const size = staticSize(dims);
  if (dims === null || size === null) return undefined;
  const shape = dims as number[];
  const at = (x: ConstValue, flat: number): number => {
    let idx = 0;
    let stride = 1;
    let rest = flat;
    const coords: number[] = [];
    for (let k = shape.length - 1; k >= 0; k--) {
      coords[k] = rest % shape[k]!;
      rest = Math.floor(rest / shape[k]!);
    }
    for (let k = x.dims.length - 1; k >= 0; k--) {
      const c = coords[k + shape.length - x.dims.length]!;
      idx += (x.dims[k] === 1 ? 0 : c) * stride;
      stride *= x.dims[k]!;
    }
    return x.data[idx]!;
  };
  const data: number[] = [];
  for (let i = 0; i < size; i++) data.push(f(inputs.map((x) => at(x, i))));
  return { dims: shape, data };
}

/** Inference of an operator whose output has its first input's type and shape; `fold` evaluates a constant input. */
export function sameShape(fold?: (v: number, elemType: number) => number): InferRule {
  return (node, env) => {
    const x = node.input?.[0];
    const t = elemOf(env, x);
    const c = env.constant(x);
    return single(t, dimsOf(env, x), c && fold ? foldElementwise([c], ([v]) => fold(v!, t)) : undefined);
  };
}

/** Inference of a multidirectionally broadcasting operator (of the first input's type, or BOOL); `fold` evaluates constant inputs. */
export function broadcasting(fold?: (v: number[], elemType: number) => number, bool = false): InferRule {
  return (node, env) => {
    const ins = (node.input ?? []).filter((n) => n);
    const t = elemOf(env, ins[0]);
    const consts = ins.map((n) => env.constant(n));
    const c = fold && consts.every((k) => k !== undefined) ? foldElementwise(consts as ConstValue[], (v) => fold(v, t)) : undefined;
    return single(bool ? DataType.BOOL : t, broadcastDims(ins.map((n) => dimsOf(env, n))), c);
  };
}

/** Integer-aware division of constants, as ONNX's Div computes it. */
export function divide(a: number, b: number, elemType: number): number {
  return isIntegral(elemType) ? Math.trunc(a / b) : a / b;
}

/** The output shape of a reduction over `axes` ('dynamic': unknown axes). */
export function reduceDims(x: Dim[] | null, axes: number[] | undefined | 'dynamic', keep: boolean, noop: boolean): Dim[] | null {
  if (x === null) return null;
  if (axes === 'dynamic') return keep ? x.map(() => null) : null;
  if (axes === undefined || axes.length === 0) {
    if (noop) return x;
    return keep ? x.map(() => 1) : [];
  }
  const set = new Set(axes.map((a) => norm(a, x.length)));
  return keep ? x.map((d, i) => (set.has(i) ? 1 : d)) : x.filter((_, i) => !set.has(i));
}

/**
 * A constant rearranged: element k of the result (row major, `dims`) is
 * element `source(coordinates of k)` (a flat index) of `c`.
 */
export function rearranged(c: ConstValue, dims: readonly number[], source: (coords: readonly number[]) => number): ConstValue {
  const n = dims.reduce((a, b) => a * b, 1);
  const coords = new Array<number>(dims.length).fill(0);
  const data: number[] = [];
  for (let k = 0; k < n; k++) {
    let rest = k;
    for (let i = dims.length - 1; i >= 0; i--) {
      coords[i] = rest % dims[i]!;
      rest = Math.floor(rest / dims[i]!);
    }
    data.push(c.data[source(coords)]!);
  }
  return { dims: [...dims], data };
}

/** Row-major strides of a shape. */
export function stridesOf(dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1]! * dims[i + 1]!;
  return out;
}
