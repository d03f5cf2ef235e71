import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mlp, Trainer, type Dtype } from '../src/index.js';
import { createMatmulWorkers, type MatmulWorkers } from '../src/node.js';
import { JOB, PER_WORKER } from '../src/simd/threads.js';
import { blobs, snapshot } from './helpers.js';

let workers: MatmulWorkers;
beforeAll(async () => {
  workers = await createMatmulWorkers({ workers: 2 });
});
afterAll(async () => {
  await workers.close();
});

// Large enough that every product is split over the three threads.
const LAYERS = [64, 300, 40, 10];
const ROWS = 160;

function train(model: Mlp, steps: number): number[] {
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: { kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.1 } },
    batchSize: ROWS,
    shuffle: false,
  });
  const data = blobs(ROWS * steps, LAYERS[0]!, LAYERS.at(-1)!, 4);
  const Ctor = model.dtype === 'float32' ? Float32Array : Float64Array;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const x = Ctor.from(data.x.subarray(s * ROWS * LAYERS[0]!, (s + 1) * ROWS * LAYERS[0]!));
    losses.push(trainer.trainBatch(x, data.y.subarray(s * ROWS, (s + 1) * ROWS), ROWS).loss);
  }
  return losses;
}

describe('matmul worker threads', () => {
  for (const dtype of ['float32', 'float64'] as Dtype[]) {
    it(`${dtype}: a model on three threads trains to the bits of one thread`, () => {
      const shared = new Mlp({ layers: LAYERS, dtype, workers }, { seed: 5 });
      const alone = new Mlp({ layers: LAYERS, dtype }, { seed: 5 });
      expect(shared.params['lins.0.weight']!.buffer).toBeInstanceOf(SharedArrayBuffer);
      workers.job.fill(0);
      expect(train(shared, 3)).toEqual(train(alone, 3));
      // The products were split: each worker had columns of its own.
      for (let w = 0; w < workers.workers; w++) {
        const at = JOB.perWorker + PER_WORKER * w;
        expect(workers.job[at + 1]!).toBeGreaterThan(workers.job[at]!);
      }
      expect(snapshot(shared.params)).toEqual(snapshot(alone.params));
      expect(snapshot(shared.grads)).toEqual(snapshot(alone.grads));
    });
  }

  it('AdamW states of their models live in the shared memory too', () => {
    const model = new Mlp({ layers: LAYERS, workers }, { seed: 1 });
    const trainer = new Trainer(model, { loss: 'softmax-cross-entropy', optimizer: { kind: 'adamw' }, batchSize: 8 });
    const state = trainer.optimizer.states['lins.0.weight'] as { m: Float32Array };
    expect(state.m.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('are refused by the scalar kernel, and checked', () => {
    expect(() => new Mlp({ layers: [3, 2], kernel: 'scalar', workers })).toThrow(/kernel 'scalar'/);
    expect(() => new Mlp({ layers: [3, 2], workers: {} as MatmulWorkers })).toThrow(/createMatmulWorkers/);
  });

  it('after close, their models run on the calling thread alone; new models are refused', async () => {
    const own = await createMatmulWorkers({ workers: 1 });
    const model = new Mlp({ layers: LAYERS, workers: own }, { seed: 2 });
    const alone = new Mlp({ layers: LAYERS }, { seed: 2 });
    await own.close();
    expect(own.closed).toBe(true);
    expect(train(model, 1)).toEqual(train(alone, 1));
    expect(() => new Mlp({ layers: LAYERS, workers: own })).toThrow(/closed/);
  });

  it('checks their options', async () => {
    await expect(createMatmulWorkers({ workers: 0 })).rejects.toThrow(RangeError);
    await expect(createMatmulWorkers({ threads: 2 } as never)).rejects.toThrow(/unknown matmul worker option 'threads'/);
    await expect(createMatmulWorkers({ timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
  });
});
