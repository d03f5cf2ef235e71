import { readFileSync } from 'node:fs';
import { createOrtTrainer, readInitializers } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-node';
// The model (a pretrained two-layer nn.TransformerEncoder with a fresh head, exported by torch)
// and its token data come with the package's own example.
import { MODEL, accuracy, tokenRows } from '../../../../packages/onnxruntime/examples/finetune-head.js';

const model = new Uint8Array(readFileSync(MODEL));
const trainer = await createOrtTrainer({
  model,
  loss: 'loss', // the model returns (loss, logits)
  trainable: /^head\./, // only head.weight and head.bias train; the rest stays frozen
  optimizer: { lr: 1e-2, weightDecay: 1e-2 },
  ort,
});
const test = tokenRows(512, 1);
console.log(`training ${Object.keys(trainer.parameters).join(', ')}`);
console.log(`held-out accuracy before ${(await accuracy(trainer.exportModel(), test)).toFixed(2)}`);
for (let s = 0; s < 60; s++) {
  const batch = tokenRows(32, 100 + s);
  await trainer.step({ x: batch.x, pad: batch.pad, y: batch.y });
}
const exported = trainer.exportModel();
console.log(`held-out accuracy after ${(await accuracy(exported, test)).toFixed(2)}`);
// A frozen weight is bit for bit what it was.
const name = 'encoder.layers.0.linear1.weight';
const same = readInitializers(exported, [name])[name]!.every((v, i) => Object.is(v, readInitializers(model, [name])[name]![i]));
console.log(`${name} unchanged: ${same}`);
await trainer.release();
