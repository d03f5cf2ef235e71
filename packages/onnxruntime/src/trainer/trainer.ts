import {
  checkNamePatterns,
  createNamedOptimizer,
  createStepProtocol,
  type AdamWOptions,
  type AdamWState,
  type NamedOptimizerConfig,
  type NamePattern,
  type Schedule,
  type StepProtocol,
} from '@adamw/core';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { buildTraining, type TrainingModel } from '../autodiff/build.js';
import { allocateTrainingArrays } from './arrays.js';
import { restoreCheckpoint, writeCheckpoint } from './checkpoint.js';
import { resolveTrainable } from './trainable.js';
import { checkFeeds, ortTypeOf } from './feeds.js';
import { evaluationModel, modelWithParameters, type ExportOptions } from './forward.js';
import { resolveOrt, type OrtModule } from './ort-module.js';
import { createRunningStatistics } from './running-statistics.js';
import { checkLabels, checkModelNames, checkNotEmpty, labelRules } from './guards.js';

export type { OrtModule };

/** A flat parameter array: float32 models train Float32Arrays, float64 models Float64Arrays. */
export type ParameterArray = Float32Array | Float64Array;

/** Options of {@link createOrtTrainer}. */
export interface OrtTrainerOptions {
  /** The forward ONNX model (bytes) whose output is the scalar loss; copied, so the caller may reuse the buffer. */
  model: Uint8Array;
  /** AdamW options (`@adamw/core`); `scheduleMultiplier` is the constant η unless `schedule` is given. */
  optimizer?: AdamWOptions;
  /**
   * Parameters trained without weight decay: `@adamw/core` name patterns (a
   * string matches the names that contain it, as in every package of this
   * project; a RegExp; a predicate). Default: `DEFAULT_NO_DECAY` from
   * `@adamw/core` (biases and normalisation weights, as `@adamw/tfjs`);
   * pass `[]` to decay every parameter, as `torch.optim.AdamW` does with a
   * single parameter group.
   */
  exclude?: NamePattern | readonly NamePattern[];
  /** η per update: `schedule(t)` for the t-th update (0-based) multiplies the step size. */
  schedule?: Schedule;
  /** When set, gradients are scaled so their global L2 norm is at most this (torch's `clip_grad_norm_`). */
  clipGlobalNorm?: number;
  /** The value to differentiate (default: the model's only output). */
  loss?: string;
  /**
   * The parameters to train: names or patterns (`@adamw/core`'s
   * `NamePattern`: a substring, a RegExp or a predicate) matched against the
   * model's float initializers; the rest stay frozen, with no gradient
   * output, no optimizer state, and their values untouched. Default: every
   * float initializer the loss depends on.
   */
  trainable?: NamePattern | readonly NamePattern[];
  /**
   * The ONNX Runtime module to train with: `import * as ort from
   * 'onnxruntime-web'` (browsers and Node) or `from 'onnxruntime-node'`.
   * Required: in Node the main entry still falls back to `onnxruntime-node`
   * with a deprecation warning, which the next minor version removes;
   * `createOrtTrainer` from `@adamw/onnxruntime/node` defaults to it.
   */
  ort?: OrtModule;
  /** Session options for both sessions (training and evaluation). */
  sessionOptions?: InferenceSession.SessionOptions;
}

