// Imports @adamw/onnxruntime with onnxruntime-node as an ESM consumer would
// and takes one training step of the fixture's model (torch.onnx.export'ed).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createOrtTrainer } from '@adamw/onnxruntime';

const f = JSON.parse(readFileSync('fixture.json', 'utf8'));
const trainer = await createOrtTrainer({ model: readFileSync('model.onnx'), optimizer: f.optimizer });
const name = 'lins.0.weight';
const before = Float32Array.from(trainer.parameters[name]);
const rows = f.y.length;
const loss = await trainer.step({
  x: new ort.Tensor('float32', Float32Array.from(f.x), [rows, f.layers[0]]),
  y: new ort.Tensor('int64', BigInt64Array.from(f.y.map(BigInt)), [rows]),
});
const changed = trainer.parameters[name].filter((x, i) => x !== before[i]).length;
const stepCount = trainer.stepCount;
await trainer.release();
console.log(JSON.stringify({ resolved: import.meta.resolve('@adamw/onnxruntime'), loss, stepCount, changed }));
