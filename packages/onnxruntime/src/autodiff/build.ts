import { GraphEmitter, valueInfo } from '../graph/emitter.js';
import { inferGraphValues, type GraphValues } from '../graph/infer.js';
import { staticDims, type Dim, type ValueType } from '../graph/values.js';
import { nodeLabel } from '../proto/attributes.js';
import { decodeModel, encodeModel } from '../proto/codec.js';
import { dataTypeName, readFloatTensor, tensorDims, type FloatDataType } from '../proto/tensor.js';
import { DataType, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto/types.js';
import { backwardPass, forwardContext, summedGradient, withLabel, type GradParts, type PassState } from './backward.js';
import type { BatchStatistics } from './context.js';
import { reachability, ruleOf } from './reach.js';
import { OPERATORS } from './rules/index.js';

/** Options of {@link buildTraining} and {@link buildTrainingBytes}. */
export interface TrainingModelOptions {
  /** The value to differentiate. Default: the model's only output. */
  loss?: string;
  /**
   * Initializers to train, in this order. Default: every FLOAT or DOUBLE
   * initializer that the loss depends on through inputs that carry
   * gradients, in the model's order (so a Dropout ratio or a constant
   * exponent stored as an initializer stays a constant).
   */
  trainable?: readonly string[];
  /**
   * Seeds the random operators that have no `seed` attribute of their own
   * (training-mode Dropout): the k-th gets `seed + k`, so every session of
   * the training model draws the same sequence of masks. Default: none
   * (ONNX Runtime seeds them from its own generator).
   */
  seed?: number;
}

/** One trained parameter of a training model. */
export interface TrainableParameter {
  /** The initializer's name; a graph input of the training model. */
  name: string;
  /** The output holding its gradient: `<name>_grad`. */
  grad: string;
  /** `DataType.FLOAT` (1) or `DataType.DOUBLE` (11). */
  dataType: FloatDataType;
  dims: number[];
  /** A copy of the initializer's values in the forward model. */
  initial: Float32Array | Float64Array;
}

/** A graph input the caller feeds (data, labels). */
export interface ModelInput {
  name: string;
  /** `TensorProto.DataType`, 0 when the model does not say. */
  dataType: number;
  /** Sizes, symbolic names (`'batch'`), or null for unknown; null when the rank is unknown. */
  dims: Dim[] | null;
}

/** A training model and what the trainer needs to know about it. */
export interface TrainingModel {
  /** The training model's protobuf bytes. */
  model: Uint8Array;
  /** Name of the loss output (first output). */
  loss: string;
  /** Element type of the loss. */
  lossDataType: FloatDataType;
  /** The trained parameters, in the order of their graph inputs and gradient outputs. */
  parameters: TrainableParameter[];
  /** The inputs that are not parameters, which every run must feed. */
  inputs: ModelInput[];
  /** Mask outputs of training-mode Dropout nodes (extra outputs of the training model). */
  dropoutMasks: string[];
  /**
   * The batch statistics of each training-mode BatchNormalization (extra
   * outputs of the training model, after the masks), from which the trainer
   * updates the running statistics.
   */
  batchStatistics: BatchStatistics[];
  /** Default-domain opset of the training model (raised to 16 when a rule needs it). */
  opset: number;
}

const MIN_OPSET = 13;
const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.DOUBLE]);

/** The default-domain opset of a model (throws when it has none or one older than 13). */
export function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (entry === undefined) throw new Error('the model imports no version of the default ONNX operator set');
  const v = Number(entry.version ?? 0);
  if (v < MIN_OPSET) {
    throw new Error(`the model uses ONNX opset ${v}; gradients are written for opset ${MIN_OPSET} or newer (export with opset_version=${MIN_OPSET} or later)`);
  }
  return v;
}

function checkOptions(options: unknown): TrainingModelOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  for (const key of Object.keys(options)) {
    if (key !== 'loss' && key !== 'trainable' && key !== 'seed') throw new TypeError(`unknown option '${key}' (known: loss, trainable, seed)`);
  }
  const o = options as TrainingModelOptions;
  if (o.loss !== undefined && typeof o.loss !== 'string') throw new TypeError('options.loss must be a string');
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed)) throw new TypeError(`options.seed must be an integer, got ${String(o.seed)}`);
  if (o.trainable !== undefined && (!Array.isArray(o.trainable) || o.trainable.some((n) => typeof n !== 'string'))) {
    throw new TypeError('options.trainable must be an array of initializer names');
  }
  return o;
}

