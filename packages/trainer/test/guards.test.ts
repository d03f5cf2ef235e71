// The trainer against careless and hostile use: callbacks that throw or call
// back into the trainer, checkpoints of unusual moments, data that is not
// numbers, options of the wrong type and models too large to allocate.
import { describe, expect, it } from 'vitest';
import { deserializeCheckpoint, serializeCheckpoint } from '@adamw/core';
import { Mlp, Trainer, readCheckpointMeta, type TrainerCheckpointMeta, type TrainerOptions } from '../src/index.js';
import { blobs, model, snapshot } from './helpers.js';

const OPTIONS: TrainerOptions = {
  loss: 'softmax-cross-entropy',
  optimizer: { kind: 'adamw', options: { lr: 1e-2, weightDecay: 0.01 } },
  batchSize: 8,
  seed: 5,
};

function trainer(options: Partial<TrainerOptions> = {}): Trainer {
  return new Trainer(model([4, 6, 3]), { ...OPTIONS, ...options });
}

/** Everything a refused call must leave as it was. */
function state(t: Trainer) {
  return { params: snapshot(t.model.params), checkpoint: Array.from(t.checkpoint()), position: t.position };
}

describe('a throwing callback', () => {
  it("onStep throwing on an epoch's last batch leaves a finished epoch: fit and checkpoints carry on as if it had returned", () => {
    // 30 rows in batches of 8: the last batch of each epoch has 6 rows.
    const data = blobs(30, 4, 3, 1);
    const straight = trainer();
    straight.fit(data, { epochs: 3 });

    const t = trainer();
    const boom = new Error('callback failed');
    expect(() =>
      t.fit(data, {
        epochs: 3,
        onStep: (s) => {
          if (s.step === 4) throw boom;
        },
      }),
    ).toThrow(boom);
    expect(t.position).toEqual({ epoch: 1, batchInEpoch: 0, step: 4 });
    // A checkpoint taken now restores, and both the restored and the original trainer finish the run.
    const restored = trainer();
    restored.restore(t.checkpoint());
    const seen: number[] = [];
    t.fit(data, { epochs: 3, onStep: (s) => void seen.push(s.rows) });
    restored.fit(data, { epochs: 3 });
    expect(seen).toEqual([8, 8, 8, 6, 8, 8, 8, 6]);
    expect(t.position).toEqual(straight.position);
    expect(snapshot(t.model.params)).toEqual(snapshot(straight.model.params));
    expect(snapshot(restored.model.params)).toEqual(snapshot(straight.model.params));
  });

  it('onEpoch throwing leaves the epoch finished and counted once', () => {
    const data = blobs(16, 4, 3, 2);
    const t = trainer();
    expect(() =>
      t.fit(data, {
        epochs: 2,
        onEpoch: () => {
          throw new Error('no');
        },
      }),
    ).toThrow('no');
    expect(t.position).toEqual({ epoch: 1, batchInEpoch: 0, step: 2 });
    const result = t.fit(data, { epochs: 2 });
    expect(result.epochs.map((e) => e.epoch)).toEqual([2]);
  });

  it('a checkpoint stuck at the end of an epoch (as an earlier version wrote it) restores as the finished epoch', () => {
    const data = blobs(30, 4, 3, 3);
    const straight = trainer();
    straight.fit(data, { epochs: 3 });
    const done = trainer();
    done.fit(data, { epochs: 1 });
    // Every batch of epoch 0 done but the epoch not closed: what a throwing onStep used to leave.
    const checkpoint = deserializeCheckpoint(done.checkpoint());
    const meta = checkpoint.meta as unknown as TrainerCheckpointMeta;
    meta.progress = { ...meta.progress, epoch: 0, batchInEpoch: 4, rows: 30, epochLossSum: 12.5, epochRows: 30 };
    const stuck = serializeCheckpoint(checkpoint);
    const t = trainer();
    t.restore(stuck);
    expect(t.position).toEqual({ epoch: 1, batchInEpoch: 0, step: 4 });
    t.fit(data, { epochs: 3 });
    expect(snapshot(t.model.params)).toEqual(snapshot(straight.model.params));
    // Past the end of the epoch is not a position any version wrote.
    meta.progress = { ...meta.progress, batchInEpoch: 5 };
    const before = state(t);
    expect(() => t.restore(serializeCheckpoint(checkpoint))).toThrow(/progress\.batchInEpoch is 5, but an epoch of 30 rows in batches of 8 has 4 batches/);
    expect(state(t)).toEqual(before);
  });
});

