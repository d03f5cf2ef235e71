import { Mlp, Prng, Trainer } from '../src/index.js';
const layers = [784, 512, 512, 10], batch = 256;
const model = new Mlp({ layers, activation: 'relu' }, { seed: 1 });
const trainer = new Trainer(model, { loss: 'softmax-cross-entropy', optimizer: { kind: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } }, batchSize: batch });
const rng = new Prng(2);
const x = Float32Array.from({ length: batch * layers[0] }, () => rng.nextFloat());
const y = Int32Array.from({ length: batch }, () => rng.nextBelow(10));
for (let i = 0; i < 150; i++) trainer.trainBatch(x, y, batch);
