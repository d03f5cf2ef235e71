import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { adamw, checksummed } from '@adamw/tfjs';

// Saves a model with its AdamW state, loads it back, and trains both copies
// two more epochs: the losses are identical, because the moments, step counts
// and schedule travel with the model. checksummed() adds a format number and
// CRC-32s, so that a damaged checkpoint fails to load instead of loading wrong.
await tf.setBackend('cpu');
const x = tf.randomUniform([256, 3], -1, 1, 'float32', 5);
const y = tf.oneHot(tf.argMax(x, 1), 3);

const model = tfl.sequential({
  layers: [tfl.layers.dense({ units: 12, inputShape: [3], activation: 'tanh' }), tfl.layers.dense({ units: 3, activation: 'softmax' })],
});
const optimizer = adamw({ lr: 0.01, weightDecay: 0.05, schedule: { type: 'cosineWarmRestarts', period: 40, periodMultiplier: 2 } });
model.compile({ optimizer, loss: 'categoricalCrossentropy' });
await model.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0, shuffle: false });

// Any IOHandler or URL works: 'indexeddb://…' in a browser, a handler of your own in Node.
let saved: tf.io.ModelArtifacts | undefined;
const inMemory = tf.io.withSaveHandler(async (artifacts) => {
  saved = artifacts;
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
});
await model.save(checksummed(inMemory), { includeOptimizer: true });
const restored = await tfl.loadLayersModel(checksummed(tf.io.fromMemory(saved!)));
const loaded = restored.optimizer as typeof optimizer;
console.log(`optimizer after loading: ${loaded.getClassName()}, ${loaded.iterations} steps`);

const more = { epochs: 2, batchSize: 32, verbose: 0 as const, shuffle: false };
const original = (await model.fit(x, y, more)).history.loss as number[];
const reloaded = (await restored.fit(x, y, more)).history.loss as number[];
console.log(`losses after reloading equal the original's: ${original.every((l, i) => l === reloaded[i])} (${reloaded.map((l) => l.toFixed(4)).join(', ')})`);

// One flipped bit in the saved weights, and loading refuses.
const damaged = new Uint8Array((saved!.weightData as ArrayBuffer).slice(0));
damaged[100]! ^= 4;
const refused = await tfl.loadLayersModel(checksummed(tf.io.fromMemory({ ...saved!, weightData: damaged.buffer }))).catch((e: Error) => e.message);
console.log(`a damaged copy: ${String(refused)}`);
