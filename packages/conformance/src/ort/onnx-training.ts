import { createOrtTrainer, readInitializers, type OrtTrainer, type OrtTrainerOptions } from '@adamw/onnxruntime';
import type { OnnxTrainingFixture } from '../read/onnx-training';
import { adamwFieldsOf } from '../read/optimizer';
import { SINGLE_THREAD, type OrtRunOptions } from './options';
import { base64Bytes, copies, feedTensors, identical } from './tensors';

type FloatArray = Float32Array | Float64Array;

/** What an implementation computed on an `adamw-onnx-training/1` fixture. */
export interface OnnxTrainingResult {
  /** Loss and gradients at the initial weights on `gradients.feeds`. */
  gradients: { loss: number; grads: Record<string, FloatArray> };
  /** The loss of each trajectory step, before its update. */
  losses: number[];
  /** The trained parameters after the last step. */
  params: Record<string, FloatArray>;
  /** The running statistics after the last step, for the fixture's `expected.buffers`, as the trained model holds them. */
  buffers?: Record<string, FloatArray>;
  /** Parameters that were not trained but whose values changed (none, when freezing works). */
  changedFrozen?: string[];
}

/**
 * Trains an `adamw-onnx-training/1` fixture's model with `@adamw/onnxruntime`
 * on the given ONNX Runtime module: the gradients at the initial weights
 * (the first step of a fresh trainer computes them before its update), then
 * the trajectory with a second trainer, then reads the running statistics
 * and the frozen parameters back from {@link OrtTrainer.exportModel}. The
 * fixture comes parsed; nothing here needs Node, so a browser adapter runs
 * the same code with `onnxruntime-web`.
 */
export async function runOnnxTrainingOnOrt(f: OnnxTrainingFixture, options: OrtRunOptions): Promise<OnnxTrainingResult> {
  const { ort } = options;
  const model = base64Bytes(f.onnx);
  const { noDecay, scheduleMultipliers } = f.trajectory.optimizer;
  const trainable = f.trainable;
  const base: OrtTrainerOptions = {
    model,
    optimizer: adamwFieldsOf(f.trajectory.optimizer),
    // Exact names: a string pattern matches every name containing it.
    exclude: (name: string) => noDecay.includes(name),
    // Exact names here too.
    ...(trainable === undefined ? {} : { trainable: (name: string) => trainable.includes(name) }),
    ort,
    sessionOptions: options.sessionOptions ?? SINGLE_THREAD,
  };
  const gradients = await withTrainer(base, async (t) => {
    const loss = await t.step(feedTensors(ort, f.gradients.feeds));
    return { loss, grads: copies(t.gradients) };
  });
  return withTrainer({ ...base, schedule: (t) => scheduleMultipliers[t] ?? 1 }, async (t) => {
    const losses: number[] = [];
    for (const feeds of f.trajectory.steps) losses.push(await t.step(feedTensors(ort, feeds)));
    const result: OnnxTrainingResult = { gradients, losses, params: copies(t.parameters) };
    const exported = t.exportModel();
    const buffers = Object.keys(f.trajectory.expected.buffers ?? {});
    if (buffers.length > 0) result.buffers = readInitializers(exported, buffers);
    if (trainable !== undefined) {
      const before = readInitializers(model);
      const after = readInitializers(exported);
      result.changedFrozen = Object.keys(before).filter(
        (name) => !trainable.includes(name) && !buffers.includes(name) && !identical(before[name]!, after[name] ?? []),
      );
    }
    return result;
  });
}

async function withTrainer<T>(options: OrtTrainerOptions, use: (trainer: OrtTrainer) => Promise<T>): Promise<T> {
  const trainer = await createOrtTrainer(options);
  try {
    return await use(trainer);
  } finally {
    await trainer.release();
  }
}
