/**
 * `@adamw/trainer`: train small dense networks in plain JavaScript with
 * AdamW, Adam with L2, SGDW or SGD from `@adamw/core`. Models are stacks of
 * dense layers over Float32Array or Float64Array with manual
 * backpropagation; the trainer adds seeded shuffling, schedules, decay
 * exclusion by name, clipping and exact checkpoints. Runs in Node and in
 * browsers; file helpers live in `@adamw/trainer/node`.
 *
 * @packageDocumentation
 */
export { ACTIVATIONS, LOSSES, type Activation, type Dtype, type FloatArray, type LossKind } from './types.js';
export { erf } from './erf.js';
export { activate, activationBackward } from './activations.js';
export { computeLoss, countCorrect, type Targets } from './losses.js';
export { matmulTransposed, transpose, sumRows } from './gemm.js';
export { Prng } from './prng.js';
export { Mlp, checkLabels, type MlpConfig, type MlpInit } from './mlp.js';
export { MATMUL_KERNEL_CHOICES, type MatmulKernelChoice } from './dense/stack.js';
export { isMatmulSimdAvailable } from './simd/kernels.js';
export type { MatmulWorkers } from './simd/threads.js';
export { checkDataset, type Dataset } from './data.js';
export { OPTIMIZER_KINDS, type OptimizerKind, type OptimizerSpec, type TrainerOptimizer } from './optimizer.js';
export {
  Trainer,
  type EpochInfo,
  type Evaluation,
  type FitOptions,
  type FitResult,
  type StepInfo,
  type TrainerOptions,
  type TrainerPosition,
  type TrainerProgress,
} from './trainer.js';
export { TRAINER_CHECKPOINT_FORMAT, readCheckpointMeta, type TrainerCheckpointMeta } from './checkpoint.js';
