import { readFileSync } from 'node:fs';
import { cosineAnnealing } from '@adamw/core';
import { createOrtTrainer } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-node';

// Trains classifier.onnx on 960 points in mini-batches with a cosine schedule,
// checkpoints mid-run, then exports the trained model and checks it in a
// plain InferenceSession: the result is an ordinary ONNX model.
const model = readFileSync(new URL('./classifier.onnx', import.meta.url));
const rows = 960;
const batch = 64;
const epochs = 12;
const points = Float32Array.from({ length: 2 * rows }, (_, i) => Math.sin(i * 7.31 + 0.5));
const labels = BigInt64Array.from({ length: rows }, (_, r) =>
  BigInt(Math.floor(((Math.atan2(points[2 * r + 1]!, points[2 * r]!) + Math.PI) / (2 * Math.PI)) * 3) % 3),
);
const feedsOf = (start: number, count: number) => ({
  x: new ort.Tensor('float32', points.subarray(2 * start, 2 * (start + count)), [count, 2]),
  y: new ort.Tensor('int64', labels.subarray(start, start + count), [count]),
});

const options = {
  model,
  loss: 'loss', // the model also outputs its logits
  ort,
  optimizer: { lr: 0.02, weightDecay: 0.01 },
  schedule: cosineAnnealing(epochs * (rows / batch)),
  clipGlobalNorm: 5,
  // exclude defaults to the biases (DEFAULT_NO_DECAY of @adamw/core)
};
let trainer = await createOrtTrainer(options);
console.log(`parameters: ${Object.keys(trainer.parameters).join(', ')}`);
const all = feedsOf(0, rows);
const before = await trainer.evaluate(all);

for (let epoch = 0; epoch < epochs; epoch++) {
  for (let start = 0; start < rows; start += batch) await trainer.step(feedsOf(start, batch));
  if (epoch === 5) {
    // Save parameters and AdamW state, continue in a fresh trainer.
    const bytes = trainer.saveCheckpoint();
    await trainer.release();
    trainer = await createOrtTrainer(options);
    trainer.loadCheckpoint(bytes);
  }
}
const after = await trainer.evaluate(all);
console.log(`loss ${before.toFixed(3)} -> ${after.toFixed(3)} after ${trainer.stepCount} steps`);

const session = await ort.InferenceSession.create(trainer.exportModel());
await trainer.release();
const logits = (await session.run(all))['logits']!.data as Float32Array;
let correct = 0;
for (let r = 0; r < rows; r++) {
  const row = Array.from(logits.subarray(3 * r, 3 * r + 3));
  if (BigInt(row.indexOf(Math.max(...row))) === labels[r]) correct++;
}
await session.release();
console.log(`exported model accuracy ${(correct / rows).toFixed(3)}`);
