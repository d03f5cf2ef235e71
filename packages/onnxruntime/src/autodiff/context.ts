import type { GraphEmitter } from '../graph/emitter.js';
import type { ConstValue, Dim, ValueType } from '../graph/values.js';
import type { NodeProto, ValueInfoProto } from '../proto/types.js';

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

/** A subgraph whose backward pass a rule asks for (see {@link GradContext.differentiate}). */
export interface SubgraphRequest {
  /** The emitter of the subgraph under construction (`ctx.e.child()`), which already holds `nodes`. */
  e: GraphEmitter;
  /** The subgraph's inputs, with their types. */
  inputs: readonly ValueInfoProto[];
  /** The forward nodes of the subgraph, as copied into it. */
  nodes: readonly NodeProto[];
  /** The gradient reaching each of these values of the subgraph. */
  seeds: ReadonlyMap<string, string>;
  /** Values (of the subgraph or the enclosing graphs) whose gradients are wanted. */
  sources: readonly string[];
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
  /** The next seed for a random operator without one (the build's `seed` option plus a counter), or undefined without that option. */
  nextSeed(): number | undefined;
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
  /** Whether a value the node reads implicitly (in a subgraph) needs a gradient. */
  wantsValue(value: string): boolean;
  /** Adds `grad` to the gradient of `value`, one of the rule's `implicitDifferentiable` values. */
  accumulate(value: string, grad: string): void;
  /**
   * Writes the backward pass of a subgraph into `request.e`: the gradients
   * of `request.sources` given those reaching `request.seeds`, each
   * undefined when none reaches it. Operators in the subgraph follow the
   * same rules as in the main graph; what needs a training-model output
   * (a training-mode Dropout, batch statistics) fails there.
   */
  differentiate(request: SubgraphRequest): Map<string, string | undefined>;
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
