/** The optimizers the experiment compares. */
export type OptimizerName = 'adam-l2' | 'adamw' | 'sgd-l2' | 'sgdw';

export const ADAM_OPTIMIZERS: readonly OptimizerName[] = ['adam-l2', 'adamw'];
export const SGD_OPTIMIZERS: readonly OptimizerName[] = ['sgd-l2', 'sgdw'];

/** How each optimizer applies λ, for the report (α: learning rate, η_t: schedule multiplier). */
export const DECAY_RULES: Readonly<Record<OptimizerName, string>> = {
  'adam-l2': 'Adam with L2: g ← g + λθ before the moments (torch.optim.Adam weight_decay)',
  adamw: 'AdamW: θ ← θ·(1 − α·η_t·λ), outside the moments (torch.optim.AdamW weight_decay)',
  'sgd-l2': 'SGD with momentum 0.9 and L2: g ← g + λθ (torch.optim.SGD weight_decay)',
  sgdw: 'SGDW with momentum 0.9: θ ← θ·(1 − α·η_t·λ)',
};

/** Everything one run of the experiment needs. */
export interface ExperimentConfig {
  /** 'quick' (the default) or 'full'; other flags override a preset's values. */
  preset: 'quick' | 'full';
  /** Training and test rows drawn from the 10,000 digits. */
  train: number;
  test: number;
  /** Seed of the train/test split (the same for every run). */
  dataSeed: number;
  /** Hidden layer widths of the MLP 784-…-10. */
  hidden: number[];
  epochs: number;
  batchSize: number;
  /** Learning-rate grid (α). */
  lr: number[];
  /** Weight-decay grid (λ), the same numbers for every optimizer. */
  weightDecay: number[];
  /** One run per seed and cell (initialisation and shuffling). */
  seeds: number[];
  optimizers: OptimizerName[];
  /** Worker threads. */
  workers: number;
  /** Output folder. */
  out: string;
  /** Redraw the outputs of this results.json instead of training. */
  fromResults?: string;
}

/** The grid, size and length of a preset. */
export type Preset = Omit<ExperimentConfig, 'preset' | 'workers' | 'out' | 'optimizers' | 'fromResults'>;

/**
 * The default: a 4 × 5 grid per optimizer on 2,000 training digits, 10 epochs,
 * one seed; a couple of minutes on two cores.
 */
export const QUICK: Readonly<Preset> = Object.freeze({
  train: 2000,
  test: 2000,
  dataSeed: 0,
  hidden: [64],
  epochs: 10,
  batchSize: 64,
  lr: [3e-3, 1e-2, 3e-2, 1e-1],
  weightDecay: [1e-4, 1e-3, 1e-2, 1e-1, 1],
  seeds: [1],
});

/** `--full`: 8,000 training digits, a 5 × 6 grid per optimizer, 12 epochs, three seeds per cell. */
export const FULL: Readonly<Preset> = Object.freeze({
  train: 8000,
  test: 2000,
  dataSeed: 0,
  hidden: [100],
  epochs: 12,
  batchSize: 64,
  lr: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
  weightDecay: [1e-4, 1e-3, 1e-2, 1e-1, 1, 10],
  seeds: [1, 2, 3],
});