/** A model being trained with ONNX Runtime and AdamW. */
export interface OrtTrainer {
  /** The parameters by name: the arrays ONNX Runtime reads and AdamW updates, in place. */
  readonly parameters: Readonly<Record<string, ParameterArray>>;
  /**
   * The gradients of the last step by parameter name, after clipping:
   * ONNX Runtime writes them into these arrays in place on every step.
   */
  readonly gradients: Readonly<Record<string, ParameterArray>>;
  /** AdamW state per parameter. */
  readonly states: Readonly<Record<string, AdamWState<ParameterArray>>>;
  /**
   * The running statistics of training-mode BatchNormalization nodes by
   * initializer name (`bn.running_mean`, `bn.running_var`), updated after
   * every applied step as torch updates them; exported, checkpointed, and
   * used by `evaluate`.
   */
  readonly runningStatistics: Readonly<Record<string, ParameterArray>>;
  /** Updates applied so far (skipped steps do not count). */
  readonly stepCount: number;
  /** The training model and what was built with it. */
  readonly training: TrainingModel;
  /**
   * One training step: runs forward and backward in ONNX Runtime, then
   * updates the parameters with AdamW. Resolves to the loss of this batch,
   * computed before the update.
   *
   * Feeds are checked first (names, element types, shapes, a batch of at
   * least one row, and labels of a SoftmaxCrossEntropyLoss or
   * NegativeLogLikelihoodLoss fed from outside in [0, C) or equal to its
   * ignore_index, as torch requires); a failure there, in ONNX Runtime, or a non-finite loss or gradient under
   * `nonFinite: 'throw'` rejects and leaves parameters and optimizer state
   * as they were. With `nonFinite: 'skip'` such a step changes nothing and
   * still resolves to the loss.
   */
  step(feeds: Record<string, Tensor>): Promise<number>;
  /** The loss on a batch with the current parameters, Dropout and BatchNormalization in inference mode (torch's `module.eval()`); changes nothing. */
  evaluate(feeds: Record<string, Tensor>): Promise<number>;
  /** The forward model with the trained values in its initializers (loadable by any ONNX Runtime). */
  exportModel(options?: ExportOptions): Uint8Array;
  /** Parameters and optimizer state in one versioned, checksummed archive. */
  saveCheckpoint(): Uint8Array;
  /**
   * Restores {@link OrtTrainer.saveCheckpoint}'s bytes into this trainer (same model and
   * parameters). Everything is checked first; on an error nothing changes.
   */
  loadCheckpoint(bytes: Uint8Array): void;
  /** Releases the ONNX Runtime sessions. */
  release(): Promise<void>;
}

const TRAINER_KEYS = ['model', 'optimizer', 'exclude', 'schedule', 'clipGlobalNorm', 'loss', 'trainable', 'ort', 'sessionOptions'];

/** Checks the options; returns the step protocol's part of them and core's validated protocol. */
function checkTrainerOptions(options: OrtTrainerOptions): { config: NamedOptimizerConfig; protocol: StepProtocol } {
  if (options === null || typeof options !== 'object') throw new TypeError('createOrtTrainer needs an options object');
  for (const key of Object.keys(options)) {
    if (!TRAINER_KEYS.includes(key)) throw new TypeError(`unknown trainer option '${key}' (known: ${TRAINER_KEYS.join(', ')})`);
  }
  if (!(options.model instanceof Uint8Array)) throw new TypeError('options.model must be the ONNX model as a Uint8Array');
  const config: NamedOptimizerConfig = { options: options.optimizer ?? {} };
  if (options.exclude !== undefined) config.exclude = checkNamePatterns(options.exclude, 'options.exclude');
  if (options.schedule !== undefined) config.schedule = options.schedule;
  if (options.clipGlobalNorm !== undefined) config.clipGlobalNorm = options.clipGlobalNorm;
  return { config, protocol: createStepProtocol(config) };
}

/**
 * Builds the training model, opens ONNX Runtime sessions and sets up AdamW
 * for every trained parameter.
 *
 * Each parameter lives in one Float32Array (Float64Array for a double
 * model) wrapped once in an `ort.Tensor`, which keeps a reference: ONNX
 * Runtime reads the arrays without copying, gradients land in preallocated
 * output tensors passed as `session.run`'s fetches, and `@adamw/core`'s
 * step rewrites the parameter arrays in place, so nothing is allocated per
 * step beyond what ONNX Runtime does internally (onnxruntime-web copies
 * inputs into its WebAssembly memory and results out of it on every run;
 * the results are copied into the same gradient arrays). Each step computes
 * g = ∂loss/∂θ in one ONNX Runtime run, then runs `@adamw/core`'s step
 * protocol (`createNamedOptimizer`: non-finite policy, `clipGlobalNorm`, η
 * from the schedule, no decay for excluded names) with the update written out
 * on `AdamWOptions` of `@adamw/core`.
 *
 * @example
 * ```ts
 * import * as ort from 'onnxruntime-web'; // or 'onnxruntime-node'
 *
 * const trainer = await createOrtTrainer({ model: bytes, ort, optimizer: { lr: 1e-3, weightDecay: 0.01 } });
 * const loss = await trainer.step({ x: new ort.Tensor('float32', xs, [32, 784]), y: new ort.Tensor('int64', ys, [32]) });
 * const trained = trainer.exportModel(); // ONNX bytes
 * ```
 */
