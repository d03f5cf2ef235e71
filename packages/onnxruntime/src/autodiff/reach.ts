import type { GraphValues } from '../graph/infer.js';
import { DataType, type GraphProto, type NodeProto } from '../proto/types.js';
import type { OperatorRule } from './operator.js';

/** Element types a gradient can flow through (parameters themselves are FLOAT or DOUBLE). */
const DIFFERENTIABLE_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

/** The registry's rule for a node, or undefined for other domains and unknown operators. */
export function ruleOf(rules: ReadonlyMap<string, OperatorRule>, node: NodeProto): OperatorRule | undefined {
  const domain = node.domain ?? '';
  if (domain !== '' && domain !== 'ai.onnx') return undefined;
  return rules.get(node.opType ?? '');
}

/** Which values depend on the sources, and which nodes lie between them and the loss, through differentiable inputs. */
export interface Reach {
  /** Values computed (differentiably) from a source. */
  tracked: Set<string>;
  /** Values the loss depends on differentiably, among the tracked ones. */
  needed: Set<string>;
  /** Nodes with a tracked differentiable input and a needed output, in reverse order. */
  active: NodeProto[];
}

function subgraphsOf(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const a of node.attribute ?? []) {
    if (a.g) out.push(a.g);
    if (a.graphs) out.push(...a.graphs);
  }
  return out;
}

/**
 * Names a node reads from the enclosing graph inside its subgraphs (the
 * bodies of If, Loop, Scan): they are inputs too, only implicit ones.
 */
export function implicitInputs(node: NodeProto): string[] {
  const out: string[] = [];
  const visit = (graphs: readonly GraphProto[]): void => {
    for (const g of graphs) {
      for (const n of g.node ?? []) {
        for (const i of n.input ?? []) if (i) out.push(i);
        visit(subgraphsOf(n));
      }
    }
  };
  visit(subgraphsOf(node));
  return out;
}

/**
 * The values from which a gradient may flow into the node's outputs: the
 * rule's differentiable inputs, none for an operator that never carries a
 * gradient, and for an operator without a gradient rule every input,
 * implicit ones included (so it is reported when it lies on the path).
 */
export function flowingInputs(rule: OperatorRule | undefined, node: NodeProto): string[] {
  if (rule?.kind === 'differentiable') {
    const explicit = rule.differentiable(node).map((i) => node.input?.[i] ?? '');
    return rule.implicitDifferentiable ? [...explicit, ...rule.implicitDifferentiable(node)] : explicit;
  }
  if (rule?.kind === 'no-gradient') return [];
  return [...(node.input ?? []), ...implicitInputs(node)];
}

export function reachability(
  rules: ReadonlyMap<string, OperatorRule>,
  nodes: readonly NodeProto[],
  values: GraphValues,
  sources: ReadonlySet<string>,
  targets: string | ReadonlySet<string>,
): Reach {
  const tracked = new Set<string>(sources);
  for (const node of nodes) {
    const rule = ruleOf(rules, node);
    if (flowingInputs(rule, node).some((name) => tracked.has(name))) {
      for (const o of node.output ?? []) {
        const t = values.types.get(o)?.elemType ?? 0;
        // Integer and boolean outputs (a mask, indices) carry no gradient, unless the operator is unknown.
        if (o && (t === 0 || DIFFERENTIABLE_TYPES.has(t) || rule?.kind !== 'differentiable')) tracked.add(o);
      }
    }
  }
  const needed = new Set<string>(typeof targets === 'string' ? [targets] : targets);
  const active: NodeProto[] = [];
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]!;
    if (!(node.output ?? []).some((o) => needed.has(o) && tracked.has(o))) continue;
    const inputs = flowingInputs(ruleOf(rules, node), node).filter((name) => tracked.has(name));
    if (inputs.length === 0) continue;
    for (const name of inputs) needed.add(name);
    active.push(node);
  }
  return { tracked, needed, active };
}
