// @adamw/tfjs under faults: damaged optimizer weights, resume through
// model.save/loadLayersModel, non-finite gradients inside minimize and fit,
// variables without gradients, tensor and heap growth, two optimizers at once.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of tfjs-core's ops (minimize needs them) and provides models.
import * as tfl from '@tensorflow/tfjs-layers';
import { adamw, checksummed, type AdamWOptimizer, type NamedTensor } from '@adamw/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptedCorruptions, heapGrowthPerStep, prng } from '../src/index.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});

let counter = 0;
const unique = (prefix: string): string => `${prefix}${++counter}`;

function randoms(n: number, seed: number): Float32Array {
  const random = prng(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

/** A linear regression problem on named variables: loss = mean((x·w + b − y)²). */
function problem(seed: number) {
  const prefix = unique('rel');
  const w = tf.variable(tf.tensor2d(randoms(12, seed), [4, 3]), true, `${prefix}/kernel`);
  const b = tf.variable(tf.zeros([3]), true, `${prefix}/bias`);
  const x = tf.tensor2d(randoms(32, seed + 1), [8, 4]);
  const y = tf.tensor2d(randoms(24, seed + 2), [8, 3]);
  const loss = (xs: tf.Tensor = x) => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(xs as tf.Tensor2D, w), b), y))) as tf.Scalar;
  return { w, b, x, y, loss, dispose: () => tf.dispose([w, b, x, y]) };
}

async function weightBits(optimizer: AdamWOptimizer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { name, tensor } of await optimizer.getWeights()) out[name] = Buffer.from((await tensor.data()).buffer).toString('base64');
  return out;
}

const valueBits = (v: tf.Tensor): string => Buffer.from((v.dataSync() as Float32Array).slice().buffer).toString('base64');

async function snapshot(optimizer: AdamWOptimizer, ...vars: tf.Variable[]) {
  return { vars: vars.map(valueBits), weights: await weightBits(optimizer), iterations: optimizer.iterations };
}

