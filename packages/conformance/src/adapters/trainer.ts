import type { AdamWOptions } from '@adamw/core';
import { Mlp, Trainer, type Activation } from '@adamw/trainer';
import type { TrajectoryAdapter } from '../adapters';
import { adamwOptionsOf, batchData, initialParams, type TrajectoryFixture } from '../fixtures';

/** The AdamW options of a fixture in `@adamw/core`'s names (without the trajectory-only fields). */
function adamwOptions(f: TrajectoryFixture): AdamWOptions {
  return adamwOptionsOf(f.optimizer);
}

/**
 * `@adamw/trainer`: builds the fixture's MLP in its dtype, loads the initial
 * parameters, and runs one `Trainer.trainBatch` per fixture batch (forward
 * pass, loss before the update, manual backward pass, AdamW or Adam-L2 from
 * `@adamw/core` with the fixture's η per step and decay turned off for its
 * `noDecay` names).
 */
export const adapter: TrajectoryAdapter = {
  name: 'trainer',
  async run(f) {
    const model = new Mlp({ layers: f.model.layers, activation: f.model.activation as Activation, dtype: f.dtype }, { params: initialParams(f) });
    const noDecay = new Set(f.optimizer.noDecay);
    const multipliers = f.optimizer.scheduleMultipliers;
    const trainer = new Trainer(model, {
      loss: f.model.loss,
      optimizer: { kind: 'adamw', options: adamwOptions(f) },
      batchSize: Math.max(...f.batches.map((b) => b.length)),
      schedule: (t) => multipliers[t] ?? 1,
      // Exact names: a substring pattern would let 'lins.1.bias' match 'lins.11.bias'.
      exclude: [(name: string) => noDecay.has(name)],
      shuffle: false,
    });
    const losses: number[] = [];
    for (let i = 0; i < f.batches.length; i++) {
      const { x, y, xShape } = batchData(f, i);
      losses.push(trainer.trainBatch(x, y, xShape[0]).loss);
    }
    return { losses, params: model.copyParams() };
  },
};
