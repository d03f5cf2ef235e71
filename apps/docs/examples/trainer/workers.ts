import { Mlp, Trainer, type TrainerOptions } from '@adamw/trainer';
import { createMatmulWorkers } from '@adamw/trainer/node';

// The same two epochs on 1024 random 64-pixel images, once on the calling
// thread alone and once with a worker thread sharing the matrix products.
// Each thread adds the same numbers in the same order, so the two runs end
// with the same parameters, bit for bit.
let s = 1;
const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
const x = Float32Array.from({ length: 1024 * 64 }, random);
const y = Array.from({ length: 1024 }, (_, i) => Number(x[i * 64]! + x[i * 64 + 1]! > 0));
const options: TrainerOptions = {
  loss: 'softmax-cross-entropy',
  optimizer: { kind: 'adamw', options: { lr: 0.003, weightDecay: 0.01 } },
  batchSize: 128,
  seed: 5,
};

const alone = new Mlp({ layers: [64, 256, 256, 2] }, { seed: 1 });
new Trainer(alone, options).fit({ x, y }, { epochs: 2 });

const workers = await createMatmulWorkers({ workers: 1 });
try {
  const shared = new Mlp({ layers: [64, 256, 256, 2], workers }, { seed: 1 });
  const { epochs } = new Trainer(shared, options).fit({ x, y }, { epochs: 2 });
  const same = Object.entries(alone.params).every(([name, p]) => p.every((v, j) => Object.is(v, shared.params[name]![j])));
  console.log(`${workers.workers + 1} threads, final loss ${epochs.at(-1)!.trainLoss.toFixed(4)}`);
  console.log(`same parameters as one thread: ${same}`);
} finally {
  await workers.close();
}
