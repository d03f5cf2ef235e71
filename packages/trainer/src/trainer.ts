import { checkNamePatterns, warnDeprecated, type NamePattern, type Schedule } from '@adamw/core';
import { checkInteger, describe } from './check.js';
import { BatchBuffers, checkDataset, type CheckedDataset, type Dataset } from './data.js';
import { checkBatchBuffers, checkPlainNumbers } from './guards.js';
import type { Mlp } from './mlp.js';
import { checkOptimizerSpec, createTrainerOptimizer, type OptimizerSpec, type TrainerOptimizer } from './optimizer.js';
import { Prng } from './prng.js';
import { LOSSES, type LossKind } from './types.js';
import { decodeTrainerCheckpoint, encodeTrainerCheckpoint } from './checkpoint.js';

/** Options of a {@link Trainer}. */
export interface TrainerOptions {
  /** The training loss. */
  loss: LossKind;
  /** The optimizer and its options, e.g. `{ kind: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } }`. */
  optimizer: OptimizerSpec;
  /** Rows per mini-batch. */
  batchSize: number;
  /**
   * η(t), the learning-rate multiplier of update t (0-based count of the
   * updates applied over the whole run): the step size is lr·η(t) and
   * decoupled decay follows it too. Any `Schedule` of `@adamw/core`
   * (`linearWarmup`, `cosineWarmRestarts`, …). Default: the optimizer's
   * `scheduleMultiplier` (1) throughout.
   */
  schedule?: Schedule;
  /**
   * Parameters trained without weight decay: names matching any pattern (a
   * string matches names that contain it, a RegExp, or a predicate). Default
   * `DEFAULT_NO_DECAY` of `@adamw/core`, which matches the biases; `[]`
   * decays everything.
   */
  exclude?: NamePattern | readonly NamePattern[];
  /** Clip the gradients to this global L2 norm before each update (`clip_grad_norm_`). Default: no clipping. */
  clipGlobalNorm?: number;
  /** @deprecated renamed `exclude`, as in every package of this project; kept for one minor version. */
  noDecay?: readonly NamePattern[];
  /** @deprecated renamed `clipGlobalNorm`, as in every package of this project; kept for one minor version. */
  clipNorm?: number;
  /** Seed of the shuffling. Default `0`. */
  seed?: number;
  /** Visit the rows in a new random order each epoch. Default `true`. */
  shuffle?: boolean;
  /** Skip the last batch of an epoch when it is smaller than `batchSize`. Default `false`. */
  dropLast?: boolean;
}

/** What one update reports. */
export interface StepInfo {
  /** Epochs completed before this step. */
  epoch: number;
  /** Updates done so far, this one included. */
  step: number;
  /** Index of the batch within its epoch (0-based). */
  batch: number;
  /** Rows in the batch. */
  rows: number;
  /** The batch's loss before the update. */
  loss: number;
  /** η of this update. */
  multiplier: number;
  /** Global gradient norm before clipping (only when `clipGlobalNorm` is set). */
  gradNorm?: number;
  /** What was not finite, when `nonFinite: 'skip'` skipped this update (the parameters did not change). */
  skipped?: string;
}

/** Loss and accuracy of a model on a data set. */
export interface Evaluation {
  /** Mean loss per row (softmax cross-entropy) or per element (MSE). */
  loss: number;
  /** Fraction of rows whose largest output is the label (softmax cross-entropy only). */
  accuracy?: number;
  /** Rows evaluated. */
  rows: number;
}