/** Everything named in a graph (values and nodes), so new names avoid them. */
function namesIn(model: ModelProto): Set<string> {
  const used = new Set<string>();
  const g = model.graph!;
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) if (v.name) used.add(v.name);
  for (const t of g.initializer ?? []) if (t.name) used.add(t.name);
  for (const n of g.node ?? []) {
    if (n.name) used.add(n.name);
    for (const o of [...(n.input ?? []), ...(n.output ?? [])]) if (o) used.add(o);
  }
  return used;
}

function operatorName(node: NodeProto): string {
  return node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : (node.opType ?? '?');
}

/** Picks and checks the loss value. */
function chooseLoss(
  model: ModelProto,
  values: GraphValues,
  requested: string | undefined,
  producers: Map<string, NodeProto>,
): { name: string; type: ValueType } {
  const outputs = (model.graph!.output ?? []).map((o) => o.name ?? '');
  let name = requested;
  if (name === undefined) {
    if (outputs.length !== 1) {
      throw new Error(`the model has ${outputs.length} outputs (${outputs.join(', ')}); say which one is the loss with { loss: '<name>' }`);
    }
    name = outputs[0]!;
  }
  if (!producers.has(name)) {
    throw new Error(`loss '${name}' is not computed by any node of the model (outputs: ${outputs.join(', ') || 'none'})`);
  }
  const type = values.types.get(name) ?? { elemType: 0, dims: null };
  if (!FLOAT_TYPES.has(type.elemType)) {
    throw new TypeError(`loss '${name}' is ${dataTypeName(type.elemType)}; a loss must be FLOAT or DOUBLE`);
  }
  if (type.dims === null) throw new Error(`loss '${name}' has an unknown shape; a loss must be a scalar`);
  if (type.dims.some((d) => d !== 1)) {
    throw new Error(`loss '${name}' has shape [${type.dims.map((d) => d ?? '?').join(', ')}]; a loss must be a scalar (reduce it to one value)`);
  }
  return { name, type };
}

/** The float initializers (FLOAT or DOUBLE). */
function floatInitializers(initializers: Map<string, TensorProto>): TensorProto[] {
  return [...initializers.values()].filter((t) => FLOAT_TYPES.has(t.dataType ?? 0));
}

/** Checks the initializers named in `options.trainable`. */
function requestedTrainable(initializers: Map<string, TensorProto>, requested: readonly string[], graphInputs: Set<string>): TensorProto[] {
  if (requested.length === 0) throw new Error('options.trainable is empty; name at least one initializer');
  const seen = new Set<string>();
  return requested.map((name) => {
    if (seen.has(name)) throw new Error(`trainable parameter '${name}' is listed twice`);
    seen.add(name);
    const t = initializers.get(name);
    if (t === undefined) {
      const hint = graphInputs.has(name) ? ' (it is a graph input; only initializers can be trained)' : '';
      const floats = floatInitializers(initializers).map((i) => i.name);
      throw new Error(`trainable parameter '${name}' is not an initializer of the model${hint}; float initializers: ${floats.join(', ') || 'none'}`);
    }
    if (!FLOAT_TYPES.has(t.dataType ?? 0)) {
      throw new TypeError(`trainable parameter '${name}' is ${dataTypeName(t.dataType)}; only FLOAT and DOUBLE initializers can be trained`);
    }
    return t;
  });
}

/**
 * Builds the training model and reports its parameters and inputs. See
 * {@link buildTrainingBytes} for what the model computes.
 */