describe('calls into the trainer from its own callbacks', () => {
  it('fit, restore and trainBatch from onStep or onEpoch are refused with a clear error; progress stays whole', () => {
    const data = blobs(16, 4, 3, 4);
    const t = trainer();
    const saved = t.checkpoint();
    const calls: [string, () => unknown][] = [
      ['fit', () => t.fit(data, { epochs: 5 })],
      ['restore', () => t.restore(saved)],
      ['trainBatch', () => t.trainBatch(data.x.subarray(0, 8), data.y.subarray(0, 2), 2)],
    ];
    for (const [what, call] of calls) {
      for (const where of ['onStep', 'onEpoch'] as const) {
        const errors: unknown[] = [];
        const callback = () => {
          try {
            call();
          } catch (e) {
            errors.push(e);
          }
        };
        const before = t.position;
        t.fit(data, { epochs: before.epoch + 1, [where]: callback });
        expect(errors.length, `${what} from ${where}`).toBeGreaterThan(0);
        expect(String(errors[0]), `${what} from ${where}`).toMatch(new RegExp(`cannot call ${what}\\(\\) from inside fit\\(\\)`));
        expect(t.position).toEqual({ epoch: before.epoch + 1, batchInEpoch: 0, step: before.step + 2 });
      }
    }
  });

  it('checkpoint and evaluate from a callback are allowed, and a checkpoint from onStep resumes exactly', () => {
    const data = blobs(20, 4, 3, 5);
    const straight = trainer();
    straight.fit(data, { epochs: 2 });
    const t = trainer();
    let saved: Uint8Array | undefined;
    t.fit(data, {
      epochs: 2,
      onStep: (s) => {
        if (s.step === 2) saved = t.checkpoint();
        t.evaluate(data);
      },
    });
    const resumed = trainer();
    resumed.restore(saved!);
    resumed.fit(data, { epochs: 2 });
    expect(snapshot(resumed.model.params)).toEqual(snapshot(straight.model.params));
  });
});

describe('checkpoints after non-finite losses', () => {
  it("a checkpoint taken after a NaN batch skipped under nonFinite: 'skip' restores and resumes bit for bit", () => {
    const data = blobs(24, 4, 3, 6);
    data.x[9] = Number.NaN; // row 2, in the first batch of whichever order
    const make = () => trainer({ optimizer: { kind: 'adamw', options: { lr: 1e-2, nonFinite: 'skip' } }, shuffle: false });
    const straight = make();
    const straightResult = straight.fit(data, { epochs: 2 });
    const first = make();
    first.fit(data, { epochs: 2, onStep: (s) => s.batch < 1 });
    expect(first.position.batchInEpoch).toBe(2);
    const bytes = first.checkpoint();
    expect(readCheckpointMeta(bytes).progress.epochLossSum).toBeNaN();
    const second = make();
    second.restore(bytes);
    const result = second.fit(data, { epochs: 2 });
    expect(result.epochs[0]!.trainLoss).toBeNaN();
    expect(result.epochs.map((e) => e.trainLoss)).toEqual(straightResult.epochs.map((e) => e.trainLoss));
    expect(snapshot(second.model.params)).toEqual(snapshot(straight.model.params));
  });
});