/** What one epoch reports. */
export interface EpochInfo {
  /** Epochs completed, this one included (1 after the first). */
  epoch: number;
  /** Updates done so far over the whole run. */
  step: number;
  /** Mean of the batch losses of this epoch, weighted by rows (before each update). */
  trainLoss: number;
  /** Evaluation on `FitOptions.validation`, when given. */
  validation?: Evaluation;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Train until this many epochs are complete, counting those of a restored checkpoint. */
  epochs: number;
  /**
   * Called after every update; return `false` to stop after it. Callbacks
   * may read the trainer (`position`, `checkpoint()`, `evaluate()`);
   * `fit`, `trainBatch` and `restore` called from one throw. A callback
   * that throws ends `fit` with its error, the update it reported kept and
   * the position whole (an epoch's last batch closes the epoch first).
   */
  onStep?: (info: StepInfo) => void | boolean;
  /** Called after every epoch; return `false` to stop. The same rules as `onStep` apply. */
  onEpoch?: (info: EpochInfo) => void | boolean;
  /** Evaluated at the end of every epoch and passed to `onEpoch`. */
  validation?: Dataset;
  /** Rows per batch when evaluating. Default: the larger of `batchSize` and 256. */
  evalBatchSize?: number;
}

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  /** One entry per epoch completed in this call. */
  epochs: EpochInfo[];
  /** True when a callback stopped the run before `epochs` was reached. */
  stopped: boolean;
}

/** Where a run stands; saved in checkpoints. */
export interface TrainerPosition {
  /** Epochs completed. */
  epoch: number;
  /** Batches done in the current, unfinished epoch. */
  batchInEpoch: number;
  /** Updates done over the whole run (the schedule's t). */
  step: number;
}

/** The complete progress of a run, as stored in a checkpoint. */
export interface TrainerProgress extends TrainerPosition {
  /** Rows of the data set of the unfinished epoch (0 at an epoch boundary). */
  rows: number;
  /** The shuffling PRNG's state now, and at the start of the current epoch. */
  rng: number[];
  epochRng: number[];
  /** Row-weighted loss sum and rows of the current epoch so far. */
  epochLossSum: number;
  epochRows: number;
}

/**
 * Trains a {@link Mlp} with mini-batches: seeded shuffling, a learning-rate
 * multiplier schedule, weight decay excluded by name, optional gradient
 * clipping, callbacks, evaluation, and checkpoints that resume bit for bit.
 *
 * Each update t (0-based) on a batch does:
 *
 * ```text
 * loss, g ← forward and backward pass of the batch
 * then the step protocol of @adamw/core's createNamedOptimizer:
 *   the nonFinite policy, clipping to clipGlobalNorm, η = schedule(t), λ = 0 for names in exclude
 * ```
 *
 * @example
 * ```ts
 * const model = new Mlp({ layers: [784, 128, 10] }, { seed: 1 });
 * const trainer = new Trainer(model, {
 *   loss: 'softmax-cross-entropy',
 *   optimizer: { kind: 'adamw', options: { lr: 1e-3, weightDecay: 0.05 } },
 *   batchSize: 64,
 *   schedule: cosineAnnealing(3 * Math.ceil(rows / 64)),
 * });
 * trainer.fit({ x, y }, { epochs: 3, onEpoch: (e) => console.log(e.epoch, e.trainLoss) });
 * const { accuracy } = trainer.evaluate({ x: testX, y: testY });
 * ```
 */
export class Trainer {
  /** The model being trained (its parameters change in place). */
  readonly model: Mlp;
  /** The training loss. */
  readonly loss: LossKind;
  /** Rows per update. */
  readonly batchSize: number;
  /** The optimizer and its options, as given (with `decay: 'l2'` filled in for `adam` and `sgd`). */
  readonly optimizerSpec: OptimizerSpec;
  /** `@adamw/core`'s named optimizer that runs every update, with its per-parameter states. */
  readonly optimizer: TrainerOptimizer;
  /** The global gradient norm clipped to, if any. */
  readonly clipGlobalNorm: number | undefined;
  /** Whether each epoch visits the rows in a new random order. */
  readonly shuffle: boolean;
  /** Whether a short last batch is skipped. */
  readonly dropLast: boolean;
  private readonly batches: BatchBuffers;
  /** Separate buffers for evaluation, whose batch size usually differs from training's. */
  private readonly evalBatches: BatchBuffers;
  private progress: TrainerProgress;
  /** The row order of the current epoch, cached between `fit` calls. */
  private order: Int32Array | null = null;
  private orderEpoch = -1;
  /** True while {@link Trainer.fit} runs (its callbacks may not train or restore). */
  private fitting = false;

