/**
 * The optimizers the experiment compares. `adamw` and `sgdw` decay in the
 * paper's form (θ ← θ·(1 − η_t·λ), Algorithms 1 and 2 of Loshchilov &
 * Hutter); the `-torch` variants in the form most code runs
 * (θ ← θ·(1 − α·η_t·λ), `torch.optim.AdamW`).
 */
export type OptimizerName = 'adam-l2' | 'adamw' | 'adamw-torch' | 'sgd-l2' | 'sgdw' | 'sgdw-torch';

/** Adam-type or SGD-type: the two rows of the paper's Figure 2, each with its own learning rates. */
export type Family = 'adam' | 'sgd';

/** How λ enters the update: through the gradient (L2), or as a decay scaled by η_t or by α·η_t. */
export type DecayScale = 'schedule' | 'lr';

/** What the report and the charts need to know about an optimizer. */
export interface OptimizerInfo {
  family: Family;
  decay: 'l2' | 'decoupled';
  /** `decayScale` of `@adamw/core` for decoupled decay; null for L2 (λθ goes into the gradient). */
  decayScale: DecayScale | null;
  /** Display name under cosine annealing. */
  label: string;
  /** Display name under warm restarts (the paper's AdamWR and SGDWR). */
  restartLabel: string;
  /** The update, for the report. */
  rule: string;
}

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerInfo>> = Object.freeze({
  'adam-l2': {
    family: 'adam',
    decay: 'l2',
    decayScale: null,
    label: 'Adam with L2',
    restartLabel: 'AdamR with L2',
    rule: 'g ← g + λθ, then Adam (torch.optim.Adam weight_decay)',
  },
  adamw: {
    family: 'adam',
    decay: 'decoupled',
    decayScale: 'schedule',
    label: 'AdamW',
    restartLabel: 'AdamWR',
    rule: "Adam on g, then θ ← θ − η_t·λ·θ (the paper's Algorithm 2; decayScale: 'schedule')",
  },
  'adamw-torch': {
    family: 'adam',
    decay: 'decoupled',
    decayScale: 'lr',
    label: 'AdamW, torch form',
    restartLabel: 'AdamWR, torch form',
    rule: 'Adam on g, then θ ← θ − α·η_t·λ·θ (torch.optim.AdamW weight_decay)',
  },
  'sgd-l2': {
    family: 'sgd',
    decay: 'l2',
    decayScale: null,
    label: 'SGD with L2',
    restartLabel: 'SGDR with L2',
    rule: 'g ← g + λθ, then SGD with momentum 0.9 (torch.optim.SGD weight_decay)',
  },
  sgdw: {
    family: 'sgd',
    decay: 'decoupled',
    decayScale: 'schedule',
    label: 'SGDW',
    restartLabel: 'SGDWR',
    rule: "SGD with momentum 0.9 on g, and θ ← θ − η_t·λ·θ (the paper's Algorithm 1; decayScale: 'schedule')",
  },
  'sgdw-torch': {
    family: 'sgd',
    decay: 'decoupled',
    decayScale: 'lr',
    label: 'SGDW, α-scaled',
    restartLabel: 'SGDWR, α-scaled',
    rule: 'SGD with momentum 0.9 on g, and θ ← θ − α·η_t·λ·θ',
  },
});

export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

/** The L2 optimizer each decoupled one is compared with (one row of Figure 2). */
export const COUPLED_PARTNER: Readonly<Partial<Record<OptimizerName, OptimizerName>>> = Object.freeze({
  adamw: 'adam-l2',
  'adamw-torch': 'adam-l2',
  sgdw: 'sgd-l2',
  'sgdw-torch': 'sgd-l2',
});

/** Which decoupled form runs: the paper's, torch's, or both side by side. */
export type DecayForm = 'paper' | 'torch' | 'both';

/** The optimizers of the given families in the given decay form, in display order. */
export function optimizersFor(families: readonly Family[], form: DecayForm): OptimizerName[] {
  return OPTIMIZER_NAMES.filter((name) => {
    const info = OPTIMIZERS[name];
    if (!families.includes(info.family)) return false;
    if (info.decayScale === null) return true;
    return form === 'both' || (form === 'paper') === (info.decayScale === 'schedule');
  });
}

/**
 * The learning-rate multiplier η_t over the run: one cosine from 1 to 0
 * (`cosine`), or cosine annealing with warm restarts (SGDR; the paper's
 * AdamWR and SGDWR) whose first period lasts `period` epochs and each next
 * one twice as long.
 */
export type ScheduleConfig = { kind: 'cosine' } | { kind: 'restarts'; period: number };

/** The factor by which each warm-restart period is longer than the one before (T_mult). */
export const RESTART_MULTIPLIER = 2;

/** One period of the schedule: epochs [start, start + epochs). A cosine run is one period. */
export interface Period {
  start: number;
  epochs: number;
}

/**
 * The periods of a schedule over `epochs` epochs, or a message saying why
 * the run does not end at the end of a period (warm restarts only).
 */
