import { makeAttribute, type AttributeValue } from '../proto/attributes.js';
import { makeTensor } from '../proto/tensor.js';
import { DataType, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto/types.js';
import type { Dim } from './values.js';

/** A ValueInfoProto for a tensor of `elemType`; `dims` null leaves the shape out. */
export function valueInfo(name: string, elemType: number, dims: readonly Dim[] | null): ValueInfoProto {
  const tensorType: NonNullable<NonNullable<ValueInfoProto['type']>['tensorType']> = { elemType };
  if (dims !== null) {
    tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) };
  }
  return { name, type: { tensorType } };
}

/**
 * Appends nodes and constant initializers to a graph under construction,
 * with names that collide with nothing already in it. Helpers for the
 * operators whose signature changed across opsets (axes as an attribute or
 * as an input) write the form the model's opset expects.
 */
export class GraphEmitter {
  /** The nodes written so far, in order. */
  readonly nodes: NodeProto[] = [];
  /** Constant initializers (of the main graph, shared with every child emitter). */
  readonly initializers: TensorProto[];
  private readonly constants: Map<string, string>;
  private readonly counter: { n: number };
  /** A short label for the forward node whose gradient is being written; used in names. */
  scope = '';

  constructor(
    private readonly used: Set<string>,
    /** The model's default-domain opset. */
    readonly opset: number,
    private readonly prefix = 'grad',
    shared?: { initializers: TensorProto[]; constants: Map<string, string>; counter: { n: number } },
  ) {
    this.initializers = shared?.initializers ?? [];
    this.constants = shared?.constants ?? new Map();
    this.counter = shared?.counter ?? { n: 0 };
  }

  /**
   * An emitter for a subgraph (a Loop body): its own node list, the same
   * names in use, and constants that stay initializers of the main graph,
   * which the subgraph reads from the enclosing scope.
   */
  child(): GraphEmitter {
    const e = new GraphEmitter(this.used, this.opset, this.prefix, { initializers: this.initializers, constants: this.constants, counter: this.counter });
    e.scope = this.scope;
    return e;
  }

  /** A value name not used anywhere in the graph yet. */
  fresh(hint: string): string {
    const base = `${this.prefix}/${this.scope ? `${this.scope}/` : ''}${hint}`;
    let name = base;
    while (this.used.has(name)) name = `${base}_${++this.counter.n}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue | undefined> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType));
    const attribute = Object.entries(attrs)
      .filter((e): e is [string, AttributeValue] => e[1] !== undefined)
      .map(([k, v]) => makeAttribute(k, v));
    const node: NodeProto = { input: [...inputs], output: outs, name: this.fresh(`${opType}_node`), opType };
    if (attribute.length > 0) node.attribute = attribute;
    this.nodes.push(node);
    return outs;
  }

  /** Adds a single-output node; returns the output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue | undefined> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0]!;
  }

  /** A constant tensor, shared with any identical constant emitted before. */
  constant(dataType: number, dims: readonly number[], values: ArrayLike<number>): string {
    const key = `${dataType}|${dims.join(',')}|${Array.from(values).join(',')}`;
    const cached = this.constants.get(key);
    if (cached !== undefined) return cached;
    const name = this.fresh('const');
    this.initializers.push(makeTensor(name, dataType, dims, values));
    this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, indices). */
  ints(values: readonly number[]): string {
    return this.constant(DataType.INT64, [values.length], values);
  }

  /** A scalar of the given element type. */
  scalar(value: number, dataType: number): string {
    return this.constant(dataType, [], [value]);
  }

  // ---- operators whose form depends on the opset (this package needs opset ≥ 13)

  /** ReduceSum over `axes` (a list, or the name of an int64 tensor); an empty list sums everything. */
  reduceSum(x: string, axes: readonly number[] | string, keepdims: boolean, noopWithEmptyAxes = false): string {
    if (typeof axes !== 'string' && axes.length === 0) {
      if (noopWithEmptyAxes) return x;
      return this.op('ReduceSum', [x], { keepdims: keepdims ? 1 : 0 });
    }
    const axesInput = typeof axes === 'string' ? axes : this.ints(axes);
    return this.op('ReduceSum', [x, axesInput], { keepdims: keepdims ? 1 : 0, noop_with_empty_axes: noopWithEmptyAxes ? 1 : undefined });
  }

  /** ReduceMean over constant `axes` (an attribute before opset 18, an input from 18). */
  reduceMean(x: string, axes: readonly number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.op('ReduceMean', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceMean', [x], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: readonly number[] | string): string {
    return this.op('Unsqueeze', [x, typeof axes === 'string' ? axes : this.ints(axes)]);
  }

  squeeze(x: string, axes: readonly number[]): string {
    return this.op('Squeeze', [x, this.ints(axes)]);
  }

  shape(x: string): string {
    return this.op('Shape', [x]);
  }

  reshape(x: string, shape: string | readonly number[]): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }

  transpose(x: string, perm: readonly number[]): string {
    return this.op('Transpose', [x], { perm: [...perm] });
  }

  cast(x: string, to: number): string {
    return this.op('Cast', [x], { to });
  }

  /** x[starts:ends] along `axes`, with the bounds given as lists or int64 tensors. */
  slice(x: string, starts: string | readonly number[], ends: string | readonly number[], axes: readonly number[]): string {
    const t = (v: string | readonly number[]): string => (typeof v === 'string' ? v : this.ints(v));
    return this.op('Slice', [x, t(starts), t(ends), this.ints(axes)]);
  }

  /** Elements `indices` of a 1-D int64 tensor such as a shape. */
  pick(vector: string, indices: readonly number[]): string {
    return this.op('Gather', [vector, this.ints(indices)], { axis: 0 });
  }

  /** The sum of one or more values of the same shape. */
  sum(values: readonly string[]): string {
    if (values.length === 0) throw new Error('sum of no values');
    if (values.length === 1) return values[0]!;
    if (values.length === 2) return this.op('Add', values);
    return this.op('Sum', values);
  }

  /** A tensor of zeros with the shape held by the int64 tensor `shape`. */
  zeros(shape: string, dataType: number): string {
    return this.op('ConstantOfShape', [shape], { value: makeTensor('value', dataType, [1], [0]) });
  }
}
