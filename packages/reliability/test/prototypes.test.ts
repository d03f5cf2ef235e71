// Crafted checkpoints against every adapter's loader: names such as
// `__proto__` and `constructor` in parameters, states and step counts (the
// archive's checksum recomputed, as an attacker would) are refused with an
// error naming them, change nothing, and add no property to any prototype or
// built-in constructor of the process.
import { packArrays, unpackArrays, type FloatArray, type Json } from '@adamw/core';
import { adamw, type NamedTensor } from '@adamw/tfjs';
import { createOrtTrainer, type OrtTrainer } from '@adamw/onnxruntime';
import { Mlp, Trainer } from '@adamw/trainer';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, trajectory } from '../src/index.js';

/** Every object a crafted key could reach through a plain object's prototype chain. */
const TARGETS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Object', Object],
  ['Function.prototype', Function.prototype],
  ['Array.prototype', Array.prototype],
  ['Float32Array.prototype', Float32Array.prototype],
  ['Float64Array.prototype', Float64Array.prototype],
  ['TypedArray.prototype', Object.getPrototypeOf(Float32Array.prototype) as object],
  ['Object.prototype.toString', Object.prototype.toString],
  ['Object.prototype.hasOwnProperty', Object.prototype.hasOwnProperty],
];

function ownKeys(): Record<string, string[]> {
  return Object.fromEntries(TARGETS.map(([name, o]) => [name, Reflect.ownKeys(o).map(String)]));
}

/**
 * The keys each target gained since `before`, removed again so that one
 * polluting load cannot break the tests after it.
 */
function gainedSince(before: Record<string, string[]>): Record<string, string[]> {
  const gained: Record<string, string[]> = {};
  for (const [name, o] of TARGETS) {
    const added = Reflect.ownKeys(o).filter((k) => !before[name]!.includes(String(k)));
    for (const k of added) delete (o as Record<PropertyKey, unknown>)[k];
    if (added.length > 0) gained[name] = added.map(String);
  }
  return gained;
}

/** Runs `load`, expects it to throw `message`, and checks that no target gained a key. */
async function refusedCleanly(load: () => unknown, message: RegExp): Promise<void> {
  const before = ownKeys();
  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  expect(gainedSince(before)).toEqual({});
  expect(error, 'the crafted load was accepted').toBeInstanceOf(Error);
  expect(String(error)).toMatch(message);
}

