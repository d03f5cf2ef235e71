// Imports @adamw/trainer (and its Node entry) as an ESM consumer would and
// trains one batch of the fixture's model from torch's initial parameters.
import { readFileSync } from 'node:fs';
import { Mlp, Trainer } from '@adamw/trainer';
import { loadCheckpointFile, saveCheckpointFile } from '@adamw/trainer/node';

const f = JSON.parse(readFileSync('fixture.json', 'utf8'));
const model = new Mlp({ layers: f.layers, activation: f.activation, dtype: 'float32' }, { params: f.params });
const trainer = new Trainer(model, {
  loss: 'softmax-cross-entropy',
  optimizer: { kind: 'adamw', options: f.optimizer },
  batchSize: f.y.length,
  noDecay: [],
});
const before = Float32Array.from(model.params['lins.0.weight']);
const info = trainer.trainBatch(Float32Array.from(f.x), f.y, f.y.length);
const after = model.params['lins.0.weight'];
console.log(
  JSON.stringify({
    resolved: import.meta.resolve('@adamw/trainer'),
    node: typeof saveCheckpointFile === 'function' && typeof loadCheckpointFile === 'function',
    loss: info.loss,
    step: trainer.position.step,
    changed: after.filter((x, i) => x !== before[i]).length,
  }),
);
