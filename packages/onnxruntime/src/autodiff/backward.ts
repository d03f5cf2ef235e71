import type { GraphEmitter } from '../graph/emitter.js';
import { inferGraphValues, inferNode, type GraphValues } from '../graph/infer.js';
import type { ValueType } from '../graph/values.js';
import { nodeLabel } from '../proto/attributes.js';
import type { NodeProto } from '../proto/types.js';
import { sumToShape } from './broadcast.js';
import type { BatchStatistics, ForwardContext, GradContext, SubgraphRequest } from './context.js';
import type { DifferentiableOperator } from './operator.js';
import { reachability, ruleOf } from './reach.js';
import { OPERATORS } from './rules/index.js';

/** The gradients reaching each value, as the backward pass is written (summed when read). */
export type GradParts = Map<string, string[]>;

/** What the backward pass of one graph (the model's, or a subgraph's) writes into and reads. */
export interface PassState {
  e: GraphEmitter;
  /** The model's default-domain opset. */
  opset: number;
  values: GraphValues;
  isConstantInitializer(name: string | undefined): boolean;
  requireOpset(version: number): void;
  exposeDropoutMask(mask: string): void;
  exposeBatchStatistics(stats: BatchStatistics): void;
  nextSeed(): number | undefined;
  memo: Map<NodeProto, Map<string, unknown>>;
}

/** Runs `f`, prefixing an error's message with the node's label. */
export function withLabel<T>(node: NodeProto, f: () => T): T {
  const label = nodeLabel(node);
  try {
    return f();
  } catch (err) {
    if (err instanceof Error && !err.message.includes(label)) err.message = `${label}: ${err.message}`;
    throw err;
  }
}

export function forwardContext(state: PassState, node: NodeProto): ForwardContext {
  const { e, values } = state;
  const label = nodeLabel(node);
  const fail = (message: string): never => {
    throw new Error(`${label}: ${message}`);
  };
  const typeOf = (name: string): ValueType => values.types.get(name) ?? { elemType: 0, dims: null };
  const ctx: ForwardContext = {
    node,
    e,
    opset: state.opset,
    input: (i) => node.input?.[i] || undefined,
    output: (i) => node.output?.[i] || fail(`has no output ${i}`),
    type: typeOf,
    elemType(name) {
      const t = typeOf(name).elemType;
      if (t === 0) fail(`the element type of '${name}' is unknown`);
      return t;
    },
    rank: (name) => ctx.dims(name).length,
    dims(name) {
      const d = typeOf(name).dims;
      if (d === null) fail(`the rank of '${name}' is unknown; the gradient needs it (add shape information to the model, e.g. run onnx.shape_inference)`);
      return d!;
    },
    constant: (name) => (name ? values.consts.get(name) : undefined),
    isConstantInitializer: state.isConstantInitializer,
    exposeBatchStatistics: state.exposeBatchStatistics,
    nextSeed: state.nextSeed,
    once<T>(key: string, f: () => T): T {
      let m = state.memo.get(node);
      if (m === undefined) state.memo.set(node, (m = new Map()));
      if (!m.has(key)) m.set(key, f());
      return m.get(key) as T;
    },
    fail,
  };
  return ctx;
}

function add(parts: GradParts, name: string, g: string): void {
  const list = parts.get(name);
  if (list) list.push(g);
  else parts.set(name, [g]);
}

/** The summed gradient of a value, or undefined when none reaches it. */
export function summedGradient(e: GraphEmitter, parts: GradParts, name: string): string | undefined {
  const list = parts.get(name);
  return list === undefined || list.length === 0 ? undefined : e.sum(list);
}

/**
 * Writes the backward pass of the `active` nodes (in reverse order: every
 * consumer before its producer), adding the gradients each rule returns to
 * `gradParts`. A node whose gradient outputs receive nothing is skipped.
 */