export function schedulePeriods(schedule: ScheduleConfig, epochs: number): Period[] | string {
  if (schedule.kind === 'cosine') return [{ start: 0, epochs }];
  const periods: Period[] = [];
  let start = 0;
  let length = schedule.period;
  while (start < epochs) {
    periods.push({ start, epochs: length });
    start += length;
    length *= RESTART_MULTIPLIER;
  }
  if (start !== epochs) {
    const ends: number[] = [];
    for (let s = 0, l = schedule.period; ends.length < 5; s += l, l *= RESTART_MULTIPLIER) ends.push(s + l);
    return `warm restarts with a first period of ${schedule.period} epochs end a period after ${ends.join(', ')}, … epochs, not after ${epochs}`;
  }
  return periods;
}

/** The data, model and length of a run, and its seeds: what a preset and a configuration share. */
export interface RunShape {
  /** Training and test rows drawn from the 10,000 digits. */
  train: number;
  test: number;
  /** Seed of the train/test split (the same for every run). */
  dataSeed: number;
  /** Hidden layer widths of the MLP 784-…-10. */
  hidden: number[];
  epochs: number;
  batchSize: number;
  /** One run per seed and cell (initialisation and shuffling). */
  seeds: number[];
}

/** Everything one run of the experiment needs. */
export interface ExperimentConfig extends RunShape {
  /** 'quick' (the default) or 'full'; other flags override a preset's values. */
  preset: 'quick' | 'full';
  schedule: ScheduleConfig;
  /** Learning-rate grid (α) of each optimizer. */
  lr: Partial<Record<OptimizerName, number[]>>;
  /**
   * Normalized weight-decay grid (λ_norm) of each optimizer: a run's λ is
   * λ_norm·√(b/(B·T)) with b the batch size, B the training rows and T the
   * epochs of the run (of the current period under warm restarts).
   */
  weightDecayNorm: Partial<Record<OptimizerName, number[]>>;
  optimizers: OptimizerName[];
  /** Worker threads. */
  workers: number;
  /** Output folder. */
  out: string;
  /** Redraw the outputs of this results.json instead of training. */
  fromResults?: string;
}

/** The size, length and grids of a preset, per family of optimizers. */
export interface Preset extends RunShape {
  /** The first period of `--restarts` without a number: the preset's epochs are periods of 1, 2 and 4 times it. */
  restartPeriod: number;
  lr: Record<Family, number[]>;
  weightDecayNorm: Record<OptimizerName, number[]>;
}

/** Powers of two times `base`, from 2^from to 2^to. */
function powersOfTwo(base: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let k = from; k <= to; k++) out.push(Number((base * 2 ** k).toPrecision(6)));
  return out;
}

/**
 * λ_norm of each optimizer, the same for both presets (normalization is what
 * lets a grid carry over between run lengths): 1/64 to 1 in steps of 2 for
 * the paper's forms; torch's form decays by α·η_t·λ, so its grid sits 1/α
 * higher (about 60× for Adam's α, 4× for SGD's).
 */
const WEIGHT_DECAY_NORMS: Readonly<Record<OptimizerName, number[]>> = Object.freeze({
  'adam-l2': powersOfTwo(1, -6, 0),
  adamw: powersOfTwo(1, -6, 0),
  'adamw-torch': powersOfTwo(1, 1, 7),
  'sgd-l2': powersOfTwo(1, -6, 0),
  sgdw: powersOfTwo(1, -6, 0),
  'sgdw-torch': powersOfTwo(1, -3, 3),
});

/**
 * The default: 1,000 training digits, 21 epochs, one seed, a 5 × 7 grid per
 * optimizer for both rows of Figure 2 (140 runs); about 200 CPU seconds, under
 * two minutes on two idle cores. Small data and many epochs put it where training fits the
 * training digits and weight decay is what regularizes.
 */
export const QUICK: Readonly<Preset> = Object.freeze({
  train: 1000,
  test: 1000,
  dataSeed: 0,
  hidden: [32],
  epochs: 21,
  batchSize: 64,
  seeds: [1],
  restartPeriod: 3,
  lr: { adam: powersOfTwo(4e-3, 0, 4), sgd: powersOfTwo(0.05, 0, 4) },
  weightDecayNorm: WEIGHT_DECAY_NORMS,
});

/**
 * `--full`: 8,000 training digits, 35 epochs (three times the 12 of an
 * ordinary MNIST run, far past fitting the training digits), three seeds, a
 * 6 × 7 grid per optimizer (504 runs).
 */
export const FULL: Readonly<Preset> = Object.freeze({
  train: 8000,
  test: 2000,
  dataSeed: 0,
  hidden: [100],
  epochs: 35,
  batchSize: 64,
  seeds: [1, 2, 3],
  restartPeriod: 5,
  lr: { adam: powersOfTwo(1.25e-3, 0, 5), sgd: powersOfTwo(0.025, 0, 5) },
  weightDecayNorm: WEIGHT_DECAY_NORMS,
});
