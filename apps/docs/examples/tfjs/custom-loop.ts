import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers the gradients of tfjs-core's ops, as the @tensorflow/tfjs bundle does
import { adamw } from '@adamw/tfjs';

// Least squares in a hand-written loop with optimizer.minimize: a warmup
// followed by cosine annealing, global-norm clipping, and no decay on the
// variable whose name ends in 'bias'.
await tf.setBackend('cpu');
const x = tf.randomNormal([256, 4], 0, 1, 'float32', 1);
const trueW = tf.tensor2d([[1.5], [-2], [0.5], [3]]);
const y = tf.add(tf.matMul(x, trueW), 0.7);

const w = tf.variable(tf.zeros([4, 1]), true, 'linear/kernel');
const b = tf.variable(tf.zeros([1]), true, 'linear/bias');
const optimizer = adamw({
  lr: 0.05,
  weightDecay: 0.01,
  schedule: { type: 'linearWarmup', warmupSteps: 20, after: { type: 'cosineAnnealing', totalSteps: 380 } },
  clipGlobalNorm: 5,
});
const loss = () => tf.losses.meanSquaredError(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar;

const first = optimizer.minimize(loss, true)!;
for (let step = 1; step < 400; step++) optimizer.minimize(loss);
const last = loss();
console.log(`loss ${first.dataSync()[0]!.toFixed(3)} -> ${last.dataSync()[0]!.toExponential(2)} after ${optimizer.iterations} steps`);
console.log(`bias excluded from decay: ${optimizer.isExcluded('linear/bias')}, kernel: ${optimizer.isExcluded('linear/kernel')}`);
console.log(`w ${Array.from(w.dataSync(), (v) => v.toFixed(2)).join(' ')}, b ${b.dataSync()[0]!.toFixed(2)}`);
