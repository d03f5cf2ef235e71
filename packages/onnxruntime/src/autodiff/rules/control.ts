import { valueInfo } from '../../graph/emitter.js';
import type { InferRule } from '../../graph/infer.js';
import { findAttribute } from '../../proto/attributes.js';
import { DataType, type GraphProto, type NodeProto, type ValueInfoProto } from '../../proto/types.js';
import type { DifferentiableOperator, OperatorRule } from '../operator.js';

/** Names a subgraph reads that it does not define itself: values of the enclosing graphs. */
function freeVariables(graph: GraphProto): string[] {
  const defined = new Set<string>([...(graph.input ?? []).map((v) => v.name ?? ''), ...(graph.initializer ?? []).map((t) => t.name ?? '')]);
  const free = new Set<string>();
  for (const node of graph.node ?? []) {
    for (const i of node.input ?? []) if (i && !defined.has(i)) free.add(i);
    for (const a of node.attribute ?? []) {
      for (const g of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) for (const v of freeVariables(g)) if (!defined.has(v)) free.add(v);
    }
    for (const o of node.output ?? []) if (o) defined.add(o);
  }
  return [...free];
}

function bodyOf(node: NodeProto): GraphProto | undefined {
  return findAttribute(node, 'body')?.g;
}

/** Loop: the carried values keep their initial types; each scan output gains a leading iteration axis. */
const loopInfer: InferRule = (node, env) => {
  const body = bodyOf(node);
  const ins = node.input ?? [];
  const carried = Math.max(ins.length - 2, 0);
  const outs = env.subgraph && body ? env.subgraph(body) : [];
  return {
    types: (node.output ?? []).map((_, i) => {
      if (i < carried) return env.type(ins[2 + i]) ?? outs[1 + i];
      const t = outs[1 + i];
      return t === undefined ? undefined : { elemType: t.elemType, dims: t.dims === null ? null : [null, ...t.dims] };
    }),
  };
};

/**
 * Loop with scan outputs (torch exports `nn.EmbeddingBag` this way: one
 * iteration per bag). The gradient is a second Loop over the same
 * iterations that recomputes the body, takes the iteration's slice of each
 * scan output's gradient, writes the body's backward pass and adds the
 * gradients of the outer values the body reads (the embedding table) into
 * loop-carried accumulators. Loop-carried values of the forward loop may
 * not carry gradients, and the body may not hold random operators.
 */
const loop: DifferentiableOperator = {
  op: 'Loop',
  kind: 'differentiable',
  doc: 'scan outputs of a body without differentiable loop-carried values (`nn.EmbeddingBag`): a Loop over the same iterations that recomputes the body and accumulates the gradients of the outer values it reads',
  infer: loopInfer,
  differentiable: () => [],
  implicitDifferentiable: (node) => {
    const body = bodyOf(node);
    return body ? freeVariables(body) : [];
  },
  gradientOutputs: (node) => (node.output ?? []).map((_, i) => i),
  backward(ctx) {
    const e = ctx.e;
    const node = ctx.node;
    const body = bodyOf(node) ?? ctx.fail('has no body');
    const carried = Math.max((node.input ?? []).length - 2, 0);
    for (let i = 0; i < carried; i++) {
      if (ctx.gradOut(i) !== undefined) ctx.fail('a gradient through loop-carried values is not supported');
    }
    const sources = freeVariables(body).filter((v) => ctx.wantsValue(v));
    if (sources.length === 0) return [];
    if (carried > 0) ctx.fail('the gradient needs a body without loop-carried values (only scan outputs)');
    for (const n of body.node ?? []) {
      if ((n.attribute ?? []).some((a) => a.g || (a.graphs?.length ?? 0) > 0))
        ctx.fail(`nested subgraphs in the body (${n.opType}) are not supported by the gradient`);
      if (/^(Random|Bernoulli|Multinomial|Dropout)/.test(n.opType ?? ''))
        ctx.fail(`a body with random operators (${n.opType}) cannot be recomputed for the gradient`);
    }

    // The backward body: the forward body recomputed under fresh names.
    const b = e.child();
    const rename = new Map<string, string>();
    const renamed = (name: string): string => rename.get(name) ?? name;
    const bodyInputs = body.input ?? [];
    const iter = b.fresh('iteration');
    const cond = b.fresh('condition');
    rename.set(bodyInputs[0]?.name ?? '', iter);
    rename.set(bodyInputs[1]?.name ?? '', cond);
    for (const t of body.initializer ?? []) {
      const name = b.fresh(t.name ?? 'initializer');
      rename.set(t.name ?? '', name);
      b.initializers.push({ ...t, name });
    }
    const copies: NodeProto[] = (body.node ?? []).map((n) => {
      const copy: NodeProto = { ...n, input: (n.input ?? []).map((i) => (i ? renamed(i) : i)), name: b.fresh(`${n.name || n.opType}`) };
      copy.output = (n.output ?? []).map((o) => {
        if (!o) return o;
        const fresh = b.fresh(o);
        rename.set(o, fresh);
        return fresh;
      });
      return copy;
    });
    b.nodes.push(...copies);

    const scanOutputs = (body.output ?? []).slice(1 + carried);
    const seeds = new Map<string, string>();
    let stacked: string | undefined;
    scanOutputs.forEach((o, k) => {
      const g = ctx.gradOut(carried + k);
      if (g === undefined) return;
      stacked ??= ctx.output(carried + k);
      seeds.set(renamed(o.name ?? ''), b.op('Gather', [g, iter], { axis: 0 }));
    });
    const accumulators = sources.map((s) => ({ source: s, input: b.fresh('accumulated'), type: ctx.type(s) }));
    const inputs: ValueInfoProto[] = [
      valueInfo(iter, DataType.INT64, []),
      valueInfo(cond, DataType.BOOL, []),
      ...accumulators.map((a) => valueInfo(a.input, a.type.elemType, a.type.dims)),
    ];
    const grads = ctx.differentiate({ e: b, inputs, nodes: copies, seeds, sources });
    const outputs: ValueInfoProto[] = [valueInfo(b.op('Identity', [cond]), DataType.BOOL, [])];
    for (const a of accumulators) {
      const g = grads.get(a.source);
      outputs.push(valueInfo(g === undefined ? b.op('Identity', [a.input]) : b.op('Add', [a.input, g]), a.type.elemType, a.type.dims));
    }
    const graph: GraphProto = { name: `${body.name || 'body'}_gradient`, node: b.nodes, input: inputs, output: outputs };

    // One iteration per row of a scan output, from the zeros.
    const trips = e.squeeze(e.pick(e.shape(stacked!), [0]), [0]);
    const always = e.constant(DataType.BOOL, [], [1]);
    const initial = accumulators.map((a) => e.zeros(e.shape(a.source), ctx.elemType(a.source)));
    const finals = e.node('Loop', [trips, always, ...initial], { body: { graph } }, accumulators.length);
    accumulators.forEach((a, i) => ctx.accumulate(a.source, finals[i]!));
    return [];
  },
};

/** Control flow. */
export const CONTROL_OPERATORS: readonly OperatorRule[] = [loop];
