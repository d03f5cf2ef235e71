import { adamw } from '@adamw/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TrajectoryAdapter } from '../adapters';
import { adamwOptionsOf, batchData, type Dtype, type StoredTensor, type TrajectoryFixture } from '../fixtures';

/** torch's Linear weight [out, in] (row-major) as a Dense kernel [in, out]. */
function toKernel(w: StoredTensor): Float32Array {
  const [out, inDim] = w.shape as [number, number];
  const kernel = new Float32Array(inDim * out);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inDim; i++) kernel[i * out + o] = w.data[o * inDim + i]!;
  }
  return kernel;
}

/** A Dense kernel [in, out] back as torch's weight [out, in]. */
function toTorchWeight(kernel: Float32Array, inDim: number, out: number): Float32Array {
  const w = new Float32Array(out * inDim);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inDim; i++) w[o * inDim + i] = kernel[i * out + o]!;
  }
  return w;
}

/** The fixture's MLP as a tfjs-layers model with its initial parameters. */
function buildModel(f: TrajectoryFixture): tfl.Sequential {
  const sizes = f.model.layers;
  const model = tfl.sequential();
  for (let k = 0; k + 1 < sizes.length; k++) {
    const last = k + 2 === sizes.length;
    model.add(
      tfl.layers.dense({
        units: sizes[k + 1]!,
        ...(k === 0 ? { inputShape: [sizes[0]!] } : {}),
        activation: last ? 'linear' : f.model.activation,
      }),
    );
  }
  model.layers.forEach((layer, k) => {
    const w = f.params[`lins.${k}.weight`];
    const b = f.params[`lins.${k}.bias`];
    if (w === undefined || b === undefined) throw new Error(`fixture ${f.name} has no lins.${k}.weight / lins.${k}.bias`);
    const [out, inDim] = w.shape as [number, number];
    const values = [tf.tensor(toKernel(w), [inDim, out]), tf.tensor(Float32Array.from(b.data), [out])];
    layer.setWeights(values);
    tf.dispose(values);
  });
  return model;
}

/**
 * The loss torch computes, with tf ops: `F.cross_entropy` (mean over the
 * batch of −log softmax at the integer label) or `F.mse_loss` (mean over all
 * elements).
 */
function lossOf(f: TrajectoryFixture, output: tf.Tensor, y: tf.Tensor): tf.Scalar {
  if (f.model.loss === 'softmax-cross-entropy') {
    const classes = output.shape[1]!;
    const picked = tf.sum(tf.mul(tf.logSoftmax(output), tf.oneHot(y as tf.Tensor1D, classes)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  }
  return tf.mean(tf.square(tf.sub(output, y))) as tf.Scalar;
}

/**
 * `@adamw/tfjs`: the fixture's MLP as a tfjs-layers model of Dense layers on
 * tfjs's cpu backend, trained with `optimizer.minimize` and the `adamw`
 * optimizer (the fixture's η per step as its schedule, its `noDecay` names
 * mapped to the Dense kernels and biases as `exclude`). The loss of each step
 * is the one `minimize` returns, computed before the update.
 *
 * tfjs computes in float32 only: float64 fixtures run in float32 and can only
 * be held to float32 tolerances (`computeDtype`).
 */
export const adapter: TrajectoryAdapter & { computeDtype: Dtype } = {
  name: 'tfjs',
  computeDtype: 'float32',
  async run(f) {
    // Before any backend is initialised, getBackend() is undefined.
    const previous = tf.getBackend() as string | undefined;
    await tf.setBackend('cpu');
    const model = buildModel(f);
    const torchToTf = new Map<string, string>();
    model.layers.forEach((layer, k) => {
      torchToTf.set(`lins.${k}.weight`, layer.weights[0]!.name);
      torchToTf.set(`lins.${k}.bias`, layer.weights[1]!.name);
    });
    const excluded = new Set(f.optimizer.noDecay.map((n) => torchToTf.get(n) ?? n));
    const multipliers = f.optimizer.scheduleMultipliers;
    const o = f.optimizer;
    const optimizer = adamw({
      ...adamwOptionsOf(o),
      schedule: (t) => multipliers[t] ?? 1,
      exclude: [(name: string) => excluded.has(name)],
    });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const losses: number[] = [];
    try {
      for (let i = 0; i < f.batches.length; i++) {
        const batch = batchData(f, i);
        const x = tf.tensor(Float32Array.from(batch.x), batch.xShape);
        const y = batch.y instanceof Int32Array ? tf.tensor(batch.y, batch.yShape, 'int32') : tf.tensor(Float32Array.from(batch.y), batch.yShape);
        const loss = optimizer.minimize(() => lossOf(f, model.apply(x, { training: true }) as tf.Tensor, y), true, variables)!;
        losses.push(loss.dataSync()[0]!);
        tf.dispose([x, y, loss]);
      }
      const params: Record<string, Float32Array> = {};
      model.layers.forEach((layer, k) => {
        const [kernel, bias] = layer.getWeights();
        const [inDim, out] = kernel!.shape as [number, number];
        params[`lins.${k}.weight`] = toTorchWeight(kernel!.dataSync() as Float32Array, inDim, out);
        params[`lins.${k}.bias`] = Float32Array.from(bias!.dataSync());
      });
      return { losses, params };
    } finally {
      optimizer.dispose();
      model.dispose();
      if (previous !== undefined && previous !== 'cpu') await tf.setBackend(previous);
    }
  },
};
