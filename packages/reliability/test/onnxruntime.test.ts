// @adamw/onnxruntime under faults: damaged checkpoints, resume, non-finite
// gradients, bad models and feeds, memory and two trainers at once.
import { cosineAnnealing, type AdamWState } from '@adamw/core';
import { createOrtTrainer, type OrtTrainer, type OrtTrainerOptions } from '@adamw/onnxruntime';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptedCorruptions, batchOf, heapGrowthPerStep, onnxFixture, trajectory, type Trajectory } from '../src/index.js';

const F32 = trajectory('iris-sigmoid-ce-amsgrad-f32.json.gz');
const F64 = trajectory('iris-tanh-ce-l2-f64.json.gz');
const open: OrtTrainer[] = [];
afterAll(async () => {
  for (const t of open) await t.release().catch(() => undefined);
});

const OPTIONS: Omit<OrtTrainerOptions, 'model'> = {
  optimizer: { lr: 0.02, weightDecay: 0.05, amsgrad: true },
  exclude: [/bias$/],
  schedule: cosineAnnealing(40, 0.1),
  clipGlobalNorm: 2,
};

async function trainerFor(t: Trajectory, options: Partial<OrtTrainerOptions> = {}): Promise<OrtTrainer> {
  const trainer = await createOrtTrainer({ model: Buffer.from(t.onnx, 'base64'), ...OPTIONS, ...options });
  open.push(trainer);
  return trainer;
}

function feeds(t: Trajectory, k: number): Record<string, ort.Tensor> {
  const { x, y, rows } = batchOf(t, k);
  return {
    x: new ort.Tensor(t.dtype, x, [rows, t.model.layers[0]!]),
    y: new ort.Tensor('int64', BigInt64Array.from(y.map(BigInt)), [rows]),
  };
}

function bits(record: Readonly<Record<string, Float32Array | Float64Array>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, a]) => [k, Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')]));
}

function stateBits(trainer: OrtTrainer) {
  return Object.fromEntries(
    Object.entries(trainer.states).map(([name, s]: [string, AdamWState]) => [
      name,
      { step: s.step, ...bits({ m: s.m, v: s.v, ...(s.vMax ? { vMax: s.vMax } : {}) }) },
    ]),
  );
}

/** Everything a failed call must leave as it was. */
function snapshot(trainer: OrtTrainer) {
  return { params: bits(trainer.parameters), states: stateBits(trainer), stepCount: trainer.stepCount };
}

describe('onnxruntime checkpoints', () => {
  for (const t of [F32, F64]) {
    it(`${t.dtype}: carry a version and a checksum; truncated, bit-flipped and foreign bytes are refused clearly and change nothing`, async () => {
      const source = await trainerFor(t);
      for (let k = 0; k < 3; k++) await source.step(feeds(t, k));
      const good = source.saveCheckpoint();
      expect(new TextDecoder().decode(good.subarray(0, 7))).toBe('ADAMWJS');
      const victim = await trainerFor(t);
      await victim.step(feeds(t, 5));
      const before = snapshot(victim);
      expect(await acceptedCorruptions(good, (bytes) => victim.loadCheckpoint(bytes))).toEqual([]);
      expect(snapshot(victim)).toEqual(before);
      victim.loadCheckpoint(good);
      expect(snapshot(victim)).toEqual(snapshot(source));
    });

    it(`${t.dtype}: resuming after N steps in a new trainer equals training straight through, bit for bit`, async () => {
      const straight = await trainerFor(t);
      const straightLosses: number[] = [];
      for (let k = 0; k < 12; k++) straightLosses.push(await straight.step(feeds(t, k)));

      const first = await trainerFor(t);
      const losses: number[] = [];
      for (let k = 0; k < 5; k++) losses.push(await first.step(feeds(t, k)));
      const bytes = first.saveCheckpoint();
      await first.release();
      const second = await trainerFor(t);
      second.loadCheckpoint(bytes);
      for (let k = 5; k < 12; k++) losses.push(await second.step(feeds(t, k)));

      expect(losses).toEqual(straightLosses);
      expect(snapshot(second)).toEqual(snapshot(straight));
    });
  }
});

describe('onnxruntime and non-finite gradients', () => {
  function poisoned(t: Trajectory) {
    const f = feeds(t, 0);
    const x = (f.x!.data as Float32Array).slice();
    x[0] = Number.NaN;
    return { ...f, x: new ort.Tensor(t.dtype, x, f.x!.dims) };
  }

  it("nonFinite: 'skip' leaves parameters, moments and the step count untouched", async () => {
    const trainer = await trainerFor(F32, { optimizer: { ...OPTIONS.optimizer, nonFinite: 'skip' } });
    await trainer.step(feeds(F32, 1));
    const before = snapshot(trainer);
    const loss = await trainer.step(poisoned(F32));
    expect(loss).toBeNaN();
    expect(snapshot(trainer)).toEqual(before);
    // The next good step proceeds from where it was.
    await trainer.step(feeds(F32, 2));
    expect(trainer.stepCount).toBe(2);
  });

  it("nonFinite: 'throw' rejects with a RangeError naming the value and changes nothing", async () => {
    const trainer = await trainerFor(F32, { optimizer: { ...OPTIONS.optimizer, nonFinite: 'throw' } });
    await trainer.step(feeds(F32, 1));
    const before = snapshot(trainer);
    await expect(trainer.step(poisoned(F32))).rejects.toThrow(/NaN.*nonFinite: 'throw'/);
    expect(snapshot(trainer)).toEqual(before);
  });
});

