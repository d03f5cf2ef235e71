import { RESERVED_NAMES } from '@adamw/core';
import { OPERATORS } from '../autodiff/rules/index.js';
import type { Tensor } from 'onnxruntime-common';
import { defaultOpset, type TrainingModel } from '../autodiff/build.js';
import { inferGraphValues } from '../graph/infer.js';
import { findAttribute, intAttr } from '../proto/attributes.js';
import { decodeModel } from '../proto/codec.js';

/**
 * Throws before anything is allocated when a trained parameter or an input
 * of the model has one of `@adamw/core`'s `RESERVED_NAMES` (they reach an
 * object's prototype through `obj[name]`): the trainer keeps them in objects
 * by name, and its checkpoints could not hold them.
 */
export function checkModelNames(training: TrainingModel): void {
  for (const [what, names] of [
    ['initializer', training.parameters.map((p) => p.name)],
    ['input', training.inputs.map((i) => i.name)],
  ] as const) {
    const bad = names.find((n) => RESERVED_NAMES.includes(n));
    if (bad !== undefined) {
      throw new RangeError(
        `the model's ${what} '${bad}' cannot be trained under that name: ${RESERVED_NAMES.join(', ')} reach a JavaScript object's prototype, so no checkpoint holds them; rename it in the model`,
      );
    }
  }
}

/** A loss node whose labels the caller feeds, and the labels it accepts. */
export interface LabelRule {
  /** The feed holding the labels. */
  input: string;
  /** `SoftmaxCrossEntropyLoss` or `NegativeLogLikelihoodLoss`. */
  op: string;
  /** C, the size of axis 1 of the scores, when the model fixes it. */
  classes: number | undefined;
  /** The label the node skips, when it has an `ignore_index`. */
  ignoreIndex: bigint | undefined;
}

const LABELLED_LOSSES = new Set(['SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss']);

/**
 * The loss nodes of a forward model whose labels are a graph input, with the
 * class count and ignore_index each accepts. ONNX Runtime reads a label
 * outside [0, C) that is not the ignore_index as it pleases while the
 * gradient treats it as no class at all, so such labels are refused as
 * torch's `cross_entropy` and `nll_loss` refuse them.
 */
export function labelRules(forward: Uint8Array, training: TrainingModel): LabelRule[] {
  const fed = new Set(training.inputs.map((i) => i.name));
  const model = decodeModel(forward);
  const graph = model.graph!;
  const losses = (graph.node ?? []).filter((n) => LABELLED_LOSSES.has(n.opType ?? '') && (!n.domain || n.domain === 'ai.onnx') && fed.has(n.input?.[1] ?? ''));
  if (losses.length === 0) return [];
  const values = inferGraphValues(graph, defaultOpset(model), OPERATORS, new Set(training.parameters.map((p) => p.name)));
  return losses.map((node) => {
    const classes = values.types.get(node.input![0]!)?.dims?.[1];
    return {
      input: node.input![1]!,
      op: node.opType!,
      classes: typeof classes === 'number' ? classes : undefined,
      ignoreIndex: findAttribute(node, 'ignore_index') !== undefined ? BigInt(intAttr(node, 'ignore_index', 0)) : undefined,
    };
  });
}

/** Throws a RangeError naming the first label of `feeds` that a rule does not accept. */
export function checkLabels(feeds: Readonly<Record<string, Tensor>>, rules: readonly LabelRule[]): void {
  for (const rule of rules) {
    const data = feeds[rule.input]?.data;
    if (!(data instanceof BigInt64Array) && !(data instanceof Int32Array)) continue;
    const upper = rule.classes === undefined ? undefined : BigInt(rule.classes);
    for (let i = 0; i < data.length; i++) {
      const label = BigInt(data[i]!);
      if (label === rule.ignoreIndex || (label >= 0n && (upper === undefined || label < upper))) continue;
      const range = rule.classes === undefined ? 'labels >= 0' : `labels in [0, ${rule.classes})`;
      const ignored = rule.ignoreIndex === undefined ? ' (it has no ignore_index)' : ` or its ignore_index ${rule.ignoreIndex}`;
      throw new RangeError(`feed '${rule.input}' holds ${label} at index ${i}; ${rule.op} needs ${range}${ignored}, as torch's cross_entropy and nll_loss do`);
    }
  }
}

/** Throws a RangeError naming the first feed with no values (a batch of 0 rows), before ONNX Runtime sees it. */
export function checkNotEmpty(feeds: Readonly<Record<string, Tensor>>, what: string): void {
  for (const [name, tensor] of Object.entries(feeds)) {
    if (tensor.dims.some((d) => d === 0)) {
      throw new RangeError(`feed '${name}' has shape [${tensor.dims.join(', ')}], which holds no values; ${what} needs a batch of at least one row`);
    }
  }
}
