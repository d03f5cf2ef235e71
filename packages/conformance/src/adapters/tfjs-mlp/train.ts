// Trains an MlpPlan with tfjs-layers and @adamw/tfjs on whatever backend is
// active. Runs in Node and in the browser alike: no Node imports here.
import { adamw, type AdamWOptimizer } from '@adamw/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { MlpPlan, MlpResult } from './plan';

/** The plan's MLP as a tfjs-layers model of Dense layers with its initial parameters. */
function buildModel(plan: MlpPlan): tfl.Sequential {
  const model = tfl.sequential();
  plan.layers.forEach((layer, k) => {
    const last = k + 1 === plan.layers.length;
    model.add(
      tfl.layers.dense({
        units: layer.outDim,
        ...(k === 0 ? { inputShape: [layer.inDim] } : {}),
        activation: last ? 'linear' : plan.model.activation,
      }),
    );
  });
  model.layers.forEach((layer, k) => {
    const { inDim, outDim, kernel, bias } = plan.layers[k]!;
    const values = [tf.tensor(kernel, [inDim, outDim], 'float32'), tf.tensor(bias, [outDim], 'float32')];
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
function lossOf(plan: MlpPlan, output: tf.Tensor, y: tf.Tensor): tf.Scalar {
  if (plan.model.loss === 'softmax-cross-entropy') {
    const classes = output.shape[1]!;
    const picked = tf.sum(tf.mul(tf.logSoftmax(output), tf.oneHot(y as tf.Tensor1D, classes)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  }
  return tf.mean(tf.square(tf.sub(output, y))) as tf.Scalar;
}

/** A Dense kernel [in, out] back as torch's weight [out, in]. */
function toTorchWeight(kernel: ArrayLike<number>, inDim: number, out: number): number[] {
  const w = new Array<number>(out * inDim);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inDim; i++) w[o * inDim + i] = kernel[i * out + o]!;
  }
  return w;
}

/** What else a run reports: where it ran, and the optimizer's path. */
export interface MlpRunInfo {
  backend: string;
  path: AdamWOptimizer['activePath'];
}

/**
 * Trains the plan's MLP with `optimizer.minimize` and the `adamw` optimizer
 * (the plan's η per step as its schedule, its `noDecay` names mapped to the
 * Dense kernels and biases as `exclude`) on the active backend. The loss of
 * each step is the one `minimize` returns, computed before the update; the
 * losses are read back once, at the end.
 */
export async function trainPlan(plan: MlpPlan): Promise<MlpResult & MlpRunInfo> {
  const model = buildModel(plan);
  const torchToTf = new Map<string, string>();
  model.layers.forEach((layer, k) => {
    torchToTf.set(`lins.${k}.weight`, layer.weights[0]!.name);
    torchToTf.set(`lins.${k}.bias`, layer.weights[1]!.name);
  });
  const excluded = new Set(plan.optimizer.noDecay.map((n) => torchToTf.get(n) ?? n));
  const multipliers = plan.optimizer.scheduleMultipliers;
  const optimizer = adamw({
    ...plan.optimizer.options,
    schedule: (t) => multipliers[t] ?? 1,
    exclude: [(name: string) => excluded.has(name)],
  });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: tf.Scalar[] = [];
  try {
    for (const batch of plan.batches) {
      const inDim = plan.layers[0]!.inDim;
      const x = tf.tensor(batch.x, [batch.rows, inDim], 'float32');
      const y =
        plan.model.loss === 'softmax-cross-entropy'
          ? tf.tensor(batch.y, [batch.rows], 'int32')
          : tf.tensor(batch.y, [batch.rows, plan.layers[plan.layers.length - 1]!.outDim], 'float32');
      losses.push(optimizer.minimize(() => lossOf(plan, model.apply(x, { training: true }) as tf.Tensor, y), true, variables)!);
      tf.dispose([x, y]);
    }
    const stacked = losses.length === 0 ? undefined : tf.stack(losses);
    const lossValues = stacked === undefined ? [] : Array.from(await stacked.data());
    stacked?.dispose();
    const params: Record<string, number[]> = {};
    for (const [k, layer] of model.layers.entries()) {
      const [kernel, bias] = layer.getWeights();
      const [inDim, out] = kernel!.shape as [number, number];
      params[`lins.${k}.weight`] = toTorchWeight(await kernel!.data(), inDim, out);
      params[`lins.${k}.bias`] = Array.from(await bias!.data());
    }
    return { losses: lossValues, params, backend: tf.getBackend(), path: optimizer.activePath };
  } finally {
    tf.dispose(losses);
    optimizer.dispose();
    model.dispose();
  }
}
