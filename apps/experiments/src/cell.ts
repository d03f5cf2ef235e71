import { cosineAnnealing } from '@adamw/core';
import { Mlp, Trainer, type OptimizerSpec } from '@adamw/trainer';
import type { ExperimentConfig, OptimizerName } from './config.js';
import { CLASSES, PIXELS, type MnistData } from './mnist.js';

/** One training run: a grid cell and a seed. */
export interface CellJob {
  /** Position in the job list. */
  id: number;
  optimizer: OptimizerName;
  lr: number;
  weightDecay: number;
  seed: number;
}

/** One point of a learning curve, after each epoch. */
export interface CurvePoint {
  epoch: number;
  /** Mean training loss over the epoch's batches (before each update). */
  trainLoss: number;
  /** Test error after the epoch, in [0, 1]. */
  testError: number;
}

/** What a run reports. NaN (a diverged run) is written as null in JSON. */
export interface CellResult {
  optimizer: OptimizerName;
  lr: number;
  weightDecay: number;
  seed: number;
  /** Test error after the last epoch, in [0, 1]. */
  testError: number;
  /** Mean training loss of the last epoch. */
  trainLoss: number;
  /** Mean test cross-entropy after the last epoch. */
  testLoss: number;
  /** Wall-clock seconds of training and evaluation. */
  seconds: number;
  curve: CurvePoint[];
}

/** The settings a run needs from the experiment's configuration. */
export type CellConfig = Pick<ExperimentConfig, 'hidden' | 'epochs' | 'batchSize'>;

/** SGD runs use heavy-ball momentum, as the paper's SGD baselines do. */
const SGD_MOMENTUM = 0.9;

/** The optimizer of a run in `@adamw/trainer`'s terms, with the same λ for every method. */
export function optimizerSpec(name: OptimizerName, lr: number, weightDecay: number): OptimizerSpec {
  switch (name) {
    case 'adam-l2':
      return { kind: 'adam', options: { lr, weightDecay } };
    case 'adamw':
      return { kind: 'adamw', options: { lr, weightDecay } };
    case 'sgd-l2':
      return { kind: 'sgd', options: { lr, weightDecay, momentum: SGD_MOMENTUM } };
    case 'sgdw':
      return { kind: 'sgdw', options: { lr, weightDecay, momentum: SGD_MOMENTUM } };
  }
}

/**
 * Trains an MLP 784-hidden-10 (ReLU, softmax cross-entropy) on the training
 * split with cosine annealing of the learning rate to 0 over the run (decay
 * follows the same multiplier), biases excluded from decay, and evaluates
 * the test split after every epoch.
 */
export function runCell(job: CellJob, config: CellConfig, data: MnistData, onEpoch?: (epoch: number) => void): CellResult {
  const started = performance.now();
  const model = new Mlp({ layers: [PIXELS, ...config.hidden, CLASSES], activation: 'relu', dtype: 'float32' }, { seed: job.seed });
  const stepsPerEpoch = Math.ceil(data.train.rows / config.batchSize);
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: optimizerSpec(job.optimizer, job.lr, job.weightDecay),
    batchSize: config.batchSize,
    schedule: cosineAnnealing(config.epochs * stepsPerEpoch),
    seed: job.seed,
  });
  const curve: CurvePoint[] = [];
  trainer.fit(
    { x: data.train.x, y: data.train.y },
    {
      epochs: config.epochs,
      validation: { x: data.test.x, y: data.test.y },
      evalBatchSize: 500,
      onEpoch: (e) => {
        curve.push({ epoch: e.epoch, trainLoss: e.trainLoss, testError: 1 - e.validation!.accuracy! });
        onEpoch?.(e.epoch);
      },
    },
  );
  const last = curve[curve.length - 1]!;
  const finalEval = trainer.evaluate({ x: data.test.x, y: data.test.y }, { batchSize: 500 });
  return {
    optimizer: job.optimizer,
    lr: job.lr,
    weightDecay: job.weightDecay,
    seed: job.seed,
    testError: last.testError,
    trainLoss: last.trainLoss,
    testLoss: finalEval.loss,
    seconds: (performance.now() - started) / 1000,
    curve,
  };
}
