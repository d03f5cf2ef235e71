// @adamw/trainer under faults: damaged and interrupted checkpoints, resume,
// non-finite gradients, bad input, memory and two trainers side by side.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserializeCheckpoint, linearWarmup, cosineAnnealing, type AdamWState } from '@adamw/core';
import { Mlp, Trainer, readCheckpointMeta, type TrainerOptions } from '@adamw/trainer';
import { loadCheckpointFile, saveCheckpointFile } from '@adamw/trainer/node';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptedCorruptions, heapGrowthPerStep, killDuringSave, prng, type CrashOutcome } from '../src/index.js';
import { WRITER_LAYERS } from './children/trainer-writer-model.js';

const dir = mkdtempSync(join(tmpdir(), 'adamw-reliability-trainer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A toy classification set: 4 inputs, 3 classes. */
function data(rows: number, seed: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float64Array) {
  const random = prng(seed);
  const x: Float32Array | Float64Array = Ctor.from(Array.from({ length: rows * 4 }, () => random() * 2 - 1));
  const y = Int32Array.from({ length: rows }, (_, r) => (x[r * 4]! > 0 ? 1 : 0) + (x[r * 4 + 1]! > 0.5 ? 1 : 0));
  return { x, y };
}

const OPTIONS: TrainerOptions = {
  loss: 'softmax-cross-entropy',
  optimizer: { kind: 'adamw', options: { lr: 5e-3, weightDecay: 0.05, amsgrad: true } },
  batchSize: 8,
  schedule: linearWarmup(5, cosineAnnealing(60, 0.1)),
  clipGlobalNorm: 1,
  seed: 3,
};

function trainer(dtype: 'float32' | 'float64' = 'float64', options: Partial<TrainerOptions> = {}): Trainer {
  return new Trainer(new Mlp({ layers: [4, 16, 3], activation: 'tanh', dtype }, { seed: 11 }), { ...OPTIONS, ...options });
}

function bitsOf(record: Readonly<Record<string, Float32Array | Float64Array>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, a]) => [k, Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')]));
}

function stateBits(t: Trainer) {
  return Object.fromEntries(
    Object.entries(t.optimizer.states).map(([name, s]) => {
      const a = s as AdamWState;
      return [name, { step: a.step, ...bitsOf({ m: a.m, v: a.v, ...(a.vMax ? { vMax: a.vMax } : {}) }) }];
    }),
  );
}

describe('trainer checkpoints', () => {
  it('carry a format version and a checksum', () => {
    const t = trainer();
    t.fit(data(40, 1), { epochs: 1 });
    const bytes = t.checkpoint();
    expect(new TextDecoder().decode(bytes.subarray(0, 7))).toBe('ADAMWJS');
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(1);
    expect(readCheckpointMeta(bytes).format).toBe('adamw-trainer/1');
    // Changing any one byte of the data breaks the checksum.
    const flipped = bytes.slice();
    flipped[bytes.length - 40] = flipped[bytes.length - 40]! ^ 1;
    expect(() => deserializeCheckpoint(flipped)).toThrow(/checksum/);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: truncated, bit-flipped and foreign bytes are refused with a clear error and change nothing`, async () => {
      const t = trainer(dtype);
      t.fit(data(40, 2, dtype === 'float32' ? Float32Array : Float64Array), { epochs: 2 });
      const good = t.checkpoint();
      const victim = trainer(dtype);
      const before = victim.checkpoint();
      const accepted = await acceptedCorruptions(good, (bytes) => victim.restore(bytes));
      expect(accepted).toEqual([]);
      expect(victim.checkpoint()).toEqual(before);
      // The undamaged bytes still load.
      victim.restore(good);
      expect(bitsOf(victim.model.params)).toEqual(bitsOf(t.model.params));
    });
  }

  it('are written atomically: a writer killed mid-save leaves the previous or the new checkpoint, whole', async () => {
    const random = prng(20240601);
    const outcomes: (CrashOutcome & { loaded: number })[] = [];
    // Four kills, and more (up to twelve) while none has landed inside a save,
    // which a loaded machine can make happen by firing the timer late.
    for (let k = 0; k < 4 || (k < 12 && !outcomes.some((o) => o.begun > o.lastSaved)); k++) {
      const path = join(dir, `killed-${k}.ckpt`);
      const outcome = await killDuringSave('test/children/trainer-writer.ts', [path], random);
      const bytes = new Uint8Array(readFileSync(path));
      const step = readCheckpointMeta(bytes).progress.step;
      expect([outcome.lastSaved, outcome.begun]).toContain(step);
      // It loads into a trainer of the same shape.
      const model = new Mlp({ layers: WRITER_LAYERS, activation: 'tanh', dtype: 'float32' }, { seed: 1 });
      const fresh = new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw', options: { lr: 1e-3 } }, batchSize: 4 });
      await loadCheckpointFile(fresh, path);
      expect(fresh.position.step).toBe(step);
      outcomes.push({ ...outcome, loaded: step });
    }
    // At least one kill must have landed inside a save, or the test proved nothing.
    expect(
      outcomes.some((o) => o.begun > o.lastSaved),
      JSON.stringify(outcomes),
    ).toBe(true);
  });

  it('the crash harness does tear a file written in place (control)', async () => {
    const path = join(dir, 'naive.ckpt');
    // On a loaded machine the kill can land outside the writes: after a save
    // has finished, or after the writer said "begin" but before its open()
    // truncated the file. Only a kill between those shows anything, so try
    // again until one tears the file.
    const torn = () => {
      try {
        readCheckpointMeta(new Uint8Array(readFileSync(path)));
        return false;
      } catch {
        return true;
      }
    };
    let outcome = await killDuringSave('test/children/naive-writer.ts', [path], () => 0.5);
    for (let attempt = 1; attempt < 5 && !torn(); attempt++) {
      outcome = await killDuringSave('test/children/naive-writer.ts', [path], () => 0.5);
    }
    expect(outcome.begun, JSON.stringify(outcome)).toBeGreaterThan(outcome.lastSaved);
    const bytes = new Uint8Array(readFileSync(path));
    expect(() => readCheckpointMeta(bytes)).toThrow(/truncated|corrupt|not an adamw archive/);
  });

  it('leave no temporary file behind after a completed save', async () => {
    const sub = mkdtempSync(join(dir, 'clean-'));
    const t = trainer();
    t.fit(data(40, 3), { epochs: 1 });
    await saveCheckpointFile(t, join(sub, 'a.ckpt'));
    await saveCheckpointFile(t, join(sub, 'a.ckpt'));
    expect(readdirSync(sub)).toEqual(['a.ckpt']);
  });
});

describe('trainer resume', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: stopping mid-epoch, saving to a file and resuming in a new process-like trainer equals training straight through, bit for bit`, async () => {
      const train = data(50, 4, dtype === 'float32' ? Float32Array : Float64Array);
      const straight = trainer(dtype);
      straight.fit(train, { epochs: 5 });

      const first = trainer(dtype);
      first.fit(train, { epochs: 5, onStep: (s) => s.step < 13 });
      expect(first.position.batchInEpoch).toBeGreaterThan(0);
      const path = join(dir, `resume-${dtype}.ckpt`);
      await saveCheckpointFile(first, path);
      const second = trainer(dtype);
      await loadCheckpointFile(second, path);
      second.fit(train, { epochs: 5 });

      expect(second.position).toEqual(straight.position);
      expect(bitsOf(second.model.params)).toEqual(bitsOf(straight.model.params));
      expect(stateBits(second)).toEqual(stateBits(straight));
    });
  }
});

describe('trainer and non-finite gradients', () => {
  /** A batch whose first input is NaN: every gradient of the first layer becomes NaN. */
  function poisoned() {
    const { x, y } = data(8, 5);
    x[0] = Number.NaN;
    return { x, y };
  }

  it("nonFinite: 'skip' leaves parameters, moments and step counts untouched", () => {
    const t = trainer('float64', { optimizer: { kind: 'adamw', options: { lr: 1e-2, nonFinite: 'skip' } } });
    t.fit(data(32, 6), { epochs: 1 });
    const params = bitsOf(t.model.params);
    const states = stateBits(t);
    const { x, y } = poisoned();
    t.trainBatch(x, y, 8);
    expect(bitsOf(t.model.params)).toEqual(params);
    expect(stateBits(t)).toEqual(states);
  });

  it("nonFinite: 'throw' throws a RangeError naming the parameter and changes nothing", () => {
    const t = trainer('float64', { optimizer: { kind: 'adamw', options: { nonFinite: 'throw' } } });
    t.fit(data(32, 6), { epochs: 1 });
    const params = bitsOf(t.model.params);
    const states = stateBits(t);
    const { x, y } = poisoned();
    expect(() => t.trainBatch(x, y, 8)).toThrow(/lins\.\d\.(weight|bias).*NaN|NaN.*nonFinite: 'throw'/);
    expect(bitsOf(t.model.params)).toEqual(params);
    expect(stateBits(t)).toEqual(states);
  });

  it("the default ('propagate', as torch) lets NaN into the parameters", () => {
    const t = trainer('float64', { optimizer: { kind: 'adamw' } });
    const { x, y } = poisoned();
    t.trainBatch(x, y, 8);
    expect(Array.from(t.model.params['lins.0.weight']!).some(Number.isNaN)).toBe(true);
  });
});

describe('trainer and bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['an unknown trainer option', () => trainer('float64', { learningRate: 1 } as Partial<TrainerOptions>), /unknown trainer option 'learningRate'/],
    ['an unknown optimizer kind', () => trainer('float64', { optimizer: { kind: 'adamax' } as never }), /unknown optimizer kind/],
    ['an unknown AdamW option', () => trainer('float64', { optimizer: { kind: 'adamw', options: { weight_decay: 1 } as never } }), /weight_decay/],
    ['beta1 = 1', () => trainer('float64', { optimizer: { kind: 'adamw', options: { beta1: 1 } } }), /beta1/],
    ['batchSize 0', () => trainer('float64', { batchSize: 0 }), /batchSize/],
    ['an unknown loss', () => trainer('float64', { loss: 'hinge' as never }), /unknown loss/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what} is refused with a message naming it`, () => {
      expect(make).toThrow(message);
    });
  }

  it('data of the wrong shape, labels out of range and a wrong dtype throw before anything changes', () => {
    const t = trainer();
    t.fit(data(16, 7), { epochs: 1 });
    const before = t.checkpoint();
    expect(() => t.fit({ x: new Float64Array(15), y: new Int32Array(4) }, { epochs: 2 })).toThrow(/not a positive multiple of the input width 4/);
    expect(() => t.fit({ x: new Float64Array(16), y: Int32Array.from([0, 1, 2, 3]) }, { epochs: 2 })).toThrow(/labels must be integers in \[0, 3\)/);
    expect(() => t.trainBatch(new Float32Array(8), [0, 1], 2)).toThrow(/dtype is float64/);
    expect(() => t.trainBatch(new Float64Array(8), [0, 1, 2], 2)).toThrow(/labels, expected one per row/);
    expect(t.checkpoint()).toEqual(before);
  });

  it('a checkpoint of another model is refused and changes nothing', () => {
    const t = trainer();
    const other = new Trainer(new Mlp({ layers: [4, 8, 3], activation: 'tanh' }, { seed: 1 }), OPTIONS);
    const before = t.checkpoint();
    expect(() => t.restore(other.checkpoint())).toThrow(/model/);
    expect(t.checkpoint()).toEqual(before);
  });
});

describe('trainer memory and concurrency', () => {
  it('the heap does not grow across training steps', async () => {
    const t = trainer('float32');
    const { x, y } = data(8, 8, Float32Array);
    const { total } = await heapGrowthPerStep(() => t.trainBatch(x, y, 8), 1000, 5000);
    // A leak of one 16-float array per step would be 5000 × 64+ B ≈ 320 KB.
    expect(total).toBeLessThan(100 * 1024);
  });

  it('two trainers interleaved in one process compute what each computes alone', () => {
    const a1 = trainer('float64');
    const b1 = trainer('float32', { seed: 9, optimizer: { kind: 'sgdw', options: { lr: 0.05, momentum: 0.9 } } });
    const dataA = data(40, 9);
    const dataB = data(40, 10, Float32Array);
    a1.fit(dataA, { epochs: 3 });
    b1.fit(dataB, { epochs: 3 });

    const a2 = trainer('float64');
    const b2 = trainer('float32', { seed: 9, optimizer: { kind: 'sgdw', options: { lr: 0.05, momentum: 0.9 } } });
    // One batch of each in turn, for three epochs.
    for (let epoch = 1; epoch <= 3; epoch++) {
      let aDone = false;
      let bDone = false;
      while (!aDone || !bDone) {
        if (!aDone) a2.fit(dataA, { epochs: epoch, onStep: () => false });
        if (!bDone) b2.fit(dataB, { epochs: epoch, onStep: () => false });
        aDone = a2.position.epoch >= epoch;
        bDone = b2.position.epoch >= epoch;
      }
    }
    expect(bitsOf(a2.model.params)).toEqual(bitsOf(a1.model.params));
    expect(bitsOf(b2.model.params)).toEqual(bitsOf(b1.model.params));
  });
});

describe('trainer and long runs', () => {
  it('optimizer step counts past 2^31 stay exact through a checkpoint, and the resumed run continues bit for bit', () => {
    const start = 2 ** 31 - 2;
    const { x, y } = data(8, 12);
    const a = trainer();
    for (const s of Object.values(a.optimizer.states)) s.step = start;
    for (let k = 0; k < 5; k++) a.trainBatch(x, y, 8);
    const b = trainer();
    b.restore(a.checkpoint());
    for (const s of Object.values(b.optimizer.states)) expect(s.step).toBe(start + 5);
    for (let k = 0; k < 3; k++) {
      a.trainBatch(x, y, 8);
      b.trainBatch(x, y, 8);
    }
    expect(bitsOf(b.model.params)).toEqual(bitsOf(a.model.params));
    expect(stateBits(b)).toEqual(stateBits(a));
  });
});
