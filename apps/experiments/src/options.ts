import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ADAM_OPTIMIZERS, FULL, QUICK, SGD_OPTIMIZERS, type ExperimentConfig } from './config.js';

/** The digits the mnist package holds. */
export const MNIST_DIGITS = 10_000;

/** Thrown to end the CLI with an exit code: 0 after --help, 2 for bad input. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return n;
  };
}

function numberList(what: string, check: (n: number) => boolean, rule: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p === '')) throw new InvalidArgumentError(`expected a comma-separated list of ${what}, with no empty entries.`);
    const numbers = parts.map(Number);
    const bad = parts.find((p, i) => !Number.isFinite(numbers[i]!) || !check(numbers[i]!));
    if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not ${rule}.`);
    if (new Set(numbers).size !== numbers.length) throw new InvalidArgumentError('the list repeats a value.');
    return [...numbers].sort((a, b) => a - b);
  };
}

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
      'Reruns Figure 2 of Loshchilov & Hutter, "Decoupled Weight Decay Regularization": a grid of learning rate × weight decay for Adam with L2 and for AdamW, ' +
        'training an MLP on real MNIST digits, with test-error heatmaps, learning curves and a report.',
    )
    .option('--full', 'the larger run for published results: 8,000 training digits, 12 epochs, 5 × 6 cells, 3 seeds')
    .option('--sgd', 'also run SGD with L2 and SGDW (momentum 0.9)')
    .option('--lr <values>', 'learning rates, comma-separated (e.g. 1e-3,1e-2)', numberList('learning rates', (n) => n > 0, 'a positive number'))
    .option('--weight-decay <values>', 'weight decays λ, comma-separated, > 0 (log axes)', numberList('weight decays', (n) => n > 0, 'a positive number'))
    .option('--epochs <n>', 'epochs per run', integer(1))
    .option('--seeds <values>', 'seeds, comma-separated (one run per seed and cell)', numberList('seeds', (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0'))
    .option('--train <n>', 'training digits', integer(1))
    .option('--test <n>', 'test digits', integer(1))
    .option('--hidden <widths>', 'hidden layer widths, comma-separated', (v) => numberList('widths', (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1')(v))
    .option('--batch-size <n>', 'rows per mini-batch', integer(1))
    .addOption(new Option('--workers <n>', 'worker threads').argParser(integer(1)).default(availableParallelism(), 'os.availableParallelism()'))
    .option('--out <dir>', 'output folder (default, at the repository root: out/adam-vs-adamw, or docs/data/adam-vs-adamw with --full)')
    .option('--from-results <file>', 'train nothing: redraw the charts and report of an earlier results.json into the output folder')
    .allowExcessArguments(false)
    .showHelpAfterError('(run with --help for usage)');
}

/**
 * Parses the command line (without the node and script entries) into a
 * configuration. Bad input throws {@link CliExit} with code 2 after the
 * message went to `err`; `--help` throws it with code 0.
 */
export function parseCli(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void }): ExperimentConfig {
  const cmd = program()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const ok = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      throw new CliExit(ok ? 0 : 2, error.message);
    }
    throw error;
  }
  const o = cmd.opts<{
    full?: boolean;
    sgd?: boolean;
    lr?: number[];
    weightDecay?: number[];
    epochs?: number;
    seeds?: number[];
    train?: number;
    test?: number;
    hidden?: number[];
    batchSize?: number;
    workers: number;
    out?: string;
    fromResults?: string;
  }>();
  const preset = o.full ? FULL : QUICK;
  const config: ExperimentConfig = {
    preset: o.full ? 'full' : 'quick',
    train: o.train ?? preset.train,
    test: o.test ?? preset.test,
    dataSeed: preset.dataSeed,
    hidden: o.hidden ?? [...preset.hidden],
    epochs: o.epochs ?? preset.epochs,
    batchSize: o.batchSize ?? preset.batchSize,
    lr: o.lr ?? [...preset.lr],
    weightDecay: o.weightDecay ?? [...preset.weightDecay],
    seeds: o.seeds ?? [...preset.seeds],
    optimizers: o.sgd ? [...ADAM_OPTIMIZERS, ...SGD_OPTIMIZERS] : [...ADAM_OPTIMIZERS],
    workers: o.workers,
    out: o.out === undefined ? defaultOutDir(o.full === true) : resolve(o.out),
  };
  if (o.fromResults !== undefined) config.fromResults = resolve(o.fromResults);
  if (config.train + config.test > MNIST_DIGITS) {
    const message = `error: --train ${config.train} plus --test ${config.test} is more than the ${MNIST_DIGITS.toLocaleString('en-US')} digits of the mnist package`;
    io.err(`${message}\n`);
    throw new CliExit(2, message);
  }
  return config;
}
