import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { normalizedWeightDecay } from '@adamw/core';
import {
  FULL,
  OPTIMIZERS,
  QUICK,
  optimizersFor,
  schedulePeriods,
  type DecayForm,
  type ExperimentConfig,
  type Family,
  type OptimizerName,
  type ScheduleConfig,
} from './config.js';

/** The digits the mnist package holds. */
export const MNIST_DIGITS = 10_000;
/** The largest model a worker is allowed to build: parameters, gradients and two moments of 10 million floats are 160 MB per worker. */
export const MAX_PARAMETERS = 10_000_000;
/** More worker threads than this is a typing error, not a machine. */
export const MAX_WORKERS = 256;
/** Epochs per run at most. */
export const MAX_EPOCHS = 100_000;
/** Seeds are 32-bit. */
export const MAX_SEED = 2 ** 32 - 1;

/** Thrown to end the CLI with an exit code: 0 after --help, 2 for bad input. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    if (n > max) throw new InvalidArgumentError(`expected an integer <= ${max.toLocaleString('en-US')}.`);
    return n;
  };
}

function numberList(what: string, check: (n: number) => boolean, rule: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.some((p) => p === '')) throw new InvalidArgumentError(`expected a comma-separated list of ${what}, with no empty entries.`);
    const numbers = parts.map(Number);
    const bad = parts.find((_p, i) => !Number.isFinite(numbers[i]!) || !check(numbers[i]!));
    if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not ${rule}.`);
    if (new Set(numbers).size !== numbers.length) throw new InvalidArgumentError('the list repeats a value.');
    return [...numbers].sort((a, b) => a - b);
  };
}

function choiceList<T extends string>(what: string, choices: readonly T[]) {
  return (value: string): T[] => {
    const parts = value.split(',').map((s) => s.trim());
    const bad = parts.find((p) => !choices.includes(p as T));
    if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not ${what}; expected ${choices.join(', ')}.`);
    if (new Set(parts).size !== parts.length) throw new InvalidArgumentError('the list repeats a value.');
    return choices.filter((c) => parts.includes(c));
  };
}

const integers = numberList('seeds', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');

/** Seeds: integers >= 0 that fit the generator's 32 bits. */
function seedList(value: string): number[] {
  const seeds = integers(value);
  const big = seeds.find((n) => n > MAX_SEED);
  if (big !== undefined) throw new InvalidArgumentError(`seed ${big} is more than ${MAX_SEED} (seeds are 32-bit).`);
  return seeds;
}

const positiveList = (what: string) => numberList(what, (n) => n > 0, 'a positive number');

/**
 * The default output folder, at the repository root (this file lives in
 * apps/experiments/dist or src): out/adam-vs-adamw (git-ignored) for quick
 * runs, docs/data/adam-vs-adamw for `--full`, whose results the docs show.
 */
export function defaultOutDir(full = false): string {
  const folder = full ? '../../../docs/data/adam-vs-adamw/' : '../../../out/adam-vs-adamw/';
  return fileURLToPath(new URL(folder, import.meta.url));
}