export function buildTraining(forwardModel: Uint8Array, options?: TrainingModelOptions): TrainingModel {
  const opts = checkOptions(options);
  const model = decodeModel(forwardModel);
  const graph = model.graph!;
  let opset = defaultOpset(model);
  const nodes = graph.node ?? [];
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) initializers.set(t.name, t);
  const graphInputs = new Set((graph.input ?? []).map((v) => v.name ?? ''));
  const forwardOutputs = (graph.output ?? []).map((o) => o.name ?? '');

  const producers = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) if (o) producers.set(o, n);

  let trainable: TensorProto[];
  if (opts.trainable !== undefined) {
    trainable = requestedTrainable(initializers, opts.trainable, graphInputs);
  } else {
    // Every float initializer the loss depends on through differentiable
    // inputs; the others (a Dropout ratio, an exponent) stay constants.
    const floats = floatInitializers(initializers);
    if (floats.length === 0) throw new Error('the model has no FLOAT or DOUBLE initializers to train');
    const names = new Set(floats.map((t) => t.name!));
    const conservative = inferGraphValues(graph, opset, OPERATORS, names);
    const lossName = chooseLoss(model, conservative, opts.loss, producers).name;
    const reach = reachability(OPERATORS, nodes, conservative, names, lossName);
    trainable = floats.filter((t) => reach.needed.has(t.name!));
    if (trainable.length === 0) {
      throw new Error(`the loss '${lossName}' does not depend on any float initializer through operators that carry gradients`);
    }
  }
  const trainableNames = new Set(trainable.map((t) => t.name!));
  const values = inferGraphValues(graph, opset, OPERATORS, trainableNames);
  const loss = chooseLoss(model, values, opts.loss, producers);
  const { tracked, active } = reachability(OPERATORS, nodes, values, trainableNames, loss.name);
  const unsupported = active.filter((n) => ruleOf(OPERATORS, n)?.kind !== 'differentiable');
  if (unsupported.length > 0) {
    const list = unsupported.map((n) => `${operatorName(n)} (${nodeLabel(n)})`).join(', ');
    throw new Error(`no gradient rule for operator ${list}, which lies between the parameters and the loss '${loss.name}'`);
  }

  const used = namesIn(model);
  for (const t of trainable) {
    const gradName = `${t.name}_grad`;
    if (used.has(gradName)) throw new Error(`the model already has a value named '${gradName}', the name the gradient of '${t.name}' needs`);
    used.add(gradName);
  }
  const e = new GraphEmitter(used, opset);
  const gradParts: GradParts = new Map();
  let neededOpset = opset;
  const dropoutMasks: string[] = [];
  const batchStatistics: BatchStatistics[] = [];
  let seeds = 0;
  const state: PassState = {
    e,
    opset,
    values,
    isConstantInitializer: (name) => name !== undefined && initializers.has(name) && !trainableNames.has(name),
    requireOpset(version) {
      neededOpset = Math.max(neededOpset, version);
    },
    exposeDropoutMask(mask) {
      if (!dropoutMasks.includes(mask)) dropoutMasks.push(mask);
    },
    exposeBatchStatistics: (stats) => void batchStatistics.push(stats),
    nextSeed: () => (opts.seed === undefined ? undefined : opts.seed + seeds++),
    memo: new Map(),
  };

  const lossT = loss.type.elemType;
  const lossDims = staticDims(loss.type.dims)!;
  gradParts.set(loss.name, [e.constant(lossT, lossDims, [1])]);

  // What the training model computes besides gradients (batch statistics), for every node.
  for (const node of nodes) {
    const rule = ruleOf(OPERATORS, node);
    if (rule?.kind !== 'differentiable' || rule.forward === undefined) continue;
    e.scope = node.name || `${node.opType}`;
    withLabel(node, () => rule.forward!(forwardContext(state, node)));
  }
  backwardPass(state, active, tracked, gradParts);

  // Gradient outputs, one per parameter (zeros for a parameter the loss does not depend on).
  e.scope = '';
  const parameters: TrainableParameter[] = [];
  const gradOutputs: ValueInfoProto[] = [];
  for (const t of trainable) {
    const name = t.name!;
    const dims = tensorDims(t);
    const dataType = t.dataType as FloatDataType;
    const g = summedGradient(e, gradParts, name) ?? e.zeros(e.ints(dims), dataType);
    const gradName = `${name}_grad`;
    e.nodes.push({ input: [g], output: [gradName], name: e.fresh('Identity_node'), opType: 'Identity' });
    gradOutputs.push(valueInfo(gradName, dataType, dims));
    parameters.push({ name, grad: gradName, dataType, dims, initial: readFloatTensor(t) });
  }

  // Parameters become graph inputs; the other initializers stay constants.
  graph.initializer = (graph.initializer ?? []).filter((i) => !trainableNames.has(i.name ?? '')).concat(e.initializers);
  const dataInputs = (graph.input ?? []).filter((v) => !trainableNames.has(v.name ?? ''));
  const nonInitializerInputs = dataInputs.filter((v) => !initializers.has(v.name ?? ''));
  graph.input = [...dataInputs, ...trainable.map((t) => valueInfo(t.name!, t.dataType!, tensorDims(t)))];
  graph.node = [...nodes, ...e.nodes];
  const lossInfo = (graph.output ?? []).find((o) => o.name === loss.name) ?? valueInfo(loss.name, lossT, lossDims);
  const statisticOutputs = batchStatistics.flatMap((s) => {
    const t = initializers.get(s.runningMean)!;
    const dims = tensorDims(t);
    return [valueInfo(s.mean, t.dataType ?? 0, dims), valueInfo(s.variance, t.dataType ?? 0, dims)];
  });
  graph.output = [lossInfo, ...gradOutputs, ...dropoutMasks.map((m) => valueInfo(m, DataType.BOOL, values.types.get(m)?.dims ?? null)), ...statisticOutputs];
  if (neededOpset > opset) {
    const read = new Set<string>([...graph.node.flatMap((n) => n.input ?? []), ...forwardOutputs]);
    for (const node of nodes) withLabel(node, () => ruleOf(OPERATORS, node)?.raiseOpset?.(node, opset, neededOpset, (v) => read.has(v)));
    const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')!;
    entry.version = neededOpset;
    // Opsets 15 and later belong to IR version 8 or later.
    if (Number(model.irVersion ?? 0) < 8) model.irVersion = 8;
    opset = neededOpset;
  }
  graph.name = `${graph.name || 'model'}_training`;

  return {
    model: encodeModel(model),
    loss: loss.name,
    lossDataType: lossT as FloatDataType,
    parameters,
    inputs: nonInitializerInputs.map((v) => {
      const t = values.types.get(v.name!) ?? { elemType: 0, dims: null };
      return { name: v.name!, dataType: t.elemType, dims: t.dims };
    }),
    dropoutMasks,
    batchStatistics,
    opset,
  };
}

