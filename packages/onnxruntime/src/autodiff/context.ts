import type { GraphEmitter } from '../graph/emitter.js';
import type { ConstValue, Dim, ValueType } from '../graph/values.js';
import type { NodeProto } from '../proto/types.js';

/**
 * The batch statistics of a training-mode BatchNormalization, which the
 * trainer folds into the running statistics after each step.
 */
export interface BatchStatistics {
  /** The BatchNormalization node's name (or label). */
  node: string;
  /** Initializer holding the running mean. */
  runningMean: string;
  /** Initializer holding the running variance. */
  runningVar: string;
  /** Output of the training model: the batch mean per channel. */
  mean: string;
  /** Output of the training model: the unbiased (n − 1) batch variance per channel. */
  variance: string;
  /** Weight of the batch statistic in the update (torch's `momentum`; ONNX's is 1 minus it). */
  momentum: number;
}

/** What an operator's rule can ask about the forward graph while it writes nodes of the training model. */
export interface ForwardContext {
  /** The forward node. */
  readonly node: NodeProto;
  /** Writes the new nodes. */
  readonly e: GraphEmitter;
  /** The model's default-domain opset. */
  readonly opset: number;
  /** Name of input `i`, or undefined when absent. */
  input(i: number): string | undefined;
  /** Name of output `i`. */
  output(i: number): string;
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
  /** Whether `name` is an initializer of the model that is not trained. */
  isConstantInitializer(name: string | undefined): boolean;
  /** Makes a BatchNormalization's batch statistics outputs of the training model (listed in `batchStatistics`). */
  exposeBatchStatistics(stats: BatchStatistics): void;
  /** Computes `f` once per node and key; the forward hook and the backward rule of a node share the result. */
  once<T>(key: string, f: () => T): T;
  /** Throws an Error that names the node. */
  fail(message: string): never;
}

/** What a gradient rule can ask while it writes a node's backward pass. */
export interface GradContext extends ForwardContext {
  /**
   * The gradient of output 0. The builder calls a rule only when one of its
   * gradient outputs receives a gradient, so for a rule with the default
   * gradient outputs (`[0]`) this is always there.
   */
  readonly g: string;
  /** The summed gradient of output `i`, or undefined when none reaches it. */
  gradOut(i: number): string | undefined;
  /** Whether input `i` needs a gradient. */
  wants(i: number): boolean;
  /**
   * Output `i` of the forward node, which the rule needs (a Dropout mask,
   * MaxPool indices, log-probabilities): when the node does not produce it
   * yet, it is added under a fresh name. `i` must be one of the rule's
   * `extraOutputs`.
   */
  forwardOutput(i: number, hint: string): string;
  /** Makes a Dropout mask an output of the training model (listed in `dropoutMasks`). */
  exposeDropoutMask(mask: string): void;
  /** Asks for a default-domain opset of at least `version` for an operator form the rule uses. */
  requireOpset(version: number, why: string): void;
  /**
   * Sums `g`, whose shape is that of the node's output `y`, down to the
   * shape of input `x` under numpy broadcasting.
   */
  unbroadcast(g: string, x: string, y: string): string;
}
