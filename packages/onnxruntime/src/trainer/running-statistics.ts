import type { Tensor } from 'onnxruntime-node';
import type { TrainingModel } from '../autodiff/build.js';
import { decodeModel } from '../proto/codec.js';
import { readFloatTensor } from '../proto/tensor.js';
import { ortTypeOf } from './feeds.js';
import type { OrtModule, ParameterArray } from './trainer.js';

/**
 * The running statistics of a model's training-mode BatchNormalization
 * nodes, kept by the trainer as torch keeps `running_mean` and
 * `running_var`: after every applied step,
 *
 * ```text
 * running_mean ← (1 − m)·running_mean + m·mean(batch)
 * running_var  ← (1 − m)·running_var  + m·var(batch, unbiased)
 * ```
 *
 * with torch's momentum m (0.1 by default), computed in double precision
 * and stored in the buffer's type, as torch's CPU kernel does. The batch
 * statistics are outputs of the training model, written into preallocated
 * arrays by the same `session.run` that computes the gradients.
 */
export interface RunningStatistics {
  /** The running statistics by initializer name (the arrays exported and checkpointed). */
  readonly values: Readonly<Record<string, ParameterArray>>;
  /** Preallocated fetches for the batch statistics outputs of the training model. */
  readonly fetches: Readonly<Record<string, Tensor>>;
  /** Tensors over `values`, to feed a model that reads them as inputs (evaluation). */
  readonly tensors: Readonly<Record<string, Tensor>>;
  /** Folds the batch statistics of the last run into the running statistics. */
  update(): void;
}

export function createRunningStatistics(training: TrainingModel, forward: Uint8Array, ort: OrtModule): RunningStatistics {
  const values: Record<string, ParameterArray> = {};
  const fetches: Record<string, Tensor> = {};
  const tensors: Record<string, Tensor> = {};
  const updates: { running: ParameterArray; batch: ParameterArray; momentum: number }[] = [];
  if (training.batchStatistics.length === 0) return { values, fetches, tensors, update() {} };
  const initializers = new Map((decodeModel(forward).graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const track = (name: string, output: string, momentum: number): void => {
    const t = initializers.get(name);
    if (t === undefined) throw new Error(`internal: the running statistic '${name}' is not an initializer`);
    values[name] ??= readFloatTensor(t);
    const running = values[name]!;
    const batch = running instanceof Float64Array ? new Float64Array(running.length) : new Float32Array(running.length);
    const type = ortTypeOf(t.dataType ?? 0);
    tensors[name] ??= new ort.Tensor(type, running, (t.dims ?? []).map(Number));
    fetches[output] = new ort.Tensor(type, batch, (t.dims ?? []).map(Number));
    updates.push({ running, batch, momentum });
  };
  for (const s of training.batchStatistics) {
    track(s.runningMean, s.mean, s.momentum);
    track(s.runningVar, s.variance, s.momentum);
  }
  return {
    values,
    fetches,
    tensors,
    update() {
      for (const { running, batch, momentum } of updates) {
        for (let i = 0; i < running.length; i++) running[i] = momentum * batch[i]! + (1 - momentum) * running[i]!;
      }
    },
  };
}