function program(): Command {
  return new Command('adam-vs-adamw')
    .description(
      'Reruns Figure 2 of Loshchilov & Hutter, "Decoupled Weight Decay Regularization": grids of learning rate × normalized weight decay for ' +
        'Adam with L2 and AdamW, SGD with L2 and SGDW (momentum 0.9), training an MLP on real MNIST digits, with test-error heatmaps, ' +
        "a separability analysis, learning curves and a report of which of the paper's claims the run reproduces.",
    )
    .option(
      '--full',
      `the run for published results: ${FULL.train.toLocaleString('en-US')} training digits, ${FULL.epochs} epochs, ${FULL.seeds.length} seeds, a finer grid`,
    )
    .addOption(new Option('--family <list>', 'rows of Figure 2 to run: adam, sgd, or both').argParser(choiceList('a family', ['adam', 'sgd'] as const)))
    .addOption(
      new Option('--decay-form <form>', "decoupled decay in the paper's form (η_t·λ), torch's (α·η_t·λ), or both side by side").choices([
        'paper',
        'torch',
        'both',
      ]),
    )
    .option('--lr <values>', 'learning rates α of every optimizer, comma-separated', positiveList('learning rates'))
    .option('--adam-lr <values>', 'learning rates α of the Adam optimizers', positiveList('learning rates'))
    .option('--sgd-lr <values>', 'learning rates α of the SGD optimizers', positiveList('learning rates'))
    .option(
      '--weight-decay-norm <values>',
      'normalized weight decays λ_norm of every optimizer, comma-separated, > 0 (log axes)',
      positiveList('weight decays'),
    )
    .option('--weight-decay <values>', 'weight decays λ as the optimizer takes them, converted to λ_norm = λ/√(b/(B·T))', positiveList('weight decays'))
    .option('--epochs <n>', 'epochs per run', integer(1, MAX_EPOCHS))
    .option('--restarts [period]', 'cosine annealing with warm restarts (AdamWR, SGDWR): periods of period, 2·period, 4·period… epochs', integer(1, MAX_EPOCHS))
    .option('--seeds <values>', 'seeds, comma-separated (one run per seed and cell)', seedList)
    .option('--train <n>', 'training digits', integer(1, MNIST_DIGITS))
    .option('--test <n>', 'test digits', integer(1, MNIST_DIGITS))
    .option('--hidden <widths>', 'hidden layer widths, comma-separated', (v: string) =>
      numberList('widths', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1')(v),
    )
    .option('--batch-size <n>', 'rows per mini-batch', integer(1, MNIST_DIGITS))
    .addOption(new Option('--workers <n>', 'worker threads').argParser(integer(1, MAX_WORKERS)).default(availableParallelism(), 'os.availableParallelism()'))
    .option('--out <dir>', 'output folder (default, at the repository root: out/adam-vs-adamw, or docs/data/adam-vs-adamw with --full)')
    .option('--from-results <file>', 'train nothing: redraw the charts and report of an earlier results.json into the output folder')
    .allowExcessArguments(false)
    .showHelpAfterError('(run with --help for usage)');
}

interface ParsedOptions {
  full?: boolean;
  family?: Family[];
  decayForm?: DecayForm;
  lr?: number[];
  adamLr?: number[];
  sgdLr?: number[];
  weightDecayNorm?: number[];
  weightDecay?: number[];
  epochs?: number;
  restarts?: number | true;
  seeds?: number[];
  train?: number;
  test?: number;
  hidden?: number[];
  batchSize?: number;
  workers: number;
  out?: string;
  fromResults?: string;
}

/**
 * Parses the command line (without the node and script entries) into a
 * configuration. Bad input, an option given twice included, throws
 * {@link CliExit} with code 2 after the message went to `err`; `--help`
 * throws it with code 0.
 */
export function parseCli(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void }): ExperimentConfig {
  const cmd = program().exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  // An option given twice would silently keep only its last value.
  const seen = new Set<string>();
  for (const option of cmd.options) {
    const name = option.name();
    cmd.on(`option:${name}`, () => {
      if (seen.has(name))
        cmd.error(`error: option '${option.long}' is given more than once; give it once`, { exitCode: 2, code: 'adam-vs-adamw.repeatedOption' });
      seen.add(name);
    });
  }
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      throw new CliExit(ok ? 0 : 2, error.message);
    }
    throw error;
  }
  const o = cmd.opts<ParsedOptions>();
  const refuse = (message: string): never => {
    io.err(`error: ${message}\n`);
    throw new CliExit(2, message);
  };
  const preset = o.full ? FULL : QUICK;
  const train = o.train ?? preset.train;
  const test = o.test ?? preset.test;
  const hidden = o.hidden ?? [...preset.hidden];
  const epochs = o.epochs ?? preset.epochs;
  const batchSize = o.batchSize ?? preset.batchSize;
  if (train + test > MNIST_DIGITS) {
    refuse(`--train ${train} plus --test ${test} is more than the ${MNIST_DIGITS.toLocaleString('en-US')} digits of the mnist package`);
  }
  if (batchSize > train) refuse(`--batch-size ${batchSize} is more than the ${train.toLocaleString('en-US')} training digits`);
  const layers = [784, ...hidden, 10];
  const parameters = layers.slice(1).reduce((n, width, i) => n + width * (layers[i]! + 1), 0);
  if (parameters > MAX_PARAMETERS) {
    refuse(
      `--hidden ${hidden.join(',')} makes an MLP of ${parameters.toLocaleString('en-US')} parameters; at most ${MAX_PARAMETERS.toLocaleString('en-US')} fit a worker thread`,
    );
  }
  const schedule: ScheduleConfig =
    o.restarts === undefined ? { kind: 'cosine' } : { kind: 'restarts', period: o.restarts === true ? preset.restartPeriod : o.restarts };
  if (schedule.kind === 'restarts' && schedule.period > epochs) refuse(`--restarts ${schedule.period} is longer than the run (${epochs} epochs)`);
  const periods = schedulePeriods(schedule, epochs);
  if (typeof periods === 'string') refuse(`${periods}; choose --epochs or --restarts so that the run ends at the end of a period`);
  if (o.weightDecay !== undefined && o.weightDecayNorm !== undefined) refuse('give --weight-decay or --weight-decay-norm, not both');
  if (o.lr !== undefined && (o.adamLr !== undefined || o.sgdLr !== undefined)) refuse('give --lr, or --adam-lr and --sgd-lr, not both');
  const optimizers = optimizersFor(o.family ?? ['adam', 'sgd'], o.decayForm ?? 'paper');
  const firstPeriod = (periods as { epochs: number }[])[0]!.epochs;
  // λ_norm of a λ given as the optimizer takes it: λ / √(b/(B·T)), with T the first period.
  const toNorm = (lambda: number) => lambda / normalizedWeightDecay({ lambdaNorm: 1, batchSize, trainSize: train, epochs: firstPeriod });
  const lr: Partial<Record<OptimizerName, number[]>> = {};
  const weightDecayNorm: Partial<Record<OptimizerName, number[]>> = {};
  for (const name of optimizers) {
    const family = OPTIMIZERS[name].family;
    lr[name] = o.lr ?? (family === 'adam' ? o.adamLr : o.sgdLr) ?? [...preset.lr[family]];
    weightDecayNorm[name] = o.weightDecay?.map(toNorm) ?? o.weightDecayNorm ?? [...preset.weightDecayNorm[name]];
  }
  const config: ExperimentConfig = {
    preset: o.full ? 'full' : 'quick',
    train,
    test,
    dataSeed: preset.dataSeed,
    hidden,
    epochs,
    batchSize,
    schedule,
    lr,
    weightDecayNorm,
    seeds: o.seeds ?? [...preset.seeds],
    optimizers,
    workers: o.workers,
    out: o.out === undefined ? defaultOutDir(o.full === true) : resolve(o.out),
  };
  if (o.fromResults !== undefined) config.fromResults = resolve(o.fromResults);
  return config;
}
