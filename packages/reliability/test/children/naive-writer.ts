// A deliberately non-atomic writer, the control of the crash test: it
// overwrites the checkpoint file in place, 64 KiB at a time, with the same
// protocol as trainer-writer.ts. Killed mid-save, it leaves a torn file, which
// shows that the crash harness really interrupts writes.
import { open } from 'node:fs/promises';
import { Mlp, Trainer } from '@adamw/trainer';
import { WRITER_LAYERS, writerBatch } from './trainer-writer-model.js';

const path = process.argv[2]!;
const model = new Mlp({ layers: WRITER_LAYERS, activation: 'tanh', dtype: 'float32' }, { seed: 7 });
const trainer = new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw', options: { lr: 1e-3 } }, batchSize: 4 });
const { x, y } = writerBatch();
for (;;) {
  trainer.trainBatch(x, y, 4);
  const step = trainer.position.step;
  const bytes = trainer.checkpoint();
  console.log(`begin ${step}`);
  const t0 = performance.now();
  const file = await open(path, 'w');
  for (let at = 0; at < bytes.length; at += 65536) {
    await file.write(bytes, at, Math.min(65536, bytes.length - at));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await file.close();
  console.log(`saved ${step} ${(performance.now() - t0).toFixed(2)}`);
}
