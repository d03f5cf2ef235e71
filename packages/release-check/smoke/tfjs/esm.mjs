// Imports @adamw/tfjs with tfjs-core and the cpu backend as an ESM consumer
// would and takes one minimize step of a linear loss.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core alone registers no gradients; tfjs-layers (or the @tensorflow/tfjs bundle) does.
import '@tensorflow/tfjs-layers';
import { adamw } from '@adamw/tfjs';

await tf.setBackend('cpu');
const w = tf.variable(tf.tensor1d([1, -2, 0.5]), true, 'w');
const c = tf.tensor1d([0.5, -0.25, 0.75]);
const optimizer = adamw({ lr: 0.1, weightDecay: 0.01, exclude: [] });
// d/dw Σ w·c = c.
optimizer.minimize(() => tf.sum(tf.mul(w, c)));
console.log(
  JSON.stringify({
    resolved: import.meta.resolve('@adamw/tfjs'),
    backend: tf.getBackend(),
    isOptimizer: optimizer instanceof tf.Optimizer,
    registered: 'AdamW' in tf.serialization.SerializationMap.getMap().classNameMap,
    iterations: optimizer.iterations,
    params: Array.from(w.dataSync()),
  }),
);
