import { cosineWarmRestarts } from '@adamw/core';
import { Mlp, Trainer, type TrainerOptions } from '@adamw/trainer';
import { loadCheckpointFile, saveCheckpointFile } from '@adamw/trainer/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Regression of y = sin(3x) on 512 points, validated on 128 others. The run is
// stopped after 4 epochs, saved to a file, and finished by a new trainer
// restored from it; the result equals an uninterrupted run bit for bit.
const points = (n: number, offset: number) => Float64Array.from({ length: n }, (_, i) => ((i * 0.6180339887 + offset) % 1) * 2 - 1);
const train = { x: points(512, 0), y: new Float64Array(512) };
const validation = { x: points(128, 0.5), y: new Float64Array(128) };
for (const d of [train, validation]) d.x.forEach((x, i) => (d.y[i] = Math.sin(3 * x)));

const options: TrainerOptions = {
  loss: 'mse',
  optimizer: { kind: 'adamw', options: { lr: 0.01, weightDecay: 1e-4 } },
  batchSize: 32,
  // AdamWR: restarts after 2, then 4, then 8 epochs of 16 batches.
  schedule: cosineWarmRestarts({ period: 2 * 16, periodMultiplier: 2 }),
  clipGlobalNorm: 1,
  seed: 7,
};
const newModel = () => new Mlp({ layers: [1, 32, 32, 1], activation: 'tanh', dtype: 'float64' }, { seed: 3 });

const straight = new Trainer(newModel(), options);
straight.fit(train, { epochs: 14 });

const dir = await mkdtemp(join(tmpdir(), 'adamw-example-'));
const file = join(dir, 'run.ckpt');
const first = new Trainer(newModel(), options);
first.fit(train, { epochs: 4 });
await saveCheckpointFile(first, file);

const resumed = new Trainer(newModel(), options);
await loadCheckpointFile(resumed, file);
await rm(dir, { recursive: true });
const result = resumed.fit(train, {
  epochs: 14, // counts the 4 epochs restored from the checkpoint
  validation,
  onEpoch: (e) =>
    void (e.epoch % 5 === 0 && console.log(`epoch ${e.epoch}: train ${e.trainLoss.toExponential(2)}, validation ${e.validation!.loss.toExponential(2)}`)),
});

const finished = resumed.model.copyParams();
const same = Object.entries(straight.model.copyParams()).every(([name, w]) => w.every((v, i) => Object.is(v, finished[name]![i])));
console.log(`resumed at epoch ${14 - result.epochs.length}, ${resumed.position.step} updates in all`);
console.log(`same parameters as the uninterrupted run: ${same}`);
