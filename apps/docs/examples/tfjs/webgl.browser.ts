import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import * as tfl from '@tensorflow/tfjs-layers';
import { adamw } from '@adamw/tfjs';

/** Trains a small classifier on the GPU of the page (WebGL) and reports through `print`. */
export async function trainOnWebGL(print: (line: string) => void = console.log): Promise<void> {
  if (!(await tf.setBackend('webgl'))) throw new Error('this browser offers no WebGL 2');
  // 400 points in a square, labelled by whether they lie inside a circle: a boundary no straight line draws.
  const points = tf.randomUniform([400, 2], -1, 1, 'float32', 7);
  const labels = tf.tidy(() => tf.cast(tf.less(tf.sum(tf.square(points), 1, true), 0.5), 'float32'));
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 16, inputShape: [2], activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  const optimizer = adamw({ lr: 0.03, weightDecay: 1e-4, schedule: { type: 'cosineAnnealing', totalSteps: 520 } });
  model.compile({ optimizer, loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const before = tf.memory().numTensors;
  const { history } = await model.fit(points, labels, { epochs: 40, batchSize: 32, shuffle: true, verbose: 0 });
  const [loss, accuracy] = [history.loss as number[], history.acc as number[]];
  print(`backend ${tf.getBackend()}, AdamW on its '${optimizer.activePath}' path, ${optimizer.iterations} steps`);
  print(`loss ${loss[0]!.toFixed(3)} -> ${loss.at(-1)!.toFixed(3)}, accuracy ${accuracy.at(-1)!.toFixed(3)}`);
  // The optimizer holds two moment variables per weight, on the GPU; dispose() frees them.
  print(`tensors held by the optimizer: ${tf.memory().numTensors - before}`);
  optimizer.dispose();
  model.dispose();
  tf.dispose([points, labels]);
}