describe('tfjs optimizer weights (the checkpoint tfjs saves with a model)', () => {
  it('damaged weight lists are refused with a clear error and change nothing', async () => {
    const p = problem(1);
    const source = adamw({ lr: 0.05, amsgrad: true });
    for (let k = 0; k < 3; k++) source.minimize(() => p.loss());
    const good = (await source.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const target = adamw({ lr: 0.05, amsgrad: true });
    target.minimize(() => p.loss());
    const before = await snapshot(target, p.w, p.b);
    const kernelM = good.findIndex((w) => w.name.endsWith('kernel/m'));
    const damaged: [string, NamedTensor[], RegExp][] = [
      ['an empty list', [], /starting with 'iter'/],
      ['no iter first', good.slice(1), /starting with 'iter'/],
      ['a negative iteration count', [{ name: 'iter', tensor: tf.scalar(-1, 'int32') }, ...good.slice(1)], /'iter' must hold one non-negative integer count/],
      ['a fractional iteration count', [{ name: 'iter', tensor: tf.scalar(1.5) }, ...good.slice(1)], /'iter' must hold one non-negative integer count/],
      ['a missing moment', good.filter((_, i) => i !== kernelM), /have no '.*kernel\/m'/],
      [
        'a moment of another shape',
        good.map((w, i) => (i === kernelM ? { name: w.name, tensor: tf.zeros([3, 4]) } : w)),
        /kernel\/.*has shape \[4, 3\] but '.*kernel\/m' has \[3, 4\]/,
      ],
      [
        'a moment of another dtype',
        good.map((w, i) => (i === kernelM ? { name: w.name, tensor: tf.zeros([4, 3], 'int32') } : w)),
        /dtype int32, expected float32/,
      ],
      ['a moment given twice', [...good, good[kernelM]!], /twice/],
    ];
    for (const [what, weights, message] of damaged) {
      await expect(target.setWeights(weights), what).rejects.toThrow(message);
      expect(await snapshot(target, p.w, p.b), what).toEqual(before);
    }
    // vMax for an optimizer without AMSGrad.
    const plain = adamw({ lr: 0.05 });
    await expect(plain.setWeights(good)).rejects.toThrow(/amsgrad: false/);
    await target.setWeights(good);
    expect(await weightBits(target)).toEqual(await weightBits(source));
    tf.dispose(good.map((w) => w.tensor));
    p.dispose();
  });

  it('resuming a layers model through model.save / tf.loadLayersModel equals training straight through, bit for bit', async () => {
    const build = () => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 8, inputShape: [4], activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
          tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
        ],
      });
      model.compile({
        optimizer: adamw({ lr: 0.01, weightDecay: 0.1, amsgrad: true, schedule: { type: 'cosineAnnealing', totalSteps: 40 } }),
        loss: 'meanSquaredError',
      });
      return model;
    };
    const x = tf.tensor2d(randoms(64, 10), [16, 4]);
    const y = tf.tensor2d(randoms(32, 11), [16, 2]);
    const fit = { batchSize: 4, shuffle: false, verbose: 0 } as const;

    const straight = build();
    const straightHistory = await straight.fit(x, y, { ...fit, epochs: 4 });

    const first = build();
    const firstHistory = await first.fit(x, y, { ...fit, epochs: 2 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await first.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { includeOptimizer: true },
    );
    first.dispose();
    const resumed = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const secondHistory = await resumed.fit(x, y, { ...fit, epochs: 2 });

    expect([...firstHistory.history.loss!, ...secondHistory.history.loss!]).toEqual(straightHistory.history.loss);
    const a = resumed.getWeights().map(valueBits);
    const b = straight.getWeights().map(valueBits);
    expect(a).toEqual(b);
    tf.dispose([x, y]);
    straight.dispose();
    resumed.dispose();
  });

  it('every damaged copy of a checksummed checkpoint is refused with a clear error, and without the wrapper tfjs notices only some', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    model.compile({ optimizer: adamw({ amsgrad: true }), loss: 'meanSquaredError' });
    await model.fit(tf.ones([4, 3]), tf.ones([4, 2]), { epochs: 1, verbose: 0 });
    let artifacts: tf.io.ModelArtifacts | undefined;
    const keep = tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    });
    await model.save(checksummed(keep), { includeOptimizer: true });
    const good = new Uint8Array(artifacts!.weightData as ArrayBuffer);
    const load = async (bytes: Uint8Array) => {
      const loaded = await tfl.loadLayersModel(checksummed(tf.io.fromMemory({ ...artifacts!, weightData: bytes.slice().buffer })));
      loaded.dispose();
    };
    await load(good);
    expect(await acceptedCorruptions(good, load)).toEqual([]);
    // tfjs alone checks only the length: a flipped bit loads as a different model.
    const flipped = good.slice();
    flipped[good.length >> 1]! ^= 1;
    const plain = { ...artifacts!, weightData: flipped.buffer };
    delete plain.userDefinedMetadata;
    const silently = await tfl.loadLayersModel(tf.io.fromMemory(plain));
    silently.dispose();
    model.dispose();
  });
});

describe('tfjs and non-finite gradients inside minimize', () => {
  for (const path of ['arrays', 'ops'] as const) {
    it(`${path}: 'skip' leaves variables, moments and iterations untouched; 'throw' throws naming the variable`, async () => {
      const p = problem(20);
      const values = Float32Array.from(p.x.dataSync());
      values[0] = Number.NaN;
      const bad = tf.tensor2d(values, [8, 4]);
      for (const nonFinite of ['skip', 'throw'] as const) {
        const optimizer = adamw({ path, nonFinite, lr: 0.05 });
        optimizer.minimize(() => p.loss());
        const before = await snapshot(optimizer, p.w, p.b);
        if (nonFinite === 'skip') optimizer.minimize(() => p.loss(bad));
        else expect(() => optimizer.minimize(() => p.loss(bad))).toThrow(/gradient of '.*(kernel|bias)' has NaN/);
        expect(await snapshot(optimizer, p.w, p.b)).toEqual(before);
        optimizer.dispose();
      }
      bad.dispose();
      p.dispose();
    });
  }
});

