import type { InferRule } from '../graph/infer.js';
import type { NodeProto } from '../proto/types.js';
import type { ForwardContext, GradContext } from './context.js';

/**
 * Everything the package knows about one default-domain ONNX operator, in
 * one object: how its outputs' types and shapes follow from its inputs, and
 * how (or whether) gradients pass through it. Each family file under
 * `rules/` defines its operators; `rules/index.ts` registers them all.
 */
export type OperatorRule = DifferentiableOperator | NoGradientOperator | ForwardOnlyOperator;

interface OperatorBase {
  /** The operator type (`node.opType`) in the default domain. */
  readonly op: string;
  /**
   * Element types, shapes and (for small values) constants of the outputs.
   * Absent: the outputs stay unknown unless the model's `value_info` says.
   */
  readonly infer?: InferRule;
  /**
   * Rewrites a node of this operator in place for a higher opset, when the
   * builder raises the model's because a gradient needs a newer operator
   * form (ScatterND with a reduction). Absent: the node means the same at
   * the higher opset. `used` says whether a value is read by a node or is
   * a graph output.
   */
  raiseOpset?(node: NodeProto, from: number, to: number, used: (value: string) => boolean): void;
}

/** An operator whose inputs can carry gradients. */
export interface DifferentiableOperator extends OperatorBase {
  readonly kind: 'differentiable';
  /** Input indices through which a gradient can flow (the others are indices, shapes, flags). */
  differentiable(node: NodeProto): readonly number[];
  /**
   * Values of the enclosing graph that the node reads inside its subgraphs
   * (a Loop body) and through which gradients flow; the rule gives them
   * their gradients with `ctx.accumulate`.
   */
  implicitDifferentiable?(node: NodeProto): readonly string[];
  /**
   * Output indices whose gradients the rule reads. Default: `[0]`. The
   * builder skips a node none of these outputs receives a gradient for, so
   * `backward` always has something to propagate; with the default,
   * `ctx.g` is the gradient of output 0.
   */
  gradientOutputs?(node: NodeProto): readonly number[];
  /**
   * Writes the backward nodes; returns the gradient of each input (by
   * index), undefined for inputs that get none. Only inputs for which
   * `ctx.wants(i)` holds are used.
   */
  backward(ctx: GradContext): (string | undefined)[];
  /**
   * Outputs the backward pass may add to the forward node when the model
   * does not name them (a Dropout mask, MaxPool indices, log-probabilities),
   * through `ctx.forwardOutput`; their types come from `infer`.
   */
  readonly extraOutputs?: readonly number[];
  /**
   * Writes what the training model computes for a node besides gradients
   * (BatchNormalization's batch statistics), for every node of the
   * operator, whether or not a gradient reaches it; runs before any
   * backward rule.
   */
  forward?(ctx: ForwardContext): void;
  /**
   * One line for the table of supported operators: the forms covered and
   * how the gradient is written (markdown).
   */
  readonly doc: string;
}

/**
 * An operator whose outputs never carry a gradient (shapes, comparisons,
 * indices, random draws): it may sit anywhere, including next to the
 * parameters, and its outputs are computed once by the forward pass.
 */
export interface NoGradientOperator extends OperatorBase {
  readonly kind: 'no-gradient';
}

/**
 * An operator the builder can infer shapes for but has no gradient rule
 * for: fine where no parameter flows, an error naming the node where one
 * does.
 */
export interface ForwardOnlyOperator extends OperatorBase {
  readonly kind: 'forward-only';
}

/** Operators that never carry a gradient, with their inference rules. */
export function noGradient(ops: readonly string[], infer?: InferRule): NoGradientOperator[] {
  return ops.map((op) => (infer ? { op, kind: 'no-gradient', infer } : { op, kind: 'no-gradient' }));
}

/** Operators known to inference only. */
export function forwardOnly(ops: readonly string[], infer: InferRule): ForwardOnlyOperator[] {
  return ops.map((op) => ({ op, kind: 'forward-only', infer }));
}
