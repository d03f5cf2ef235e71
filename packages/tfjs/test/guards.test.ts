// The tfjs optimizer against careless and hostile use: arrays the caller
// still holds, saves that overlap, edited model.json files, configs changed
// after construction, impossible moments and names that are not ordinary keys.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKSUM_METADATA_KEY, adamw, checksummed, type NamedTensor, type ScheduleConfig } from '../src/index.js';
import { randomValues, uniqueName, useBackend, valuesOf, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

function squareLoss(v: tf.Variable): () => tf.Scalar {
  return () => tf.sum(tf.square(v));
}

/** A layers model compiled with AdamW and trained one batch, and a handler that keeps what is saved. */
async function trainedModel() {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
  model.compile({ optimizer: adamw({ lr: 0.01, weightDecay: 0.1, amsgrad: true }), loss: 'meanSquaredError' });
  const x = tf.tensor2d(randomValues(12, 3), [4, 3]);
  const y = tf.tensor2d(randomValues(8, 4), [4, 2]);
  await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
  return model;
}

function keeper() {
  const saved: tf.io.ModelArtifacts[] = [];
  const handler = tf.io.withSaveHandler(async (a) => {
    saved.push(a);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
  return { saved, handler };
}

describe("the caller's own arrays", () => {
  it('a variable made from a Float32Array the caller holds is updated without writing into that array', () => {
    const values = Float32Array.from([1, -2, 3]);
    const original = values.slice();
    // The tensor made from `values` is disposed by tidy: the variable is the only owner of that array.
    const v = tf.tidy(() => tf.variable(tf.tensor1d(values), true, uniqueName('own')));
    const optimizer = adamw({ lr: 0.1 });
    optimizer.minimize(squareLoss(v));
    expect(values).toEqual(original);
    expect(valuesOf(v)).not.toEqual(original);
    // From the second step on, the optimizer's own array is updated in place.
    const mine = v.dataSync();
    optimizer.minimize(squareLoss(v));
    expect(v.dataSync()).toBe(mine);
    expect(values).toEqual(original);
    optimizer.dispose();
    v.dispose();
  });

  it('so does a variable assigned from such an array later', () => {
    const v = tf.variable(tf.zeros([3]), true, uniqueName('assigned'));
    const optimizer = adamw({ lr: 0.1 });
    optimizer.minimize(squareLoss(v));
    const values = Float32Array.from([4, 5, 6]);
    tf.tidy(() => v.assign(tf.tensor1d(values)));
    optimizer.minimize(squareLoss(v));
    expect(values).toEqual(Float32Array.from([4, 5, 6]));
    optimizer.dispose();
    v.dispose();
  });
});

describe('saves that overlap', () => {
  it('two model.save calls at once both succeed and save the same checkpoint', async () => {
    const model = await trainedModel();
    const a = keeper();
    const b = keeper();
    await Promise.all([model.save(a.handler, { includeOptimizer: true }), model.save(b.handler, { includeOptimizer: true })]);
    expect(new Uint8Array(a.saved[0]!.weightData as ArrayBuffer)).toEqual(new Uint8Array(b.saved[0]!.weightData as ArrayBuffer));
    const tensors = tf.memory().numTensors;
    for (let k = 0; k < 3; k++) await Promise.all([model.save(a.handler, { includeOptimizer: true }), model.save(b.handler, { includeOptimizer: true })]);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  it('getWeights tensors stay valid across a second getWeights while nothing changed', async () => {
    const v = tf.variable(tf.ones([2]), true, uniqueName('lend'));
    const optimizer = adamw();
    optimizer.minimize(squareLoss(v));
    const first = await optimizer.getWeights();
    const second = await optimizer.getWeights();
    expect(first.some((w) => w.tensor.isDisposed)).toBe(false);
    expect(second.map((w) => w.name)).toEqual(first.map((w) => w.name));
    optimizer.dispose();
    v.dispose();
  });
});

describe('checksummed covers model.json', () => {
  it('an edited optimizer config (weightDecay) or model topology is refused; the untouched checkpoint loads', async () => {
    const model = await trainedModel();
    const { saved, handler } = keeper();
    await model.save(checksummed(handler), { includeOptimizer: true });
    const good = saved[0]!;
    const load = (artifacts: tf.io.ModelArtifacts) => tfl.loadLayersModel(checksummed(tf.io.fromMemory(artifacts)));
    (await load(good)).dispose();
    const edited = structuredClone(good);
    const optimizerConfig = (edited.trainingConfig as unknown as { optimizer_config: { config: { weightDecay: number } } }).optimizer_config.config;
    expect(optimizerConfig.weightDecay).toBeCloseTo(0.1);
    optimizerConfig.weightDecay = 0.5;
    await expect(load(edited)).rejects.toThrow(/the training config \(optimizer and its options\) differs from the one saved/);
    const topology = structuredClone(good);
    (topology.modelTopology as { config: { layers: { config: { units: number } }[] } }).config.layers[0]!.config.units = 3;
    await expect(load(topology)).rejects.toThrow(/the model topology differs from the one saved/);
    // A record of format 1, written before these checksums existed, still loads.
    const older = structuredClone(good);
    const record = older.userDefinedMetadata![CHECKSUM_METADATA_KEY] as Record<string, number>;
    older.userDefinedMetadata![CHECKSUM_METADATA_KEY] = {
      format: 1,
      weightBytes: record.weightBytes!,
      weightsCrc32: record.weightsCrc32!,
      specsCrc32: record.specsCrc32!,
    };
    (await load(older)).dispose();
    model.dispose();
  });
});

describe('a schedule config changed after construction', () => {
  it('getConfig reports the schedule the optimizer runs, and the config object is not the caller’s', () => {
    const schedule: ScheduleConfig = { type: 'linearWarmup', warmupSteps: 10, after: { type: 'cosineAnnealing', totalSteps: 100 } };
    const optimizer = adamw({ lr: 0.01, schedule });
    const before = optimizer.nextScheduleMultiplier();
    schedule.warmupSteps = 2;
    (schedule.after as { totalSteps: number }).totalSteps = 5;
    expect(optimizer.nextScheduleMultiplier()).toBe(before);
    expect(optimizer.getConfig().schedule).toEqual({ type: 'linearWarmup', warmupSteps: 10, after: { type: 'cosineAnnealing', totalSteps: 100 } });
    // Nor does changing what getConfig returned.
    const config = optimizer.getConfig().schedule as unknown as { warmupSteps: number; after: { totalSteps: number } };
    config.warmupSteps = 3;
    config.after.totalSteps = 7;
    expect(optimizer.getConfig().schedule).toEqual({ type: 'linearWarmup', warmupSteps: 10, after: { type: 'cosineAnnealing', totalSteps: 100 } });
  });
});

describe('impossible moments', () => {
  it('negative second moments (v, vMax) in setWeights are refused, naming the weight and index; nothing changes', async () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]), true, uniqueName('neg'));
    const source = adamw({ amsgrad: true });
    source.minimize(squareLoss(v));
    const good = (await source.getWeights()).map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
    const target = adamw({ amsgrad: true });
    target.minimize(squareLoss(v));
    const before = await weightsOf(target);
    for (const field of ['v', 'vMax']) {
      const bad: NamedTensor[] = good.map((w) => (w.name.endsWith(`/${field}`) ? { name: w.name, tensor: tf.tensor1d([0.1, -0.5, 0.2]) } : w));
      await expect(target.setWeights(bad)).rejects.toThrow(
        new RegExp(`AdamW weight '${v.name}/${field}' holds -0\\.5 at index 1; a second moment is never negative`),
      );
      expect(await weightsOf(target)).toEqual(before);
    }
    // Negative first moments are ordinary.
    const firstMoment = good.map((w) => (w.name.endsWith('/m') ? { name: w.name, tensor: tf.tensor1d([-1, -2, -3]) } : w));
    await target.setWeights(firstMoment);
    tf.dispose([...good.map((w) => w.tensor), ...firstMoment.map((w) => w.tensor)]);
    source.dispose();
    target.dispose();
    v.dispose();
  });
});

describe('names that are not ordinary keys', () => {
  it("setWeights refuses a state for a variable named '__proto__', and no prototype changes", async () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const optimizer = adamw();
    const weights: NamedTensor[] = [
      { name: 'iter', tensor: tf.tensor1d([1, 0], 'int32') },
      { name: '__proto__/m', tensor: tf.zeros([2]) },
      { name: '__proto__/v', tensor: tf.zeros([2]) },
      { name: '__proto__/step', tensor: tf.tensor1d([1, 0], 'int32') },
    ];
    await expect(optimizer.setWeights(weights)).rejects.toThrow(/AdamW weights hold a state for a variable named '__proto__', which no tfjs variable can be/);
    expect(optimizer.iterations).toBe(0);
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    tf.dispose(weights.map((w) => w.tensor));
  });

  it("applyGradients names 'constructor' and 'toString' as unknown variables instead of reading Object.prototype", () => {
    const optimizer = adamw();
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const g = tf.zeros([1]);
      expect(() => optimizer.applyGradients({ [name]: g })).toThrow(new RegExp(`no variable named '${name}' is registered`));
      g.dispose();
    }
  });
});

describe('options of the wrong type', () => {
  it('exclude: 5 is named as the AdamW option it is', () => {
    expect(() => adamw({ exclude: 5 as never })).toThrow(/option exclude must be a name pattern .*got number 5/);
    expect(() => adamw({ exclude: ['bias', null] as never })).toThrow(/option exclude\[1\] must be a name pattern/);
  });
});

describe('variables without gradients', () => {
  it('a variable with trainable: false in the variable list is named as not trainable, not told to become it', () => {
    const w = tf.variable(tf.ones([2]), true, uniqueName('trained'));
    const frozen = tf.variable(tf.ones([2]), false, uniqueName('frozen'));
    const optimizer = adamw();
    expect(() => optimizer.minimize(() => tf.sum(tf.mul(w, frozen)), false, [w, frozen])).toThrow(
      new RegExp(
        `variable '${frozen.name}' is not trainable \\(trainable: false\\), so minimize computed no gradient for it; leave it out of the variable list`,
      ),
    );
    expect(optimizer.iterations).toBe(0);
    tf.dispose([w, frozen]);
  });
});
