// Trains a small classifier with model.fit and AdamW on tfjs's cpu backend,
// then prints the loss and accuracy of the first and last epochs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { adamw } from '@adamw/tfjs';

await tf.setBackend('cpu');

// 512 points in the plane, labelled by which side of the line x + y = 0.3 they fall on.
const x = tf.randomUniform([512, 2], -1, 1, 'float32', 42);
const y = tf.tidy(() => tf.cast(tf.greater(tf.sum(x, 1, true), 0.3), 'float32'));

const model = tfl.sequential({
  layers: [tfl.layers.dense({ units: 16, inputShape: [2], activation: 'relu' }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })],
});
// Kernels are decayed; biases are excluded by default.
model.compile({ optimizer: adamw({ lr: 0.02, weightDecay: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

const { history } = await model.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
const loss = history.loss as number[];
const accuracy = (history.acc ?? history.accuracy) as number[];
console.log(`epoch 1: loss ${loss[0]!.toFixed(4)}, accuracy ${accuracy[0]!.toFixed(3)}`);
console.log(`epoch ${loss.length}: loss ${loss.at(-1)!.toFixed(4)}, accuracy ${accuracy.at(-1)!.toFixed(3)}`);
