import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { adamw } from '@adamw/tfjs';

// 512 points labelled by the side of the line x + y = 0.3 they fall on.
const x = tf.randomUniform([512, 2], -1, 1, 'float32', 42);
const y = tf.cast(tf.greater(tf.sum(x, 1, true), 0.3), 'float32');
const model = tfl.sequential({
  layers: [tfl.layers.dense({ units: 16, inputShape: [2], activation: 'relu' }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })],
});
model.compile({ optimizer: adamw({ lr: 0.02, weightDecay: 0.01 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
const { history } = await model.fit(x, y, { epochs: 30, batchSize: 32, verbose: 0 });
const [loss, accuracy] = [history.loss as number[], history.acc as number[]];
console.log(`loss ${loss[0]!.toFixed(3)} -> ${loss.at(-1)!.toFixed(3)}, accuracy ${accuracy.at(-1)!.toFixed(3)}`);
