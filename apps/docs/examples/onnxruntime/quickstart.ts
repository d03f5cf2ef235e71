import { readFileSync } from 'node:fs';
import { createOrtTrainer } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-node';

// classifier.onnx: a PyTorch module whose forward(x, y) returns (loss, logits),
// exported with torch.onnx.export in training mode.
const trainer = await createOrtTrainer({
  model: readFileSync(new URL('./classifier.onnx', import.meta.url)),
  loss: 'loss',
  ort,
  optimizer: { lr: 0.01, weightDecay: 0.01 },
});
// A batch of 64 points in three classes, by the angle of each point.
const x = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i * 7.31));
const y = BigInt64Array.from({ length: 64 }, (_, r) => BigInt(Math.floor(((Math.atan2(x[2 * r + 1]!, x[2 * r]!) + Math.PI) / (2 * Math.PI)) * 3) % 3));
const feeds = { x: new ort.Tensor('float32', x, [64, 2]), y: new ort.Tensor('int64', y, [64]) };
const first = await trainer.step(feeds);
for (let i = 0; i < 300; i++) await trainer.step(feeds);
console.log(`loss ${first.toFixed(3)} -> ${(await trainer.evaluate(feeds)).toFixed(3)} after ${trainer.stepCount} AdamW steps`);
await trainer.release();
