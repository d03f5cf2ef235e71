import * as ort from 'onnxruntime-node';
import type { TrajectoryAdapter } from '../adapters';
import { runOnnxTrainingOnOrt } from '../ort/onnx-training';
import { SINGLE_THREAD, type OrtRunOptions } from '../ort/options';
import { runTrajectoryOnOrt } from '../ort/trajectory';

const options: OrtRunOptions = { ort, sessionOptions: SINGLE_THREAD };

/**
 * `@adamw/onnxruntime` on onnxruntime-node's CPU provider, one thread: the
 * torch-exported graph of each fixture is trained with a backward pass built
 * from standard ONNX operators and `@adamw/core`'s AdamW step. The runners
 * in `../ort/` take the ONNX Runtime module as an argument, so a browser
 * adapter runs them with onnxruntime-web.
 */
export const adapter: TrajectoryAdapter = {
  name: 'onnxruntime',
  run: (f) => runTrajectoryOnOrt(f, options),
  runOnnxTraining: (f) => runOnnxTrainingOnOrt(f, options),
};
