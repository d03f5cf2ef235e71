import { readNumbers, tensorDims } from '../proto/tensor.js';
import type { GraphProto, NodeProto, TensorProto, ValueInfoProto } from '../proto/types.js';
import { MAX_TRACKED_CONSTANT, staticSize, type ConstValue, type Dim, type ValueType } from './values.js';

/** Static knowledge about every value of a graph. */
export interface GraphValues {
  types: Map<string, ValueType>;
  consts: Map<string, ConstValue>;
}

/** What an inference rule can ask about a node's inputs. */
export interface InferEnv {
  /** The model's default-domain opset. */
  opset: number;
  type(name: string | undefined): ValueType | undefined;
  constant(name: string | undefined): ConstValue | undefined;
  /** The types of a subgraph's outputs (a Loop body), which sees the values known here. */
  subgraph?(graph: GraphProto): (ValueType | undefined)[];
}

/** Types and (for small constants) values of a node's outputs, by output index. */
export interface InferResult {
  types?: (ValueType | undefined)[];
  consts?: (ConstValue | undefined)[];
}

/** How one operator's outputs follow from its inputs. */
export type InferRule = (node: NodeProto, env: InferEnv) => InferResult;

/** The inference rules by operator type (the operator registry satisfies this). */
export type InferRules = ReadonlyMap<string, { readonly infer?: InferRule }>;

/** The type and shape written in a ValueInfoProto. */
export function valueInfoType(v: ValueInfoProto): ValueType | undefined {
  const t = v.type?.tensorType;
  if (t === undefined) return undefined;
  const dims: Dim[] | null =
    t.shape === undefined ? null : (t.shape.dim ?? []).map((d) => (d.dimValue !== undefined ? Number(d.dimValue) : d.dimParam ? d.dimParam : null));
  return { elemType: t.elemType ?? 0, dims };
}

/** The values of a tensor small enough to be tracked as a constant. */
export function constOfTensor(t: TensorProto): ConstValue | undefined {
  const dims = tensorDims(t);
  if (staticSize(dims)! > MAX_TRACKED_CONSTANT) return undefined;
  const data = readNumbers(t);
  return data === undefined ? undefined : { dims, data };
}

/**
 * Propagates element types, shapes and small constant values through the
 * graph, in node order, with each operator's own inference rule. Values it
 * cannot work out stay unknown; the model's own `value_info` fills what the
 * rules do not cover.
 *
 * @param rules inference rules by default-domain operator type.
 * @param exclude names whose values must not be treated as constants
 *   (the trainable initializers).
 * @param outer for a subgraph, what is known about the enclosing graph's
 *   values, which the subgraph may read.
 */
export function inferGraphValues(
  graph: GraphProto,
  opset: number,
  rules: InferRules,
  exclude: ReadonlySet<string> = new Set(),
  outer?: GraphValues,
): GraphValues {
  const types = new Map<string, ValueType>(outer?.types);
  const consts = new Map<string, ConstValue>(outer?.consts);
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
    subgraph(g) {
      const inner = inferGraphValues(g, opset, rules, exclude, { types, consts });
      return (g.output ?? []).map((o) => inner.types.get(o.name ?? ''));
    },
  };
  for (const node of graph.node ?? []) {
    const result = inferNode(node, env, rules);
    const outs = node.output ?? [];
    outs.forEach((name, i) => {
      if (!name) return;
      types.set(name, mergeTypes(result.types?.[i], hints.get(name)));
      const c = result.consts?.[i];
      if (c && c.data.length <= MAX_TRACKED_CONSTANT) consts.set(name, c);
    });
  }
  return { types, consts };
}

/** One node's outputs by its operator's rule; nothing for other domains, unknown operators or a rule that cannot make sense of the node. */
export function inferNode(node: NodeProto, env: InferEnv, rules: InferRules): InferResult {
  const domain = node.domain ?? '';
  if (domain !== '' && domain !== 'ai.onnx') return {};
  const rule = rules.get(node.opType ?? '')?.infer;
  if (rule === undefined) return {};
  try {
    return rule(node, env);
  } catch {
    return {};
  }
}

function mergeTypes(inferred: ValueType | undefined, hint: ValueType | undefined): ValueType {
  if (inferred === undefined) return hint ?? { elemType: 0, dims: null };
  if (hint === undefined) return inferred;
  const elemType = inferred.elemType || hint.elemType;
  if (inferred.dims === null) return { elemType, dims: hint.dims };
  if (hint.dims === null || hint.dims.length !== inferred.dims.length) return { elemType, dims: inferred.dims };
  return { elemType, dims: inferred.dims.map((d, i) => (typeof d === 'number' ? d : (hint.dims![i] ?? d))) };
}
