/**
 * `@adamw/onnxruntime`: train ONNX models with the stock ONNX Runtime
 * InferenceSession of `onnxruntime-web` (browsers and Node) or
 * `onnxruntime-node`. The backward pass is written out of standard ONNX
 * operators ({@link buildTraining}, {@link buildTrainingBytes}), ONNX Runtime runs forward and
 * backward in one `session.run`, and `@adamw/core`'s AdamW step updates the
 * parameters in place ({@link createOrtTrainer}). This entry imports nothing
 * from Node; file helpers and `onnxruntime-node` as the default runtime are
 * in `@adamw/onnxruntime/node`.
 *
 * @packageDocumentation
 */
export {
  buildTraining,
  buildTrainingBytes,
  buildTrainingModel,
  type ModelInput,
  type TrainableParameter,
  type TrainingModel,
  type TrainingModelOptions,
} from './autodiff/build.js';
export type { BatchStatistics } from './autodiff/context.js';
export { DIFFERENTIABLE_OPERATORS, NON_DIFFERENTIABLE_OPERATORS } from './autodiff/rules/index.js';
export { createOrtTrainer, type OrtModule, type OrtTrainer, type OrtTrainerOptions, type ParameterArray } from './trainer/trainer.js';
export type { ExportOptions } from './trainer/forward.js';
export { loadCheckpointFile, saveCheckpointFile } from './deprecated.js';
export { CHECKPOINT_FORMAT } from './trainer/checkpoint.js';
export type { Dim } from './graph/values.js';
export type { FloatDataType } from './proto/tensor.js';
export { DataType } from './proto/types.js';
export { readInitializers } from './trainer/initializers.js';