describe('onnxruntime and bad input', () => {
  it('a model whose output is not a scalar loss is refused, saying so', async () => {
    await expect(createOrtTrainer({ model: onnxFixture('vector-output.onnx') })).rejects.toThrow(/loss 'y' has shape \[batch, 2\]; a loss must be a scalar/);
  });

  it('a model with two outputs needs the loss named; a name that is not an output is refused', async () => {
    await expect(createOrtTrainer({ model: onnxFixture('two-outputs.onnx') })).rejects.toThrow(/2 outputs \(loss, y\); say which one is the loss/);
    await expect(createOrtTrainer({ model: onnxFixture('two-outputs.onnx'), loss: 'cost' })).rejects.toThrow(/loss 'cost' is not computed by any node/);
    const ok = await createOrtTrainer({ model: onnxFixture('two-outputs.onnx'), loss: 'loss' });
    open.push(ok);
    expect(Object.keys(ok.parameters)).toEqual(['w']);
  });

  it('a model with nothing to train, an unknown trainable name and garbage bytes are refused', async () => {
    await expect(createOrtTrainer({ model: onnxFixture('no-parameters.onnx') })).rejects.toThrow(/no FLOAT or DOUBLE initializers to train/);
    await expect(createOrtTrainer({ model: onnxFixture('two-outputs.onnx'), loss: 'loss', trainable: ['W'] })).rejects.toThrow(
      /trainable 'W' matches no FLOAT or DOUBLE initializer/,
    );
    await expect(createOrtTrainer({ model: new Uint8Array([1, 2, 3, 4, 5]) })).rejects.toThrow();
    await expect(createOrtTrainer({ model: onnxFixture('two-outputs.onnx'), loss: 'loss', optimizer: { weight_decay: 0 } as never })).rejects.toThrow(
      /weight_decay/,
    );
  });

  it('wrong feeds (shape, type, names, missing) reject, naming the feed, and change nothing', async () => {
    const t = F32;
    const trainer = await trainerFor(t);
    await trainer.step(feeds(t, 0));
    const before = snapshot(trainer);
    const good = feeds(t, 1);
    const rows = good.y!.dims[0]!;
    const cases: [Record<string, ort.Tensor>, RegExp][] = [
      [{ ...good, x: new ort.Tensor('float32', new Float32Array(rows * 5), [rows, 5]) }, /feed 'x' has shape \[\d+, 5\]/],
      [{ ...good, x: new ort.Tensor('float32', new Float32Array(rows * 4), [rows * 4]) }, /feed 'x' has shape/],
      [{ ...good, x: new ort.Tensor('float64', new Float64Array(rows * 4), [rows, 4]) }, /feed 'x' is float64, but the model declares float32/],
      [{ x: good.x! }, /feed 'y' is missing/],
      [{ ...good, z: good.x! }, /feed 'z' is not an input of the model/],
      [{ ...good, 'lins.0.weight': good.x! }, /feed 'lins.0.weight' is a trained parameter/],
      [{ ...good, y: new ort.Tensor('int64', new BigInt64Array(rows + 1), [rows + 1]) }, /but feed 'x' has/],
    ];
    for (const [bad, message] of cases) {
      await expect(trainer.step(bad), String(message)).rejects.toThrow(message);
      expect(snapshot(trainer)).toEqual(before);
    }
    await trainer.step(good);
    expect(trainer.stepCount).toBe(2);
  });
});

describe('onnxruntime memory and concurrency', () => {
  it('neither the JavaScript heap nor the native memory grows across steps', async () => {
    const t = trajectory('digits-relu-ce-f32.json.gz');
    const trainer = await trainerFor(t);
    const f = feeds(t, 0);
    const { total, perStep, rss } = await heapGrowthPerStep(() => trainer.step(f), 500, 1500);
    // A leaked copy of the gradients (64·32 + 32·10 + 42 floats ≈ 10 KB) per step would be 15 MB per window.
    // The bound sits ten times below that: on a loaded machine, promises and timers still pending when
    // the heap is measured account for a few hundred bytes per step that a quiet run does not see.
    expect(total, `${perStep.toFixed(1)} B per step`).toBeLessThan(1500 * 1024);
    expect(rss, 'resident memory growth').toBeLessThan(6 * 1024 * 1024);
  });

  it('two trainers stepping at the same time compute what each computes alone', async () => {
    const alone = [await trainerFor(F32), await trainerFor(F64)] as const;
    for (let k = 0; k < 6; k++) await alone[0].step(feeds(F32, k));
    for (let k = 0; k < 6; k++) await alone[1].step(feeds(F64, k));
    const together = [await trainerFor(F32), await trainerFor(F64)] as const;
    for (let k = 0; k < 6; k++) await Promise.all([together[0].step(feeds(F32, k)), together[1].step(feeds(F64, k))]);
    expect(snapshot(together[0])).toEqual(snapshot(alone[0]));
    expect(snapshot(together[1])).toEqual(snapshot(alone[1]));
  });
});

describe('onnxruntime and long runs', () => {
  it('step counts past 2^31 stay exact through a checkpoint, and the resumed run continues bit for bit', async () => {
    const start = 2 ** 31 - 2;
    const a = await trainerFor(F32);
    for (const s of Object.values(a.states)) s.step = start;
    for (let k = 0; k < 5; k++) await a.step(feeds(F32, k));
    const b = await trainerFor(F32);
    b.loadCheckpoint(a.saveCheckpoint());
    for (const s of Object.values(b.states)) expect(s.step).toBe(start + 5);
    for (let k = 5; k < 8; k++) {
      await a.step(feeds(F32, k));
      await b.step(feeds(F32, k));
    }
    expect(snapshot(b)).toEqual(snapshot(a));
  });
});
