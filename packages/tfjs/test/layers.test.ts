import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamWOptimizer, adamw, type TfjsAdamWOptions } from '../src/index.js';
import { memoryHandler, randomValues, useBackend, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 16, inputShape: [8], activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return model;
}

function data(rows: number) {
  const x = tf.tensor(randomValues(rows * 8, 11), [rows, 8]);
  const labels = Array.from(randomValues(rows, 12), (r) => Math.floor((r + 1) * 1.5));
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32'));
  return { x, y };
}

function modelValues(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

const FIT = { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 as const };

describe('compile, fit, save and load', () => {
  const variants: [string, TfjsAdamWOptions][] = [
    [
      'auto path, AMSGrad, schedule config, clipping',
      {
        lr: 0.01,
        weightDecay: 0.1,
        amsgrad: true,
        clipGlobalNorm: 2,
        schedule: { type: 'linearWarmup', warmupSteps: 3, after: { type: 'cosineWarmRestarts', period: 4, periodMultiplier: 2 } },
        exclude: [/(^|\/)bias$/, 'not_a_layer', 'percent%5F'],
      },
    ],
    ['ops path, defaults', { path: 'ops', lr: 0.02 }],
  ];

  for (const [label, options] of variants) {
    for (const backend of ['cpu', 'wasm'] as const) {
      it(`round-trips the optimizer exactly, bit for bit (${backend}, ${label})`, async () => {
        await useBackend(backend);
        const { x, y } = data(64);
        const a = buildModel();
        a.compile({ optimizer: adamw(options), loss: 'categoricalCrossentropy' });
        const first = await a.fit(x, y, { ...FIT, epochs: 2 });
        const losses = first.history.loss as number[];
        expect(losses[1]!).toBeLessThan(losses[0]!);

        const io = memoryHandler();
        await a.save(io.handler, { includeOptimizer: true });
        const specs = io
          .artifacts()
          .weightSpecs!.filter((s) => s.group === 'optimizer')
          .map((s) => s.name);
        expect(specs[0]).toBe('iter');
        expect(specs).toContain(`${a.layers[0]!.weights[0]!.name}/m`);

        const b = await tfl.loadLayersModel(io.handler);
        expect(b.optimizer).toBeInstanceOf(AdamWOptimizer);
        const restored = b.optimizer as AdamWOptimizer;
        expect(restored.getConfig()).toEqual((a.optimizer as AdamWOptimizer).getConfig());
        expect(restored.iterations).toBe(8);
        expect(modelValues(b)).toEqual(modelValues(a));
        expect(await weightsOf(restored)).toEqual(await weightsOf(a.optimizer as AdamWOptimizer));
        // Loaded next to the original, the variables got deduplicated names; exclusion still applies.
        const biasName = b.layers[0]!.weights[1]!.name;
        expect(biasName).toMatch(/\/bias_\d+$/);
        expect(restored.isExcluded(biasName)).toBe(true);
        expect(restored.isExcluded(b.layers[0]!.weights[0]!.name)).toBe(false);
        if (options.exclude !== undefined) {
          // Pattern text came back through tfjs-layers' snake_case conversion intact.
          expect(restored.isExcluded('x/not_a_layer')).toBe(true);
          expect(restored.isExcluded('x/notALayer')).toBe(false);
          expect(restored.isExcluded('x/percent%5F')).toBe(true);
          expect(restored.isExcluded('x/percent_')).toBe(false);
        }

        const nextA = await a.fit(x, y, { ...FIT, epochs: 2 });
        const nextB = await b.fit(x, y, { ...FIT, epochs: 2 });
        expect(nextB.history.loss).toEqual(nextA.history.loss);
        expect(modelValues(b)).toEqual(modelValues(a));
        expect(restored.iterations).toBe(16);
        // The restored states were adopted under the new names, none left over.
        const names = Object.keys(await weightsOf(restored));
        expect(names.filter((n) => n.endsWith('/step')).length).toBe(4);
        expect(names.every((n) => n === 'iter' || b.weights.some((w) => n.startsWith(`${w.name}/`)))).toBe(true);

        for (const m of [a, b]) {
          (m.optimizer as AdamWOptimizer).dispose();
          m.dispose();
        }
        tf.dispose([x, y]);
        await useBackend('cpu');
      });
    }
  }

  it('trains a model to lower loss with fit and holds no growing tensor count', async () => {
    const { x, y } = data(128);
    const model = buildModel();
    const optimizer = adamw({ lr: 0.01 });
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    await model.fit(x, y, FIT);
    const held = tf.memory().numTensors;
    const history = await model.fit(x, y, { ...FIT, epochs: 8 });
    expect(tf.memory().numTensors).toBe(held);
    const loss = history.history.loss as number[];
    expect(loss[7]!).toBeLessThan(loss[0]! * 0.9);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('decays kernels but not biases inside fit', async () => {
    // With zero loss gradients, only the decay moves the weights: kernels shrink by (1 − lr·λ) per step, biases stay.
    const model = tfl.sequential();
    model.add(tfl.layers.dense({ units: 2, inputShape: [2], biasInitializer: 'ones', kernelInitializer: 'ones' }));
    model.compile({ optimizer: adamw({ lr: 0.1, weightDecay: 0.5 }), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mul(tf.sum(tf.add(yTrue, yPred)), 0) });
    const x = tf.ones([4, 2]);
    await model.fit(x, tf.ones([4, 2]), { ...FIT, batchSize: 4, epochs: 3 });
    const [kernel, bias] = model.getWeights();
    const expected = Math.fround(Math.fround(Math.fround(1 * Math.fround(0.95)) * Math.fround(0.95)) * Math.fround(0.95));
    expect(Array.from(kernel!.dataSync())).toEqual([expected, expected, expected, expected]);
    expect(Array.from(bias!.dataSync())).toEqual([1, 1]);
    (model.optimizer as AdamWOptimizer).dispose();
    model.dispose();
  });

  it('refuses to save a function schedule with the optimizer, and saves the model without it', async () => {
    const model = buildModel();
    model.compile({ optimizer: adamw({ schedule: (t) => 1 / (1 + t) }), loss: 'meanSquaredError' });
    await expect(model.save(memoryHandler().handler, { includeOptimizer: true })).rejects.toThrow(/function schedule, which cannot be saved/);
    await expect(model.save(memoryHandler().handler)).resolves.toBeDefined();
    const predicate = adamw({ exclude: [(n) => n.endsWith('bias')] });
    expect(() => predicate.getConfig()).toThrow(/exclude\[0\] is a function/);
    model.dispose();
  });

  it('fromConfig rebuilds the same optimizer, through tfjs serialization', () => {
    const optimizer = adamw({ lr: 0.3, convention: 'keras', exclude: ['layer_norm', /a_b/gi], clipGlobalNorm: 1 });
    const config = optimizer.getConfig();
    const copy = tf.serialization.SerializationMap.getMap().classNameMap.AdamW![1](AdamWOptimizer, config) as AdamWOptimizer;
    expect(copy).toBeInstanceOf(AdamWOptimizer);
    expect(copy.getConfig()).toEqual(config);
    expect(copy.isExcluded('x/layer_norm/gamma')).toBe(true);
    expect(copy.isExcluded('A_B/kernel')).toBe(true);
    expect(copy.isExcluded('layerNorm/kernel')).toBe(false);
  });
});
