/**
 * `@adamw/tfjs`: AdamW with decoupled weight decay for TensorFlow.js, a
 * drop-in `tf.Optimizer` for `model.compile`, `model.fit`, `minimize` and
 * `model.save`/`tf.loadLayersModel`, computing what `torch.optim.AdamW`
 * computes. `@tensorflow/tfjs-core` is a peer dependency: the optimizer
 * registers itself in the application's own copy.
 *
 * @packageDocumentation
 */
export { AdamWOptimizer, adamw } from './optimizer.js';
export type { NamedTensor } from './gradients.js';
export {
  TFJS_ADAMW_OPTION_KEYS,
  baseName,
  isExcluded,
  pathForBackend,
  resolveTfjsOptions,
  type ConcretePath,
  type ExecutionPath,
  type ResolvedTfjsOptions,
  type TfjsAdamWOptions,
} from './options.js';
export { scheduleFromConfig, type ScheduleConfig } from './schedule-config.js';
export { CHECKSUM_FORMAT, CHECKSUM_METADATA_KEY, checksummed, type ChecksumRecord } from './checksum.js';
