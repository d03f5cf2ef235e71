import type { GraphEmitter } from '../graph/emitter.js';
import type { ConstValue, Dim, ValueType } from '../graph/values.js';
import type { NodeProto } from '../proto/types.js';

/** What a gradient rule can ask about the forward graph while it writes a node's backward pass. */
export interface GradContext {
  /** The forward node (rules may add outputs to it through {@link GradContext.forwardOutput}). */
  readonly node: NodeProto;
  /** Writes the backward nodes. */
  readonly e: GraphEmitter;
  /** The model's default-domain opset. */
  readonly opset: number;
  /** Name of input `i`, or undefined when absent. */
  input(i: number): string | undefined;
  /** Name of output `i`. */
  output(i: number): string;
  /** The summed gradient of output `i`, or undefined when none reaches it. */
  gradOut(i: number): string | undefined;
  /** Whether input `i` needs a gradient. */
  wants(i: number): boolean;
  /** Element type and shape of a value, as far as they are known. */
  type(name: string): ValueType;
  /** The element type of a value (throws naming the node when unknown). */
  elemType(name: string): number;
  /** The rank of a value (throws naming the node when unknown). */
  rank(name: string): number;
  /** The dims of a value (throws naming the node when the rank is unknown). */
  dims(name: string): Dim[];
  /** The values of a small constant (initializer that is not trained, Constant node, folded shape). */
  constant(name: string | undefined): ConstValue | undefined;
  /**
   * Output `i` of the forward node, which the rule needs (a Dropout mask,
   * MaxPool indices, log-probabilities): when the node does not produce it
   * yet, it is added under a fresh name.
   */
  forwardOutput(i: number, hint: string): string;
  /** Asks for a default-domain opset of at least `version` for an operator form the rule uses. */
  requireOpset(version: number, why: string): void;
  /** Throws an Error that names the node. */
  fail(message: string): never;
  /**
   * Sums `g`, whose shape is that of the node's output `y`, down to the
   * shape of input `x` under numpy broadcasting.
   */
  unbroadcast(g: string, x: string, y: string): string;
}

/** How one operator's gradient is written. */
export interface GradRule {
  /** Input indices through which a gradient can flow (others are indices, shapes, flags). */
  differentiable(node: NodeProto): readonly number[];
  /**
   * Writes the backward nodes; returns the gradient of each input (by index),
   * undefined for inputs that get none. Only inputs for which
   * `ctx.wants(i)` holds are used.
   */
  backward(ctx: GradContext): (string | undefined)[];
}

/** A rule for operators whose inputs never carry gradients (shapes, comparisons, indices). */
export const NO_GRADIENT: GradRule = {
  differentiable: () => [],
  backward: () => [],
};
