// What the browser test runs in Chromium (bundled) and in Node: short
// training runs on the main entry alone, on a given kernel.
import { Mlp, Trainer, type Dtype, type MatmulKernelChoice } from '../src/index.js';

export interface TrainingRun {
  dtype: Dtype;
  kernel: string;
  losses: number[];
  params: number[];
}

export function runTraining(dtype: Dtype, kernel: MatmulKernelChoice): TrainingRun {
  const model = new Mlp({ layers: [20, 40, 3], activation: 'relu', dtype, kernel }, { seed: 3 });
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: { kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.1 } },
    batchSize: 50,
    shuffle: false,
  });
  const rows = 300;
  const x = new (dtype === 'float32' ? Float32Array : Float64Array)(rows * 20);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 0.5;
  const y = Int32Array.from({ length: rows }, (_, r) => r % 3);
  for (let r = 0; r < rows; r++) x[r * 20 + y[r]!] = x[r * 20 + y[r]!]! + 1;
  const losses: number[] = [];
  trainer.fit({ x, y }, { epochs: 2, onStep: (s) => void losses.push(s.loss) });
  return { dtype, kernel: model.kernel, losses, params: Array.from(model.params['lins.0.weight']!) };
}
