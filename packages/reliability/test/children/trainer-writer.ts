// Trains a large model one batch at a time and saves a checkpoint file after
// every update with the trainer's own file helper, forever, reporting
// `begin <step>` before each save and `saved <step> <ms>` after it. The parent
// kills it mid-save (see src/crash.ts).
import { Mlp, Trainer } from '@adamw/trainer';
import { saveCheckpointFile } from '@adamw/trainer/node';
import { WRITER_LAYERS, writerBatch } from './trainer-writer-model.js';

const path = process.argv[2]!;
const model = new Mlp({ layers: WRITER_LAYERS, activation: 'tanh', dtype: 'float32' }, { seed: 7 });
const trainer = new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw', options: { lr: 1e-3 } }, batchSize: 4 });
const { x, y } = writerBatch();
for (;;) {
  trainer.trainBatch(x, y, 4);
  const step = trainer.position.step;
  console.log(`begin ${step}`);
  const t0 = performance.now();
  await saveCheckpointFile(trainer, path);
  console.log(`saved ${step} ${(performance.now() - t0).toFixed(2)}`);
}
