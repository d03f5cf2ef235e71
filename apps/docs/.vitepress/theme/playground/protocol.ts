// Messages between the playground page (which only draws) and its Web
// Worker (which trains).

/** The two optimizers the playground trains side by side. */
export type PlaygroundOptimizer = 'adam-l2' | 'adamw';
export const PLAYGROUND_OPTIMIZERS: readonly PlaygroundOptimizer[] = ['adam-l2', 'adamw'];

/** AdamW's decay: η_t·λ (the paper's, `decayScale: 'schedule'`) or α·η_t·λ (torch's, `decayScale: 'lr'`). */
export type DecayForm = 'paper' | 'torch';

/** η_t over the run: 1 throughout, one cosine to 0, or cosine with warm restarts (periods of 1, 2, 4 sevenths of the run). */
export type ScheduleKind = 'constant' | 'cosine' | 'restarts';

/** What a reader chooses. */
export interface RunSettings {
  /** α. */
  lr: number;
  /** λ, the same number for both optimizers (as the optimizer takes it). */
  weightDecay: number;
  decayForm: DecayForm;
  schedule: ScheduleKind;
  epochs: number;
  /** Hidden units of the MLP 196-hidden-10. */
  hidden: number;
  batchSize: number;
  /** Training and test digits, from the shipped file. */
  train: number;
  test: number;
  seed: number;
}

export type ToWorker =
  /** Train Adam with L2 and AdamW side by side from the same initial weights. */
  | { type: 'compare'; settings: RunSettings; digitsUrl: string }
  /** Train every α × λ of a coarse grid for both, one short run per cell. */
  | { type: 'grid'; settings: RunSettings; lrs: number[]; weightDecays: number[]; digitsUrl: string }
  | { type: 'stop' };

/** Where one optimizer's run stands, with what happened since the last snapshot. */
export interface Snapshot {
  optimizer: PlaygroundOptimizer;
  /** Updates done. */
  step: number;
  totalSteps: number;
  /** Batch losses since the last snapshot. */
  losses: { step: number; loss: number }[];
  /** Test evaluations since the last snapshot. */
  evals: { step: number; testError: number; testLoss: number }[];
  /** The L2 norm of each unit's incoming weights (every row of every weight matrix), now. */
  unitNorms: number[];
}

/** One finished cell of the grid. */
export interface GridCell {
  optimizer: PlaygroundOptimizer;
  lr: number;
  weightDecay: number;
  testError: number;
}

export type FromWorker =
  | { type: 'progress'; snapshots: Snapshot[] }
  | { type: 'cell'; cell: GridCell; done: number; total: number }
  | { type: 'done'; stopped: boolean }
  | { type: 'error'; message: string };