export async function createOrtTrainer(options: OrtTrainerOptions): Promise<OrtTrainer> {
  const { config, protocol } = checkTrainerOptions(options);
  // A copy (a Buffer's slice would share memory): exportModel and evaluate read
  // the forward model long after this call, when the caller may have reused its buffer.
  const forward = new Uint8Array(options.model);
  const trainable = resolveTrainable(forward, options.trainable);
  const training = buildTraining(forward, { ...(options.loss === undefined ? {} : { loss: options.loss }), ...(trainable === undefined ? {} : { trainable }) });
  checkModelNames(training);
  const labels = labelRules(forward, training);
  const ort = await resolveOrt(options.ort);
  const sessionOptions = options.sessionOptions ?? {};
  const session = await ort.InferenceSession.create(training.model, sessionOptions);
  let evalSession: InferenceSession | undefined;

  const parameterNames = new Set(training.parameters.map((p) => p.name));

  const initial = Object.fromEntries(training.parameters.map((p) => [p.name, p.initial]));
  const { parameters, gradients, states } = allocateTrainingArrays(initial, (name) => protocol.optionsFor(name, 1));
  const optimizer = createNamedOptimizer(config, parameters, states);
  const paramTensors: Record<string, Tensor> = {};
  const fetches: Record<string, Tensor> = {};
  const lossArray = training.lossDataType === 11 ? new Float64Array(1) : new Float32Array(1);
  fetches[training.loss] = new ort.Tensor(ortTypeOf(training.lossDataType), lossArray, []);
  for (const p of training.parameters) {
    const type = ortTypeOf(p.dataType);
    paramTensors[p.name] = new ort.Tensor(type, parameters[p.name]!, p.dims);
    fetches[p.grad] = new ort.Tensor(type, gradients[p.name]!, p.dims);
  }
  const statistics = createRunningStatistics(training, forward, ort);
  Object.assign(fetches, statistics.fetches);
  let busy = false;

  const exclusive = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    if (busy) throw new Error(`cannot ${what} while another step or evaluation is running; await it first`);
    busy = true;
    try {
      return await f();
    } finally {
      busy = false;
    }
  };
  const idle = (what: string): void => {
    if (busy) throw new Error(`cannot ${what} while a step or evaluation is running; await it first`);
  };

  const trainer: OrtTrainer = {
    parameters,
    gradients,
    get states() {
      return states;
    },
    runningStatistics: statistics.values,
    get stepCount() {
      return optimizer.stepCount;
    },
    training,

    step(feeds) {
      return exclusive('step', async () => {
        const checked = checkFeeds(feeds, training.inputs, parameterNames);
        checkNotEmpty(checked, 'a step');
        checkLabels(checked, labels);
        try {
          await session.run({ ...checked, ...paramTensors }, fetches);
        } catch (e) {
          throw new Error(`ONNX Runtime could not run the training step: ${(e as Error).message}`);
        }
        const loss = lossArray[0]!;
        if (optimizer.step(parameters, gradients, { loss }).applied) statistics.update();
        return loss;
      });
    },

    evaluate(feeds) {
      return exclusive('evaluate', async () => {
        const checked = checkFeeds(feeds, training.inputs, parameterNames);
        checkNotEmpty(checked, 'an evaluation');
        checkLabels(checked, labels);
        evalSession ??= await ort.InferenceSession.create(evaluationModel(forward, [...parameterNames], Object.keys(statistics.values)), sessionOptions);
        let out: InferenceSession.ReturnType;
        try {
          out = await evalSession.run({ ...checked, ...paramTensors, ...statistics.tensors }, [training.loss]);
        } catch (e) {
          throw new Error(`ONNX Runtime could not evaluate the model: ${(e as Error).message}`);
        }
        return Number(out[training.loss]!.data[0]);
      });
    },

    exportModel(exportOptions) {
      idle('export the model');
      return modelWithParameters(forward, { ...parameters, ...statistics.values }, exportOptions);
    },

    saveCheckpoint() {
      idle('save a checkpoint');
      return writeCheckpoint(training, parameters, states, optimizer.stepCount, statistics.values);
    },

    loadCheckpoint(bytes) {
      idle('load a checkpoint');
      const restored = restoreCheckpoint(bytes, training, parameters, statistics.values);
      optimizer.checkState(restored);
      // Everything was checked; now copy (the arrays stay the ones ONNX Runtime reads and AdamW updates).
      for (const [name, values] of Object.entries(restored.params)) parameters[name]!.set(values);
      for (const [name, values] of Object.entries(restored.buffers)) statistics.values[name]!.set(values);
      optimizer.setState(restored);
    },

    async release() {
      idle('release the sessions');
      await session.release();
      if (evalSession) await evalSession.release();
    },
  };
  return trainer;
}
