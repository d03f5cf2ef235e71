import { cosineAnnealing, cosineWarmRestarts, normalizedWeightDecay, type Schedule } from '@adamw/core';
import { Mlp, Trainer, type OptimizerSpec } from '@adamw/trainer';
import { OPTIMIZERS, RESTART_MULTIPLIER, schedulePeriods, type DecayScale, type ExperimentConfig, type OptimizerName } from './config.js';
import { CLASSES, PIXELS, type MnistData } from './mnist.js';

/** One training run: a grid cell and a seed. */
export interface CellJob {
  /** Position in the job list. */
  id: number;
  optimizer: OptimizerName;
  lr: number;
  /** λ_norm, the normalized weight decay of the cell (the heatmaps' y axis). */
  weightDecayNorm: number;
  seed: number;
}

/** One point of a learning curve, after each epoch. */
export interface CurvePoint {
  epoch: number;
  /** Mean training loss over the epoch's batches (before each update). */
  trainLoss: number;
  /** Test error after the epoch, in [0, 1]. */
  testError: number;
  /** Mean test cross-entropy after the epoch. */
  testLoss: number;
}

/** What a run reports. NaN (a diverged run) is written as null in JSON. */
export interface CellResult {
  optimizer: OptimizerName;
  /** `decayScale` of the decoupled decay; null for L2. */
  decayScale: DecayScale | null;
  lr: number;
  /** λ as the optimizer was given it: λ_norm·√(b/(B·T)) (of the first period under warm restarts). */
  weightDecay: number;
  /** λ_norm. */
  weightDecayNorm: number;
  seed: number;
  /** Test error after the last epoch, in [0, 1]. */
  testError: number;
  /** Training error after the last epoch (the whole training split evaluated), in [0, 1]. */
  trainError: number;
  /** Mean training loss of the last epoch. */
  trainLoss: number;
  /** Mean test cross-entropy after the last epoch. */
  testLoss: number;
  /** L2 norm of the decayed parameters (the weight matrices) after training. */
  weightNorm: number;
  /** Wall-clock seconds of training and evaluation. */
  seconds: number;
  curve: CurvePoint[];
}

/** The settings a run needs from the experiment's configuration. */
export type CellConfig = Pick<ExperimentConfig, 'hidden' | 'epochs' | 'batchSize' | 'schedule'>;

/** SGD runs use heavy-ball momentum, as the paper's SGD baselines do. */
export const SGD_MOMENTUM = 0.9;

/** The optimizer of a run in `@adamw/trainer`'s terms. */
export function optimizerSpec(name: OptimizerName, lr: number, weightDecay: number): OptimizerSpec {
  const info = OPTIMIZERS[name];
  if (info.family === 'adam') {
    return info.decay === 'l2' ? { kind: 'adam', options: { lr, weightDecay } } : { kind: 'adamw', options: { lr, weightDecay, decayScale: info.decayScale! } };
  }
  return info.decay === 'l2'
    ? { kind: 'sgd', options: { lr, weightDecay, momentum: SGD_MOMENTUM } }
    : { kind: 'sgdw', options: { lr, weightDecay, momentum: SGD_MOMENTUM, decayScale: info.decayScale! } };
}

/** η_t of the whole run, indexed by update: one cosine, or warm restarts at the period boundaries. */
export function runSchedule(config: CellConfig, stepsPerEpoch: number): Schedule {
  if (config.schedule.kind === 'cosine') return cosineAnnealing(config.epochs * stepsPerEpoch);
  return cosineWarmRestarts({ period: config.schedule.period * stepsPerEpoch, periodMultiplier: RESTART_MULTIPLIER });
}

/** The λ of each period of a run: λ_norm·√(b/(B·T_i)), T_i the period's epochs. */
export function periodDecays(config: CellConfig, trainRows: number, weightDecayNorm: number): { start: number; epochs: number; weightDecay: number }[] {
  const periods = schedulePeriods(config.schedule, config.epochs);
  if (typeof periods === 'string') throw new RangeError(periods);
  return periods.map((p) => ({
    ...p,
    weightDecay: normalizedWeightDecay({ lambdaNorm: weightDecayNorm, batchSize: config.batchSize, trainSize: trainRows, epochs: p.epochs }),
  }));
}

/**
 * Trains an MLP 784-hidden-10 (ReLU, softmax cross-entropy) on the training
 * split under the run's schedule, biases excluded from decay, and evaluates
 * the test split after every epoch and the training split at the end.
 *
 * Under warm restarts each period has its own λ (the normalization uses the
 * period's length); the trainer of the next period is restored from a
 * checkpoint of the previous one, so parameters, moments, shuffling and the
 * schedule's step carry over and only λ changes.
 */
export function runCell(job: CellJob, config: CellConfig, data: MnistData, onEpoch?: (epoch: number) => void): CellResult {
  const started = performance.now();
  const model = new Mlp({ layers: [PIXELS, ...config.hidden, CLASSES], activation: 'relu', dtype: 'float32' }, { seed: job.seed });
  const stepsPerEpoch = Math.ceil(data.train.rows / config.batchSize);
  const schedule = runSchedule(config, stepsPerEpoch);
  const periods = periodDecays(config, data.train.rows, job.weightDecayNorm);
  const curve: CurvePoint[] = [];
  let trainer: Trainer | undefined;
  for (const period of periods) {
    const next = new Trainer(model, {
      loss: 'softmax-cross-entropy',
      optimizer: optimizerSpec(job.optimizer, job.lr, period.weightDecay),
      batchSize: config.batchSize,
      schedule,
      seed: job.seed,
    });
    if (trainer !== undefined) next.restore(trainer.checkpoint());
    trainer = next;
    trainer.fit(
      { x: data.train.x, y: data.train.y },
      {
        epochs: period.start + period.epochs,
        validation: { x: data.test.x, y: data.test.y },
        evalBatchSize: 500,
        onEpoch: (e) => {
          curve.push({ epoch: e.epoch, trainLoss: e.trainLoss, testError: 1 - e.validation!.accuracy!, testLoss: e.validation!.loss });
          onEpoch?.(e.epoch);
        },
      },
    );
  }
  const last = curve[curve.length - 1]!;
  const onTrain = trainer!.evaluate({ x: data.train.x, y: data.train.y }, { batchSize: 500 });
  let squares = 0;
  for (const [name, p] of Object.entries(model.params)) {
    // The weight matrices; the biases (`lins.<i>.bias`) are not decayed.
    if (!name.endsWith('.weight')) continue;
    for (let i = 0; i < p.length; i++) squares += p[i]! * p[i]!;
  }
  return {
    optimizer: job.optimizer,
    decayScale: OPTIMIZERS[job.optimizer].decayScale,
    lr: job.lr,
    weightDecay: periods[0]!.weightDecay,
    weightDecayNorm: job.weightDecayNorm,
    seed: job.seed,
    testError: last.testError,
    trainError: 1 - onTrain.accuracy!,
    trainLoss: last.trainLoss,
    testLoss: last.testLoss,
    weightNorm: Math.sqrt(squares),
    seconds: (performance.now() - started) / 1000,
    curve,
  };
}