/**
 * Builds a training model from an ONNX model whose output is a scalar
 * loss (for example `torch.onnx.export` of a module that returns its loss,
 * in training mode, opset 13 or newer), and returns its bytes;
 * {@link buildTraining} returns them together with what was built (the
 * parameters, inputs and extra outputs).
 *
 * The returned model runs on a stock ONNX Runtime (only standard ONNX
 * operators are added). Its inputs are the forward model's inputs followed
 * by one input per trained parameter (the initializers, which are removed
 * as initializers). Its outputs are, in order:
 *
 * 1. the loss, under its own name;
 * 2. `<name>_grad` for each parameter: ∂loss/∂parameter, same type and
 *    shape (zeros when the loss does not depend on it);
 * 3. the mask of every training-mode Dropout (the node's `mask` output,
 *    added when the model had none), so a run can be inspected or replayed;
 * 4. the batch mean and unbiased batch variance of every training-mode
 *    BatchNormalization, from which the trainer updates the running
 *    statistics as torch does.
 *
 * The gradients come from reverse-mode differentiation, written node by
 * node with the rules listed in the package README (supported operators).
 * Every check happens before anything is built: an operator without a rule
 * on the way from a parameter to the loss, a loss that is not a scalar,
 * a trainable name that is not a float initializer. Each throws an Error
 * naming the operator, node or value.
 *
 * @example
 * ```ts
 * const training = buildTrainingBytes(readFileSync('mlp-loss.onnx'));
 * const session = await ort.InferenceSession.create(training);
 * const out = await session.run({ x, y, 'fc.weight': w, 'fc.bias': b });
 * out['fc.weight_grad']; // ∂loss/∂fc.weight
 * ```
 */
export function buildTrainingBytes(forwardModel: Uint8Array, options?: TrainingModelOptions): Uint8Array {
  return buildTraining(forwardModel, options).model;
}

/**
 * The former name of {@link buildTrainingBytes}.
 *
 * @deprecated Use {@link buildTrainingBytes} (same arguments, same bytes);
 * this name goes away in the next minor version.
 */
export function buildTrainingModel(forwardModel: Uint8Array, options?: TrainingModelOptions): Uint8Array {
  return buildTrainingBytes(forwardModel, options);
}
