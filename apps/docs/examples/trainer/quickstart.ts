import { Mlp, Trainer } from '@adamw/trainer';

// XOR of the signs of two coordinates: 400 points, two classes.
const x = Float32Array.from({ length: 800 }, (_, i) => Math.sin(i * 12.9898) * 2);
const y = Array.from({ length: 400 }, (_, r) => Number(x[2 * r]! * x[2 * r + 1]! > 0));

const model = new Mlp({ layers: [2, 16, 16, 2], activation: 'tanh' }, { seed: 1 });
const trainer = new Trainer(model, {
  loss: 'softmax-cross-entropy',
  optimizer: { kind: 'adamw', options: { lr: 0.01, weightDecay: 0.01 } },
  batchSize: 32,
});
const { epochs } = trainer.fit({ x, y }, { epochs: 60 });
console.log(`loss ${epochs[0]!.trainLoss.toFixed(3)} -> ${epochs.at(-1)!.trainLoss.toFixed(3)}`);
console.log(`accuracy ${trainer.evaluate({ x, y }).accuracy!.toFixed(3)}`);
