// The playground's training, in plain functions the worker runs (and the
// tests run in Node): @adamw/trainer on the shipped digits, in short chunks
// of updates so that the page sees progress and a stop request is honoured
// between chunks.
import { constantSchedule, cosineAnnealing, cosineWarmRestarts, type Schedule } from '@adamw/core';
import { Mlp, Trainer, type OptimizerSpec } from '@adamw/trainer';
import { splitDigits, type Digits } from './digits';
import type { GridCell, PlaygroundOptimizer, RunSettings, Snapshot } from './protocol';
import { PLAYGROUND_OPTIMIZERS } from './protocol';

/** Updates per optimizer between two snapshots. */
export const CHUNK_STEPS = 8;

/** Test evaluations per epoch. */
const EVALS_PER_EPOCH = 2;

/** Lets the worker's event loop run: messages (a stop) are handled between chunks. */
export type Yield = () => Promise<void>;

export function optimizerSpec(optimizer: PlaygroundOptimizer, s: Pick<RunSettings, 'lr' | 'weightDecay' | 'decayForm'>): OptimizerSpec {
  return optimizer === 'adam-l2'
    ? { kind: 'adam', options: { lr: s.lr, weightDecay: s.weightDecay } }
    : { kind: 'adamw', options: { lr: s.lr, weightDecay: s.weightDecay, decayScale: s.decayForm === 'paper' ? 'schedule' : 'lr' } };
}

/** η_t over `totalSteps` updates. Warm restarts: three periods of 1/7, 2/7 and 4/7 of the run. */
export function scheduleFor(kind: RunSettings['schedule'], totalSteps: number): Schedule {
  if (kind === 'constant') return constantSchedule(1);
  if (kind === 'cosine') return cosineAnnealing(totalSteps);
  const first = Math.max(1, Math.round(totalSteps / 7));
  return cosineWarmRestarts({ period: first, periodMultiplier: 2 });
}

/** The L2 norm of every unit's incoming weights: each row of each weight matrix [out, in]. */
export function unitNorms(model: Mlp): number[] {
  const out: number[] = [];
  for (let layer = 0; layer + 1 < model.layers.length; layer++) {
    const w = model.params[`lins.${layer}.weight`]!;
    const inputs = model.layers[layer]!;
    for (let row = 0; row * inputs < w.length; row++) {
      let squares = 0;
      for (let k = row * inputs; k < (row + 1) * inputs; k++) squares += w[k]! * w[k]!;
      out.push(Math.sqrt(squares));
    }
  }
  return out;
}

interface Run {
  optimizer: PlaygroundOptimizer;
  model: Mlp;
  trainer: Trainer;
  losses: Snapshot['losses'];
  evals: Snapshot['evals'];
}

function makeRun(optimizer: PlaygroundOptimizer, s: RunSettings, inputs: number, totalSteps: number): Run {
  // The same seed for both: the two optimizers start from the same weights and see the same batches.
  const model = new Mlp({ layers: [inputs, s.hidden, 10], activation: 'relu', dtype: 'float32' }, { seed: s.seed });
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: optimizerSpec(optimizer, s),
    batchSize: s.batchSize,
    schedule: scheduleFor(s.schedule, totalSteps),
    seed: s.seed,
  });
  return { optimizer, model, trainer, losses: [], evals: [] };
}

type Split = ReturnType<typeof splitDigits>;

/** Up to `steps` more updates of a run; returns whether the run is complete. */
function advance(run: Run, split: Split, s: RunSettings, steps: number, evalEvery: number): boolean {
  let n = 0;
  run.trainer.fit(
    { x: split.train.x, y: split.train.y },
    {
      epochs: s.epochs,
      onStep: (info) => {
        run.losses.push({ step: info.step, loss: info.loss });
        if (info.step % evalEvery === 0) {
          const e = run.trainer.evaluate({ x: split.test.x, y: split.test.y }, { batchSize: 500 });
          run.evals.push({ step: info.step, testError: 1 - e.accuracy!, testLoss: e.loss });
        }
        return ++n < steps;
      },
    },
  );
  return run.trainer.position.epoch >= s.epochs;
}

