import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamWOptimizer, CHECKSUM_FORMAT, CHECKSUM_METADATA_KEY, adamw, checksummed } from '../src/index.js';
import { memoryHandler, randomValues, useBackend, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }));
  return model;
}

const FIT = { epochs: 2, batchSize: 8, shuffle: false, verbose: 0 as const };

async function trainedAndSaved() {
  const x = tf.tensor(randomValues(32 * 4, 21), [32, 4]);
  const y = tf.tensor(randomValues(32 * 2, 22), [32, 2]);
  const model = buildModel();
  model.compile({ optimizer: adamw({ lr: 0.01, amsgrad: true }), loss: 'meanSquaredError' });
  await model.fit(x, y, FIT);
  model.setUserDefinedMetadata({ run: 'seven' });
  const io = memoryHandler();
  await model.save(checksummed(io.handler), { includeOptimizer: true });
  return { x, y, model, io };
}

function values(model: tfl.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

/** A copy of the saved weight data as one buffer. */
function bytesOf(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData!;
  return new Uint8Array((Array.isArray(data) ? data[0]! : data).slice(0));
}

function cleanUp(...models: tfl.LayersModel[]): void {
  for (const m of models) {
    (m.optimizer as AdamWOptimizer | undefined)?.dispose();
    m.dispose();
  }
}

describe('checksummed', () => {
  it('records the format, length and CRC-32 of the weights, and keeps the user metadata', async () => {
    const { x, y, model, io } = await trainedAndSaved();
    const saved = io.artifacts();
    const record = saved.userDefinedMetadata![CHECKSUM_METADATA_KEY] as Record<string, number>;
    expect(record.format).toBe(CHECKSUM_FORMAT);
    expect(record.weightBytes).toBe(bytesOf(saved).byteLength);
    expect(record.weightsCrc32).toBeGreaterThanOrEqual(0);
    expect(saved.userDefinedMetadata!.run).toBe('seven');
    // The optimizer's state is inside the checksummed bytes.
    expect(saved.weightSpecs!.some((s) => s.group === 'optimizer' && s.name === 'iter')).toBe(true);
    cleanUp(model);
    tf.dispose([x, y]);
  });

  it('loads what it saved, without its record, and training goes on exactly as without the round trip', async () => {
    const { x, y, model, io } = await trainedAndSaved();
    const restored = await tfl.loadLayersModel(checksummed(io.handler));
    expect(restored.getUserDefinedMetadata()).toEqual({ run: 'seven' });
    expect(values(restored)).toEqual(values(model));
    expect(await weightsOf(restored.optimizer as AdamWOptimizer)).toEqual(await weightsOf(model.optimizer as AdamWOptimizer));
    const straight = await model.fit(x, y, FIT);
    const resumed = await restored.fit(x, y, FIT);
    expect(resumed.history.loss).toEqual(straight.history.loss);
    expect(values(restored)).toEqual(values(model));
    cleanUp(model, restored);
    tf.dispose([x, y]);
  });

  it('refuses a weights file with one flipped bit, in the model or in the optimizer state', async () => {
    const { x, y, model, io } = await trainedAndSaved();
    const saved = io.artifacts();
    const bytes = bytesOf(saved);
    for (const at of [5, bytes.byteLength - 3]) {
      const damaged = bytes.slice();
      damaged[at]! ^= 0x10;
      io.replace({ ...saved, weightData: damaged.buffer });
      await expect(tfl.loadLayersModel(checksummed(io.handler))).rejects.toThrow(/fails its CRC-32 check.*corrupted/);
    }
    cleanUp(model);
    tf.dispose([x, y]);
  });

  it('refuses a truncated weights file', async () => {
    const { x, y, model, io } = await trainedAndSaved();
    const saved = io.artifacts();
    io.replace({ ...saved, weightData: bytesOf(saved).slice(0, 100).buffer });
    await expect(tfl.loadLayersModel(checksummed(io.handler))).rejects.toThrow(/is 100 bytes where \d+ were saved; the weights file is truncated/);
    cleanUp(model);
    tf.dispose([x, y]);
  });

  it('refuses edited weight specs, a model saved without it, and a newer format', async () => {
    const { x, y, model, io } = await trainedAndSaved();
    const saved = io.artifacts();
    const specs = saved.weightSpecs!.map((s) => ({ ...s }));
    specs.reverse();
    io.replace({ ...saved, weightSpecs: specs });
    await expect(tfl.loadLayersModel(checksummed(io.handler))).rejects.toThrow(/weight specs .* differ from those saved/);

    const plain = memoryHandler();
    await model.save(plain.handler, { includeOptimizer: true });
    await expect(tfl.loadLayersModel(checksummed(plain.handler))).rejects.toThrow(/no 'adamwCheckpoint' record.*not saved through checksummed/);

    const record = saved.userDefinedMetadata![CHECKSUM_METADATA_KEY] as Record<string, number>;
    io.replace({ ...saved, userDefinedMetadata: { [CHECKSUM_METADATA_KEY]: { ...record, format: CHECKSUM_FORMAT + 1 } } });
    await expect(tfl.loadLayersModel(checksummed(io.handler))).rejects.toThrow(
      new RegExp(`format ${CHECKSUM_FORMAT + 1} is newer than this version of @adamw/tfjs reads \\(${CHECKSUM_FORMAT}\\)`),
    );
    cleanUp(model);
    tf.dispose([x, y]);
  });

  it('refuses a target that is not a handler, and a URL no handler serves', async () => {
    expect(() => checksummed(42 as unknown as string)).toThrow(/expects a tfjs IOHandler or a URL string, got number/);
    const model = buildModel();
    await expect(model.save(checksummed('nowhere://x'))).rejects.toThrow(/no tfjs save handler is registered for 'nowhere:\/\/x'/);
    model.dispose();
  });
});
