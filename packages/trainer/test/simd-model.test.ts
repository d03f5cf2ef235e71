import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, Mlp, Trainer, type Activation, type Dtype, type LossKind } from '../src/index.js';
import { chunkRowsFor } from '../src/dense/simd.js';
import { blobs, rand, snapshot } from './helpers.js';

function pair(layers: number[], activation: Activation, dtype: Dtype) {
  return (['simd', 'scalar'] as const).map((kernel) => new Mlp({ layers, activation, dtype, kernel }, { seed: 3 }));
}

/** Trains both models on the same batches; returns the losses of each. */
function trainBoth(models: Mlp[], loss: LossKind, rows: number, steps: number): number[][] {
  const [inSize, outSize] = [models[0]!.inputSize, models[0]!.outputSize];
  const data = blobs(rows * steps, inSize, outSize, 5);
  const y = loss === 'mse' ? rand(rows * steps * outSize, 6) : data.y;
  return models.map((model) => {
    const trainer = new Trainer(model, {
      loss,
      optimizer: { kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.1 } },
      batchSize: rows,
      shuffle: false,
    });
    const Ctor = model.dtype === 'float32' ? Float32Array : Float64Array;
    const losses: number[] = [];
    const perRow = loss === 'mse' ? outSize : 1;
    for (let s = 0; s < steps; s++) {
      const x = Ctor.from(data.x.subarray(s * rows * inSize, (s + 1) * rows * inSize));
      losses.push(trainer.trainBatch(x, y.subarray(s * rows * perRow, (s + 1) * rows * perRow), rows).loss);
    }
    return losses;
  });
}

describe('models on the SIMD kernels', () => {
  it('use them by default in Node, and the scalar loops when asked', () => {
    expect(new Mlp({ layers: [3, 2] }).kernel).toBe('simd');
    expect(new Mlp({ layers: [3, 2], dtype: 'float64' }).kernel).toBe('simd');
    expect(new Mlp({ layers: [3, 2], kernel: 'scalar' }).kernel).toBe('scalar');
    expect(new Mlp({ layers: [3, 2], kernel: 'simd' }).kernel).toBe('simd');
    expect(() => new Mlp({ layers: [3, 2], kernel: 'fast' as 'simd' })).toThrow(/kernel must be one of 'auto', 'simd', 'scalar', got 'fast'/);
  });

  // float64: the SIMD products add the same products in the same order as the
  // TypeScript loops, so every bit agrees, in chunks of rows too.
  for (const activation of ACTIVATIONS) {
    for (const loss of ['softmax-cross-entropy', 'mse'] as const) {
      it(`float64 ${activation}, ${loss}: losses, parameters and gradients are the scalar kernel's bits`, () => {
        const models = pair([6, 9, 7, 4], activation, 'float64');
        const [simd, scalar] = trainBoth(models, loss, 21, 4);
        expect(simd).toEqual(scalar);
        expect(snapshot(models[0]!.params)).toEqual(snapshot(models[1]!.params));
        expect(snapshot(models[0]!.grads)).toEqual(snapshot(models[1]!.grads));
      });
    }
  }

  it('float64: a batch of several chunks of rows computes the bits of the scalar kernel on the whole batch', () => {
    const models = pair([5, 40, 3], 'relu', 'float64');
    const rows = 2 * chunkRowsFor([5, 40, 3], 'float64') + 37;
    const [simd, scalar] = trainBoth(models, 'softmax-cross-entropy', rows, 2);
    expect(simd).toEqual(scalar);
    expect(snapshot(models[0]!.params)).toEqual(snapshot(models[1]!.params));
    const x = Float64Array.from(rand(rows * 5, 9));
    expect(Array.from(models[0]!.forward(x, rows))).toEqual(Array.from(models[1]!.forward(x, rows)));
    const mseModels = pair([5, 40, 3], 'tanh', 'float64');
    const [a, b] = trainBoth(mseModels, 'mse', rows, 2);
    expect(a).toEqual(b);
    expect(snapshot(mseModels[0]!.grads)).toEqual(snapshot(mseModels[1]!.grads));
  });

  it('float32: within a few float32 roundings of the scalar kernel (the sums are float32 sums)', () => {
    const models = pair([20, 33, 5], 'relu', 'float32');
    const [simd, scalar] = trainBoth(models, 'softmax-cross-entropy', 300, 3);
    simd!.forEach((l, i) => expect(Math.abs(l - scalar![i]!)).toBeLessThan(1e-5 * Math.abs(l)));
    for (const [name, p] of Object.entries(models[0]!.params)) {
      const q = models[1]!.params[name]!;
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i]! - q[i]!), `${name}[${i}]`).toBeLessThan(1e-5);
    }
  });

  it('keep parameters and gradients valid whatever the batch sizes: the memory never grows', () => {
    const model = new Mlp({ layers: [4, 6, 2], dtype: 'float32' }, { seed: 1 });
    const w = model.params['lins.0.weight']!;
    const before = Array.from(w);
    for (const rows of [1, 3, 7, 300, 1000, 2]) model.forward(Float32Array.from(rand(rows * 4, rows)), rows);
    expect(w.length).toBe(24);
    expect(Array.from(w)).toEqual(before);
    expect(model.params['lins.0.weight']).toBe(w);
  });

  it('chunks have up to 256 rows, fewer for wide layers, never fewer than 4', () => {
    expect(chunkRowsFor([784, 512, 512, 10], 'float32')).toBe(256);
    const wide = chunkRowsFor([8192, 8192, 8192, 10], 'float32');
    expect(wide).toBeLessThan(256);
    expect(wide % 4).toBe(0);
    expect(chunkRowsFor([1 << 22, 1 << 22, 1], 'float64')).toBe(4);
  });
});