/** A crafted copy of a core checkpoint archive: extra arrays and step counts, checksum recomputed. */
function crafted(good: Uint8Array, extraArrays: Record<string, FloatArray>, extraSteps: string): Uint8Array {
  const archive = unpackArrays(good, 'adamw-checkpoint');
  const meta = archive.meta as { steps: Record<string, number>; user: Json };
  // JSON.parse makes `__proto__` an own key, as a crafted file's header would.
  const steps = JSON.parse(JSON.stringify(meta.steps).replace(/^\{/, `{${extraSteps}${Object.keys(meta.steps).length > 0 && extraSteps ? ',' : ''}`)) as Json;
  const arrays: Record<string, FloatArray> = {};
  for (const [k, a] of Object.entries(archive.arrays)) arrays[k] = a;
  for (const [k, a] of Object.entries(extraArrays)) Object.defineProperty(arrays, k, { value: a, enumerable: true, configurable: true, writable: true });
  return packArrays({ kind: 'adamw-checkpoint', meta: { steps, user: meta.user }, arrays });
}

/** The attacks: one per way a name can reach a prototype through a decoder. */
function attacks(length: number, paramName: string): [string, Record<string, FloatArray>, string][] {
  const values = () => new Float32Array(length).fill(1);
  return [
    ["a parameter named '__proto__'", { 'param/__proto__': values() }, ''],
    ["state arrays 'state/__proto__/m' and '/v' with no step count", { 'state/__proto__/m': values(), 'state/__proto__/v': values() }, ''],
    ["a state named '__proto__' with its step count", { 'state/__proto__/m': values(), 'state/__proto__/v': values() }, '"__proto__":1'],
    ["state arrays 'state/constructor/m' and '/v'", { 'state/constructor/m': values(), 'state/constructor/v': values() }, ''],
    ["a state named 'toString'", { 'state/toString/m': values(), 'state/toString/v': values() }, '"toString":1'],
    [`a state array of '${paramName}' named '__proto__'`, { [`state/${paramName}/__proto__`]: values() }, ''],
  ];
}

const SUSPECT = /__proto__|constructor|toString|unexpected array|not a parameter|does not have|unknown|do not match/;

describe('trainer restore of crafted checkpoints', () => {
  const make = () => new Trainer(new Mlp({ layers: [4, 3], dtype: 'float32' }, { seed: 1 }), { loss: 'mse', optimizer: { kind: 'adamw' }, batchSize: 2 });
  const source = make();
  source.trainBatch(new Float32Array(8).fill(0.5), new Float32Array(6).fill(0.1), 2);
  const good = source.checkpoint();

  for (const [what, arrays, steps] of attacks(12, 'lins.0.weight')) {
    it(`${what}: refused, nothing changes, no prototype gains a property`, async () => {
      const t = make();
      const before = t.checkpoint();
      await refusedCleanly(() => t.restore(crafted(good, arrays, steps)), SUSPECT);
      expect(t.checkpoint()).toEqual(before);
    });
  }
});

describe('onnxruntime loadCheckpoint of crafted checkpoints', () => {
  const t = trajectory('iris-sigmoid-ce-amsgrad-f32.json.gz');
  const open: OrtTrainer[] = [];
  afterAll(async () => {
    for (const o of open) await o.release();
  });
  const make = async () => {
    const trainer = await createOrtTrainer({ model: Buffer.from(t.onnx, 'base64'), ort, sessionOptions: { intraOpNumThreads: 1 } });
    open.push(trainer);
    return trainer;
  };
  const feeds = () => {
    const { x, y, rows } = batchOf(t, 0);
    return { x: new ort.Tensor('float32', x, [rows, t.model.layers[0]!]), y: new ort.Tensor('int64', BigInt64Array.from(y.map(BigInt)), [rows]) };
  };
  let good: Uint8Array;
  beforeAll(async () => {
    const source = await make();
    await source.step(feeds());
    good = source.saveCheckpoint();
  });

  for (const [what, arrays, steps] of attacks(4, 'lins.0.bias')) {
    it(`${what}: refused, nothing changes, no prototype gains a property`, async () => {
      const trainer = await make();
      const before = trainer.saveCheckpoint();
      await refusedCleanly(() => trainer.loadCheckpoint(crafted(good, arrays, steps)), SUSPECT);
      expect(trainer.saveCheckpoint()).toEqual(before);
    });
  }
});

describe('tfjs setWeights of crafted weights', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });

  for (const variable of ['__proto__', 'constructor', 'toString']) {
    it(`a state for a variable named '${variable}' adds no property to any prototype`, async () => {
      const optimizer = adamw({ amsgrad: true });
      const weights: NamedTensor[] = [
        { name: 'iter', tensor: tf.tensor1d([1, 0], 'int32') },
        ...['m', 'v', 'vMax'].map((k) => ({ name: `${variable}/${k}`, tensor: tf.ones([2]) })),
        { name: `${variable}/step`, tensor: tf.tensor1d([1, 0], 'int32') },
      ];
      const before = ownKeys();
      let error: unknown;
      try {
        await optimizer.setWeights(weights);
      } catch (e) {
        error = e;
      }
      expect(gainedSince(before)).toEqual({});
      // '__proto__' is refused; other names are ordinary (a Map holds them) and wait for a variable of that name.
      if (variable === '__proto__') expect(String(error)).toMatch(/variable named '__proto__', which no tfjs variable can be/);
      else expect(error).toBeUndefined();
      optimizer.dispose();
      tf.dispose(weights.map((w) => w.tensor));
    });
  }
});
