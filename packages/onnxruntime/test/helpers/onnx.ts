import { mulberry32 } from '@adamw/test-utils/random';
import { makeAttribute, type AttributeValue } from '../../src/proto/attributes.js';
import { encodeModel } from '../../src/proto/codec.js';
import { makeTensor } from '../../src/proto/tensor.js';
import { DataType, type NodeProto, type ValueInfoProto } from '../../src/proto/types.js';

/** Element types by the names the tests use. */
export const T = { float32: DataType.FLOAT, float64: DataType.DOUBLE, int64: DataType.INT64, int32: DataType.INT32, bool: DataType.BOOL } as const;
export type TypeName = keyof typeof T;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
  name?: string;
  domain?: string;
}

export interface ValueSpec {
  name: string;
  type: TypeName;
  /** Sizes, symbolic names, or null for an unknown axis; omit for an unknown rank. */
  dims?: (number | string | null)[];
}

export interface InitSpec {
  name: string;
  type: TypeName;
  dims: number[];
  values: ArrayLike<number>;
}

export interface ModelSpec {
  nodes: NodeSpec[];
  inputs?: ValueSpec[];
  initializers?: InitSpec[];
  outputs: ValueSpec[];
  opset?: number;
  irVersion?: number;
}

function valueInfo(v: ValueSpec): ValueInfoProto {
  const tensorType: { elemType: number; shape?: { dim: object[] } } = { elemType: T[v.type] };
  if (v.dims !== undefined) {
    tensorType.shape = { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  }
  return { name: v.name, type: { tensorType } } as ValueInfoProto;
}

/** Writes a small ONNX model from a compact description. */
export function makeModel(spec: ModelSpec): Uint8Array {
  const opset = spec.opset ?? 17;
  const node: NodeProto[] = spec.nodes.map((n, i) => ({
    input: n.inputs,
    output: n.outputs,
    name: n.name ?? `${n.op}_${i}`,
    opType: n.op,
    ...(n.domain ? { domain: n.domain } : {}),
    attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => makeAttribute(k, v)),
  }));
  return encodeModel({
    irVersion: spec.irVersion ?? (opset >= 15 ? 8 : 7),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'adamw-onnxruntime-tests',
    graph: {
      name: 'test',
      node,
      input: (spec.inputs ?? []).map(valueInfo),
      initializer: (spec.initializers ?? []).map((i) => makeTensor(i.name, T[i.type], i.dims, i.values)),
      output: spec.outputs.map(valueInfo),
    },
  });
}

/** A seeded generator of uniform numbers in [lo, hi) (mulberry32). */
export function random(seed: number): (lo?: number, hi?: number) => number {
  const next = mulberry32(seed);
  return (lo = -1, hi = 1) => lo + (hi - lo) * next();
}

/** n random values in [lo, hi). */
export function randoms(rand: (lo?: number, hi?: number) => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => rand(lo, hi));
}

export function size(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