describe('AdamW states in the model arena', () => {
  const make = (extra: Record<string, unknown> = {}, model = new Mlp({ layers: [12, 700, 5] }, { seed: 2 })) =>
    new Trainer(model, { loss: 'softmax-cross-entropy', optimizer: { kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.1, ...extra } }, batchSize: 30 });
  const arenaOf = (t: Trainer, name: string) => (t.optimizer.states[name] as { m: Float32Array }).m.buffer;

  it('go to the first AdamW trainer of a SIMD model, beside the parameters', () => {
    const first = make();
    for (const name of Object.keys(first.model.params)) expect(arenaOf(first, name)).toBe(first.model.params[name]!.buffer);
    const second = make({}, first.model);
    expect(arenaOf(second, 'lins.0.weight')).not.toBe(first.model.params['lins.0.weight']!.buffer);
    const amsgrad = make({ amsgrad: true });
    expect(arenaOf(amsgrad, 'lins.0.weight')).not.toBe(amsgrad.model.params['lins.0.weight']!.buffer);
    const scalar = make({}, new Mlp({ layers: [12, 700, 5], kernel: 'scalar' }, { seed: 2 }));
    expect(arenaOf(scalar, 'lins.0.weight')).not.toBe(scalar.model.params['lins.0.weight']!.buffer);
  });

  it('step to the bits of states elsewhere', () => {
    const inArena = make();
    const takenModel = new Mlp({ layers: [12, 700, 5] }, { seed: 2 });
    make({}, takenModel);
    const elsewhere = make({}, takenModel);
    expect(arenaOf(elsewhere, 'lins.0.weight')).not.toBe(takenModel.params['lins.0.weight']!.buffer);
    const data = blobs(90, 12, 5, 3);
    const x = Float32Array.from(data.x);
    for (const t of [inArena, elsewhere]) t.fit({ x, y: data.y }, { epochs: 2 });
    expect(snapshot(inArena.model.params)).toEqual(snapshot(elsewhere.model.params));
  });
});
