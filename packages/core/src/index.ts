/**
 * `@adamw/core`: AdamW (Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019) as pure functions over Float32Array and
 * Float64Array, computing what `torch.optim.AdamW` computes. Zero dependencies.
 *
 * @packageDocumentation
 */
export type { AdamWOptions, AdamWState, Convention, FloatArray, NonFiniteCheck, NonFinitePolicy } from './types.js';
export { ADAMW_DEFAULTS, ADAMW_OPTION_KEYS, resolveAdamWOptions, type ResolvedAdamWOptions } from './adamw/options.js';
export { planAdamWStep, type AdamWPlan } from './adamw/plan.js';
export { adamwReferenceKernel } from './adamw/reference-kernel.js';
export { adamwStep, adamwStepInPlace, initAdamW } from './adamw/step.js';
export { adamwSimdKernel, isSimdAvailable, simdFusedMultiplyAdd, type FusedMultiplyAdd } from './simd/kernel.js';
export { ADAMW_KERNEL_CHOICES, SIMD_MIN_LENGTH, adamwAutoKernel, adamwKernelFor, type AdamWKernel, type AdamWKernelChoice } from './simd/select.js';
export { adamwStepInPlaceWith } from './simd/step-with.js';
export { ADAMW_ARENA_MAX_BYTES, createAdamWArena, type AdamWArena } from './simd/arena.js';
export {
  SGDW_OPTION_KEYS,
  initSGDW,
  resolveSGDWOptions,
  sgdwStep,
  sgdwStepInPlace,
  type ResolvedSGDWOptions,
  type SGDWOptions,
  type SGDWState,
} from './sgdw/sgdw.js';
export {
  DEFAULT_NO_DECAY,
  adamwStepNamed,
  checkNamePatterns,
  initAdamWNamed,
  initSGDWNamed,
  matchesAny,
  noDecayRule,
  optionsFor,
  sgdwStepNamed,
  type NamePattern,
  type ParamRule,
} from './named.js';
export {
  NAMED_OPTIMIZER_CONFIG_KEYS,
  OPTIMIZER_KINDS,
  createStepProtocol,
  describeNonFinite,
  type NamedOptimizerConfig,
  type OptimizerKind,
  type OptionsOf,
  type ResolvedOptionsOf,
  type StateOf,
  type StepProtocol,
} from './optimizer/protocol.js';
export { NAMED_OPTIMIZER_FORMAT, createNamedOptimizer, type NamedOptimizer, type NamedOptimizerState, type StepReport } from './optimizer/named-optimizer.js';
export { warnDeprecated } from './deprecation.js';
export {
  constantSchedule,
  cosineAnnealing,
  cosineWarmRestarts,
  linearWarmup,
  normalizedWeightDecay,
  type CosineWarmRestartsOptions,
  type NormalizedWeightDecayOptions,
  type Schedule,
} from './schedules.js';
export { clipByGlobalNormInPlace, globalNorm } from './clip.js';
export { packArrays, unpackArrays, type ArrayArchive, type Json } from './codec/archive.js';
export {
  RESERVED_NAMES,
  deserializeAdamWState,
  deserializeCheckpoint,
  serializeAdamWState,
  serializeCheckpoint,
  type Checkpoint,
  type OptimizerState,
} from './codec/state.js';
export { crc32 } from './codec/crc32.js';
export { firstNonFinite } from './validate.js';