describe('plain-array data that is not numbers', () => {
  const base = blobs(4, 4, 3, 7);
  const cases: [string, () => { x: unknown[]; y: unknown[] }, RegExp][] = [
    ['null in x', () => ({ x: Object.assign(Array.from(base.x), { 5: null }), y: Array.from(base.y) }), /data\.x\[5\] \(row 1, column 1\) is null/],
    ['a string in x', () => ({ x: Object.assign(Array.from(base.x), { 0: '0.5' }), y: Array.from(base.y) }), /data\.x\[0\] \(row 0, column 0\) is '0\.5'/],
    [
      'undefined in x (a hole)',
      () => ({ x: Object.assign(Array.from(base.x), { 15: undefined }), y: Array.from(base.y) }),
      /data\.x\[15\] \(row 3, column 3\) is undefined/,
    ],
    ['a string label', () => ({ x: Array.from(base.x), y: Object.assign(Array.from(base.y), { 2: '1' }) }), /data\.y\[2\] \(row 2\) is '1'/],
  ];
  for (const [what, make, message] of cases) {
    it(`${what} is refused, naming the index and the row; nothing changes`, () => {
      const t = trainer();
      const before = state(t);
      expect(() => t.fit(make() as never, { epochs: 1 })).toThrow(message);
      expect(() => t.evaluate(make() as never)).toThrow(message);
      expect(state(t)).toEqual(before);
    });
  }

  it('null in MSE targets is refused (fit and trainBatch); a boolean too', () => {
    const t = new Trainer(model([2, 3]), { ...OPTIONS, loss: 'mse' });
    const before = state(t);
    expect(() => t.fit({ x: [1, 2], y: [0.5, null, 1] } as never, { epochs: 1 })).toThrow(/data\.y\[1\] \(row 0, column 1\) is null/);
    expect(() => t.trainBatch(new Float64Array(2), [0.5, 1, true] as never, 1)).toThrow(/y\[2\] \(row 0, column 2\) is true/);
    expect(state(t)).toEqual(before);
  });
});

describe('options of the wrong type name the option the caller gave', () => {
  it('noDecay: 5 and exclude: 5 each name their own option', () => {
    expect(() => trainer({ exclude: 5 as never })).toThrow(/trainer option exclude must be a name pattern .*got number 5/);
    expect(() => trainer({ noDecay: 5 as never })).toThrow(/trainer option noDecay must be a name pattern .*got number 5/);
    expect(() => trainer({ noDecay: ['bias', 7] as never })).toThrow(/trainer option noDecay\[1\] must be a name pattern/);
  });
});

describe('parameter names found on Object.prototype', () => {
  it("setParams refuses 'constructor' and 'toString' as unknown parameters instead of ignoring them", () => {
    const m = model([2, 2]);
    const good = m.copyParams();
    const before = snapshot(m.params);
    for (const name of ['constructor', 'toString']) {
      expect(() => m.setParams({ ...good, [name]: [1, 2] })).toThrow(new RegExp(`unknown parameter '${name}'`));
    }
    expect(snapshot(m.params)).toEqual(before);
  });
});

describe('models too large to allocate', () => {
  it('a layer with more weights than an array can hold is refused before anything is allocated, naming the layer', () => {
    expect(() => new Mlp({ layers: [1e6, 1e6] })).toThrow(/layer 0 \(1000000 → 1000000\) needs 1e\+12 weights; one array holds at most 4294967296/);
    expect(() => new Mlp({ layers: [4, 2 ** 20, 2 ** 20, 3] })).toThrow(/layer 1 \(1048576 → 1048576\)/);
  });

  it('a batch whose activations cannot be held is refused when the trainer is made, naming batchSize and the layer', () => {
    const m = new Mlp({ layers: [4, 70_000, 3] });
    expect(() => new Trainer(m, { ...OPTIONS, batchSize: 70_000 })).toThrow(/batchSize 70000 × width 70000 of layer 0's output needs 4\.9e\+9 values/);
  });
});