describe('tfjs and bad input', () => {
  it('a variable that does not reach the loss, an unknown name and a wrong gradient shape throw naming the variable, changing nothing', async () => {
    const p = problem(30);
    const stray = tf.variable(tf.ones([2]), true, unique('stray'));
    const optimizer = adamw({ lr: 0.05 });
    optimizer.minimize(() => p.loss());
    const before = await snapshot(optimizer, p.w, p.b, stray);
    expect(() => optimizer.minimize(() => p.loss(), false, [p.w, p.b, stray])).toThrow(new RegExp(stray.name));
    expect(() => optimizer.applyGradients({ [p.w.name]: tf.zeros([4, 3]), 'no/such/variable': tf.zeros([1]) })).toThrow(/no\/such\/variable/);
    expect(() => optimizer.applyGradients({ [p.w.name]: tf.zeros([3, 4]) })).toThrow(new RegExp(`${p.w.name}.*shape|shape.*${p.w.name}`));
    expect(await snapshot(optimizer, p.w, p.b, stray)).toEqual(before);
    expect(() => adamw({ weight_decay: 0.1 } as never)).toThrow(/unknown AdamW option 'weight_decay'/);
    expect(() => adamw({ lr: -1 })).toThrow(/option lr must be/);
    stray.dispose();
    p.dispose();
  });
});

describe('tfjs memory and concurrency', () => {
  for (const path of ['arrays', 'ops'] as const) {
    it(`${path}: no tensors and no heap accumulate across minimize steps`, async () => {
      const p = problem(40);
      const optimizer = adamw({ path, lr: 0.01, amsgrad: true });
      const step = () => tf.dispose(optimizer.minimize(() => p.loss(), true) ?? []);
      for (let k = 0; k < 20; k++) step();
      const tensors = tf.memory().numTensors;
      const { total } = await heapGrowthPerStep(step, 1000, 3000);
      expect(tf.memory().numTensors).toBe(tensors);
      // One leaked tensor per step (its JS object and a 12-float array) would be well over 300 KB per window.
      expect(total).toBeLessThan(100 * 1024);
      optimizer.dispose();
      p.dispose();
    });
  }

  it('two optimizers interleaved on their own variables compute what each computes alone', async () => {
    const run = async (interleave: boolean) => {
      const p1 = problem(50);
      const p2 = problem(60);
      const o1 = adamw({ lr: 0.05, weightDecay: 0.1 });
      const o2 = adamw({ lr: 0.02, amsgrad: true, path: 'ops' });
      if (interleave) {
        for (let k = 0; k < 10; k++) {
          o1.minimize(() => p1.loss());
          o2.minimize(() => p2.loss());
        }
      } else {
        for (let k = 0; k < 10; k++) o1.minimize(() => p1.loss());
        for (let k = 0; k < 10; k++) o2.minimize(() => p2.loss());
      }
      const out = [valueBits(p1.w), valueBits(p1.b), valueBits(p2.w), valueBits(p2.b)];
      o1.dispose();
      o2.dispose();
      p1.dispose();
      p2.dispose();
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });
});

describe('tfjs and long runs', () => {
  for (const path of ['arrays', 'ops'] as const) {
    it(`${path}: step counts past 2^31 survive getWeights / setWeights (a saved model keeps its true step)`, async () => {
      const start = 2 ** 31 - 2;
      const p = problem(70);
      const optimizer = adamw({ path, lr: 0.01 });
      optimizer.minimize(() => p.loss());
      // Move the counters to just below 2^31, where a very long run would be.
      const moved = (await optimizer.getWeights()).map((w) => ({
        name: w.name,
        tensor: w.name === 'iter' || w.name.endsWith('/step') ? tf.scalar(start, 'int32') : w.tensor.clone(),
      }));
      await optimizer.setWeights(moved);
      for (let k = 0; k < 5; k++) optimizer.minimize(() => p.loss());
      expect(optimizer.iterations).toBe(start + 5);

      const saved = (await optimizer.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
      // A count is saved as two int32 values, [n mod 2^31, ⌊n / 2^31⌋], because one int32 wraps at 2^31.
      const count = async (t: tf.Tensor) => {
        const [low = Number.NaN, high = Number.NaN] = Array.from(await t.data());
        return high * 2 ** 31 + low;
      };
      const steps = await Promise.all(saved.filter((w) => w.name === 'iter' || w.name.endsWith('/step')).map((w) => count(w.tensor)));
      expect(steps).toEqual([start + 5, start + 5, start + 5]);
      const restored = adamw({ path, lr: 0.01 });
      await restored.setWeights(saved);
      expect(restored.iterations).toBe(start + 5);
      tf.dispose([...moved.map((w) => w.tensor), ...saved.map((w) => w.tensor)]);
      optimizer.dispose();
      restored.dispose();
      p.dispose();
    });
  }
});