export function backwardPass(state: PassState, active: readonly NodeProto[], tracked: ReadonlySet<string>, gradParts: GradParts): void {
  const { e, values } = state;
  for (const node of active) {
    const rule = ruleOf(OPERATORS, node) as DifferentiableOperator;
    const base = forwardContext(state, node);
    const summed = new Map<number, string | undefined>();
    const gradOut = (i: number): string | undefined => {
      if (!summed.has(i)) {
        const name = node.output?.[i];
        summed.set(i, name ? summedGradient(e, gradParts, name) : undefined);
      }
      return summed.get(i);
    };
    e.scope = node.name || `${node.opType}`;
    const outputs = rule.gradientOutputs?.(node) ?? [0];
    if (outputs.every((i) => gradOut(i) === undefined)) continue;
    const diff = new Set(rule.differentiable(node));
    const implicit = new Set(rule.implicitDifferentiable?.(node) ?? []);
    const ctx: GradContext = {
      ...base,
      get g() {
        return gradOut(0) ?? base.fail('internal: output 0 receives no gradient');
      },
      gradOut,
      wants: (i) => diff.has(i) && tracked.has(node.input?.[i] ?? ''),
      wantsValue: (value) => implicit.has(value) && tracked.has(value),
      accumulate(value, g) {
        if (!ctx.wantsValue(value)) base.fail(`internal: '${value}' is not a differentiable implicit input`);
        add(gradParts, value, g);
      },
      forwardOutput(i, hint) {
        if (!rule.extraOutputs?.includes(i)) base.fail(`internal: output ${i} is not one the rule may add`);
        const outs = node.output ?? (node.output = []);
        while (outs.length <= i) outs.push('');
        if (!outs[i]) {
          outs[i] = e.fresh(hint);
          const env = {
            opset: state.opset,
            type: (n?: string) => (n ? values.types.get(n) : undefined),
            constant: (n?: string) => (n ? values.consts.get(n) : undefined),
          };
          values.types.set(outs[i]!, inferNode(node, env, OPERATORS).types?.[i] ?? { elemType: 0, dims: null });
        }
        return outs[i]!;
      },
      exposeDropoutMask: state.exposeDropoutMask,
      requireOpset: state.requireOpset,
      unbroadcast(g, x, y) {
        return sumToShape(e, g, ctx.dims(y), x, ctx.dims(x));
      },
      differentiate: (request) => differentiateSubgraph(state, request),
    };
    const grads = withLabel(node, () => rule.backward(ctx));
    grads.forEach((g, i) => {
      if (g !== undefined && ctx.wants(i)) add(gradParts, node.input![i]!, g);
    });
  }
}

/** The backward pass of a subgraph (a Loop body), written into its own emitter. */
function differentiateSubgraph(outer: PassState, request: SubgraphRequest): Map<string, string | undefined> {
  const e = request.e;
  const values = inferGraphValues({ input: [...request.inputs], node: [...request.nodes] }, outer.opset, OPERATORS, new Set(), outer.values);
  const sources = new Set(request.sources);
  const { tracked, active } = reachability(OPERATORS, request.nodes, values, sources, new Set(request.seeds.keys()));
  const unsupported = active.filter((n) => ruleOf(OPERATORS, n)?.kind !== 'differentiable');
  if (unsupported.length > 0) {
    throw new Error(`no gradient rule for operator ${unsupported.map((n) => `${n.opType} (${nodeLabel(n)})`).join(', ')} inside the subgraph`);
  }
  const inside = (what: string) => (): never => {
    throw new Error(`${what} inside a subgraph is not supported by the gradient`);
  };
  const state: PassState = {
    ...outer,
    e,
    values,
    exposeDropoutMask: inside('a training-mode Dropout'),
    exposeBatchStatistics: inside('a training-mode BatchNormalization'),
  };
  const parts: GradParts = new Map();
  for (const [name, g] of request.seeds) add(parts, name, g);
  backwardPass(state, active, tracked, parts);
  return new Map(request.sources.map((s) => [s, summedGradient(e, parts, s)]));
}