  /** A trainer for `model`; every option is checked here, and the optimizer states are created. */
  constructor(model: Mlp, options: TrainerOptions) {
    if (model === null || typeof model !== 'object' || typeof (model as Mlp).lossAndGradientsUnchecked !== 'function') {
      throw new TypeError(`model must be an Mlp, got ${describe(model)}`);
    }
    if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, got ${describe(options)}`);
    const { loss, optimizer, batchSize, schedule, seed = 0, shuffle = true, dropLast = false } = options;
    const known = ['loss', 'optimizer', 'batchSize', 'schedule', 'exclude', 'clipGlobalNorm', 'noDecay', 'clipNorm', 'seed', 'shuffle', 'dropLast'];
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) throw new TypeError(`unknown trainer option '${key}'; known options: ${known.join(', ')}`);
    }
    const excludeOption = renamed(options, 'noDecay', 'exclude');
    // Checked here so that a bad pattern is named by the option the caller gave.
    const exclude =
      excludeOption === undefined ? undefined : checkNamePatterns(excludeOption, `trainer option ${options.noDecay !== undefined ? 'noDecay' : 'exclude'}`);
    const clipGlobalNorm = renamed(options, 'clipNorm', 'clipGlobalNorm');
    if (!LOSSES.includes(loss)) throw new RangeError(`unknown loss ${describe(loss)}; expected one of ${LOSSES.join(', ')}`);
    checkInteger(batchSize, 'batchSize', 1);
    checkBatchBuffers(model.layers, batchSize, 'batchSize');
    if (typeof shuffle !== 'boolean') throw new TypeError(`shuffle must be a boolean, got ${describe(shuffle)}`);
    if (typeof dropLast !== 'boolean') throw new TypeError(`dropLast must be a boolean, got ${describe(dropLast)}`);
    const rng = new Prng(seed);
    const checked = checkOptimizerSpec(optimizer);
    this.model = model;
    this.loss = loss;
    this.batchSize = batchSize;
    this.optimizerSpec = checked.spec;
    this.optimizer = createTrainerOptimizer(checked.spec, checked.coreKind, { exclude, schedule, clipGlobalNorm }, model.params, () =>
      model.takeMomentsArena?.(),
    );
    this.clipGlobalNorm = clipGlobalNorm;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.batches = new BatchBuffers(model, loss);
    this.evalBatches = new BatchBuffers(model, loss);
    this.progress = { epoch: 0, batchInEpoch: 0, step: 0, rows: 0, rng: rng.state(), epochRng: rng.state(), epochLossSum: 0, epochRows: 0 };
  }

  /** Where the run stands: epochs completed, batches into the current epoch, updates done. */
  get position(): TrainerPosition {
    const { epoch, batchInEpoch, step } = this.progress;
    return { epoch, batchInEpoch, step };
  }

  /**
   * Trains until `epochs` epochs are complete (a restored run continues
   * where it stopped). The data set is checked first; a bad one throws
   * before anything changes.
   */
  fit(data: Dataset, options: FitOptions): FitResult {
    this.refuseInsideFit('fit');
    if (options === null || typeof options !== 'object') throw new TypeError(`fit options must be an object, got ${describe(options)}`);
    const epochs = checkInteger(options.epochs, 'epochs', 0);
    const train = checkDataset(data, this.model, this.loss, 'data');
    const validation = options.validation === undefined ? undefined : checkDataset(options.validation, this.model, this.loss, 'validation');
    const evalBatchSize = options.evalBatchSize === undefined ? Math.max(this.batchSize, 256) : checkInteger(options.evalBatchSize, 'evalBatchSize', 1);
    if (validation !== undefined) checkBatchBuffers(this.model.layers, Math.min(evalBatchSize, validation.rows), 'evalBatchSize');
    for (const key of ['onStep', 'onEpoch'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') throw new TypeError(`${key} must be a function, got ${describe(options[key])}`);
    }
    const p = this.progress;
    if (p.batchInEpoch > 0 && p.rows !== train.rows) {
      throw new RangeError(
        `the run stopped ${p.batchInEpoch} batches into an epoch over ${p.rows} rows; resume it with the same data (got ${train.rows} rows)`,
      );
    }
    const batchCount = this.dropLast ? Math.floor(train.rows / this.batchSize) : Math.ceil(train.rows / this.batchSize);
    if (batchCount === 0)
      throw new RangeError(`data has ${train.rows} rows, fewer than batchSize ${this.batchSize}, and dropLast is set: an epoch would have no batch`);

    const result: FitResult = { epochs: [], stopped: false };
    this.fitting = true;
    try {
      while (p.epoch < epochs) {
        const order = this.epochOrder(train.rows);
        let epochDone = false;
        while (!epochDone) {
          const j = p.batchInEpoch;
          const start = j * this.batchSize;
          const count = Math.min(this.batchSize, train.rows - start);
          const batch = this.batches.gather(train, order, start, count);
          const info = this.update(batch.x, batch.y, count, p.epoch, j);
          p.batchInEpoch = j + 1;
          p.rows = train.rows;
          p.epochLossSum += info.loss * count;
          p.epochRows += count;
          epochDone = p.batchInEpoch === batchCount;
          // The epoch is closed before any callback runs: one that throws leaves a whole position behind.
          const closed = epochDone ? this.closeEpoch() : undefined;
          let stop = options.onStep?.(info) === false;
          if (closed !== undefined) stop = this.reportEpoch(result, closed, validation, evalBatchSize, options.onEpoch) || stop;
          if (stop) {
            result.stopped = true;
            return result;
          }
        }
      }
      return result;
    } finally {
      this.fitting = false;
    }
  }

  /**
   * One update on one batch of `rows` rows (inputs of the model's dtype,
   * labels or targets), outside the epoch bookkeeping of {@link Trainer.fit}:
   * it advances the schedule's step but not the epoch position.
   */
  trainBatch(x: Float32Array | Float64Array, y: ArrayLike<number>, rows: number): StepInfo {
    this.refuseInsideFit('trainBatch');
    this.model.checkInput(x, rows);
    checkPlainNumbers(y, 'y', this.loss === 'mse' ? this.model.outputSize : 1);
    const targets = this.model.checkTargets(y, rows, this.loss, 'y');
    return this.update(x, targets, rows, this.progress.epoch, -1);
  }

  /** Mean loss (and accuracy for classification) of the model on a data set, in batches of `batchSize` rows. */
  evaluate(data: Dataset, options: { batchSize?: number } = {}): Evaluation {
    const checked = checkDataset(data, this.model, this.loss, 'data');
    const batchSize = options.batchSize === undefined ? Math.max(this.batchSize, 256) : checkInteger(options.batchSize, 'batchSize', 1);
    checkBatchBuffers(this.model.layers, Math.min(batchSize, checked.rows), 'batchSize');
    return this.evaluateChecked(checked, batchSize);
  }

  /**
   * The whole training state as bytes (`serializeCheckpoint` of
   * `@adamw/core`): parameters, optimizer states, and the position (epoch,
   * batch, step, shuffling PRNG). {@link Trainer.restore} on a trainer built
   * with the same model shape and options continues bit for bit as if the run
   * had never stopped.
   */
  checkpoint(): Uint8Array {
    return encodeTrainerCheckpoint(this, this.progress);
  }

  /**
   * Loads a checkpoint written by {@link Trainer.checkpoint}. Everything is
   * checked first (model shape, dtype, optimizer kind, every array's length
   * and type); on any mismatch it throws and nothing changes.
   */
  restore(bytes: Uint8Array): void {
    this.refuseInsideFit('restore');
    const decoded = decodeTrainerCheckpoint(this, bytes);
    this.model.setParams(decoded.params);
    this.optimizer.setState({ stepCount: decoded.progress.step, states: decoded.states });
    this.progress = decoded.progress;
    this.order = null;
    this.orderEpoch = -1;
  }

  /**
   * Throws when called from an `onStep` or `onEpoch` callback of a running
   * {@link Trainer.fit}: training or restoring there would change the
   * position under the loop that is advancing it.
   */
  private refuseInsideFit(what: string): void {
    if (this.fitting) {
      throw new Error(
        `cannot call ${what}() from inside fit(): its onStep and onEpoch callbacks may read the trainer (position, checkpoint(), evaluate()) but not train or restore it; return false from the callback to stop fit, then call ${what}()`,
      );
    }
  }

  /** The deprecated name of {@link Trainer.clipGlobalNorm}. @deprecated use `clipGlobalNorm`. */
  get clipNorm(): number | undefined {
    return this.clipGlobalNorm;
  }

  private update(x: Float32Array | Float64Array, y: ArrayLike<number>, rows: number, epoch: number, batch: number): StepInfo {
    const p = this.progress;
    const loss = this.model.lossAndGradientsUnchecked(x, y as Int32Array, rows, this.loss);
    const report = this.optimizer.step(this.model.params, this.model.grads, { loss });
    p.step = this.optimizer.stepCount;
    const info: StepInfo = { epoch, step: p.step, batch, rows, loss, multiplier: report.multiplier };
    if (report.gradNorm !== undefined) info.gradNorm = report.gradNorm;
    if (report.skipped !== undefined) info.skipped = report.skipped;
    return info;
  }

  /** The row order of the current epoch: drawn at its start, or redrawn from the saved PRNG state when resuming. */
  private epochOrder(rows: number): Int32Array | null {
    const p = this.progress;
    if (!this.shuffle) return null;
    if (p.batchInEpoch === 0) {
      const rng = Prng.fromState(p.rng);
      p.epochRng = p.rng;
      this.order = rng.shuffle(identityOrder(rows));
      p.rng = rng.state();
      p.epochLossSum = 0;
      p.epochRows = 0;
      this.orderEpoch = p.epoch;
    } else if (this.order === null || this.orderEpoch !== p.epoch || this.order.length !== rows) {
      this.order = Prng.fromState(p.epochRng).shuffle(identityOrder(rows));
      this.orderEpoch = p.epoch;
    }
    return this.order;
  }

  /** Ends the current epoch's bookkeeping (no callback runs here) and returns what it reports. */
  private closeEpoch(): EpochInfo {
    const p = this.progress;
    p.epoch += 1;
    p.batchInEpoch = 0;
    p.rows = 0;
    const info: EpochInfo = { epoch: p.epoch, step: p.step, trainLoss: p.epochLossSum / p.epochRows };
    p.epochLossSum = 0;
    p.epochRows = 0;
    if (!this.shuffle) p.epochRng = p.rng;
    return info;
  }

  /** Evaluates on the validation set, records the epoch and calls `onEpoch`; true when it asked to stop. */
  private reportEpoch(
    result: FitResult,
    info: EpochInfo,
    validation: CheckedDataset | undefined,
    evalBatchSize: number,
    onEpoch: FitOptions['onEpoch'],
  ): boolean {
    if (validation !== undefined) info.validation = this.evaluateChecked(validation, evalBatchSize);
    result.epochs.push(info);
    return onEpoch?.(info) === false;
  }

  private evaluateChecked(data: CheckedDataset, batchSize: number): Evaluation {
    const buffers = this.evalBatches;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < data.rows; start += batchSize) {
      const count = Math.min(batchSize, data.rows - start);
      const batch = buffers.gather(data, null, start, count);
      const r = this.model.evaluateUnchecked(batch.x, batch.y, count, this.loss);
      lossSum += r.loss * count;
      correct += r.correct;
    }
    const out: Evaluation = { loss: lossSum / data.rows, rows: data.rows };
    if (this.loss === 'softmax-cross-entropy') out.accuracy = correct / data.rows;
    return out;
  }
}

/** An option under its new name, or under its deprecated one with a warning (both given: an error). */
function renamed<K extends keyof TrainerOptions>(options: TrainerOptions, old: 'noDecay' | 'clipNorm', now: K): TrainerOptions[K] {
  const value = options[now];
  if (options[old] === undefined) return value;
  if (value !== undefined) throw new TypeError(`trainer options ${old} and ${now} are the same option; give only ${now}`);
  warnDeprecated(`@adamw/trainer: the trainer option '${old}' is deprecated and will be removed in the next minor version; use '${now}'`);
  return options[old] as TrainerOptions[K];
}

function identityOrder(rows: number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return order;
}
