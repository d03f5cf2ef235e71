import type { OrtModule, OrtTrainerOptions } from '@adamw/onnxruntime';

/** Session options as `createOrtTrainer` takes them. */
export type SessionOptions = NonNullable<OrtTrainerOptions['sessionOptions']>;

/** What the ONNX Runtime runners need: the runtime module and its session options. */
export interface OrtRunOptions {
  /** `onnxruntime-node`, `onnxruntime-web`, or any module with the same `InferenceSession` and `Tensor`. */
  ort: OrtModule;
  /** Default {@link SINGLE_THREAD}. */
  sessionOptions?: SessionOptions;
}

/** One intra-op and one inter-op thread, as torch made the fixtures (`torch.set_num_threads(1)`). */
export const SINGLE_THREAD: SessionOptions = Object.freeze({ intraOpNumThreads: 1, interOpNumThreads: 1 });