function snapshot(run: Run, totalSteps: number): Snapshot {
  const out: Snapshot = {
    optimizer: run.optimizer,
    step: run.trainer.position.step,
    totalSteps,
    losses: run.losses,
    evals: run.evals,
    unitNorms: unitNorms(run.model),
  };
  run.losses = [];
  run.evals = [];
  return out;
}

/** Checks what the page sent before anything trains. */
export function checkSettings(s: RunSettings, digits: Digits): void {
  const positive = (name: keyof RunSettings) => {
    const v = s[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${String(v)}`);
  };
  positive('lr');
  if (!(s.weightDecay >= 0) || !Number.isFinite(s.weightDecay)) throw new RangeError(`weightDecay must be a number >= 0, got ${s.weightDecay}`);
  for (const name of ['epochs', 'hidden', 'batchSize', 'train', 'test'] as const) {
    positive(name);
    if (!Number.isInteger(s[name])) throw new RangeError(`${name} must be an integer, got ${s[name]}`);
  }
  if (s.train + s.test > digits.count) throw new RangeError(`${s.train} training and ${s.test} test digits are more than the ${digits.count} shipped`);
}

/**
 * Trains Adam with L2 and AdamW side by side, {@link CHUNK_STEPS} updates
 * of each in turn, sending a snapshot of both after every chunk. Returns
 * false when `stopped()` ended it early.
 */
export async function compare(digits: Digits, s: RunSettings, send: (snapshots: Snapshot[]) => void, stopped: () => boolean, pause: Yield): Promise<boolean> {
  checkSettings(s, digits);
  const split = splitDigits(digits, s.train, s.test);
  const stepsPerEpoch = Math.ceil(s.train / s.batchSize);
  const totalSteps = s.epochs * stepsPerEpoch;
  const evalEvery = Math.max(1, Math.round(stepsPerEpoch / EVALS_PER_EPOCH));
  const runs = PLAYGROUND_OPTIMIZERS.map((o) => makeRun(o, s, digits.side * digits.side, totalSteps));
  send(runs.map((r) => snapshot(r, totalSteps)));
  for (;;) {
    const finished = runs.map((r) => advance(r, split, s, CHUNK_STEPS, evalEvery));
    send(runs.map((r) => snapshot(r, totalSteps)));
    if (finished.every(Boolean)) return true;
    await pause();
    if (stopped()) return false;
  }
}

/**
 * Trains one short run per optimizer × α × λ of a coarse grid and sends
 * each cell's final test error as it finishes. Returns false when stopped.
 */
export async function grid(
  digits: Digits,
  s: RunSettings,
  lrs: readonly number[],
  weightDecays: readonly number[],
  send: (cell: GridCell, done: number, total: number) => void,
  stopped: () => boolean,
  pause: Yield,
): Promise<boolean> {
  checkSettings(s, digits);
  const split = splitDigits(digits, s.train, s.test);
  const totalSteps = s.epochs * Math.ceil(s.train / s.batchSize);
  const total = lrs.length * weightDecays.length * PLAYGROUND_OPTIMIZERS.length;
  let done = 0;
  for (const weightDecay of weightDecays) {
    for (const lr of lrs) {
      for (const optimizer of PLAYGROUND_OPTIMIZERS) {
        const run = makeRun(optimizer, { ...s, lr, weightDecay }, digits.side * digits.side, totalSteps);
        while (!advance(run, split, s, CHUNK_STEPS * 4, Number.MAX_SAFE_INTEGER)) {
          await pause();
          if (stopped()) return false;
        }
        const e = run.trainer.evaluate({ x: split.test.x, y: split.test.y }, { batchSize: 500 });
        send({ optimizer, lr, weightDecay, testError: 1 - e.accuracy! }, ++done, total);
      }
    }
  }
  return true;
}
