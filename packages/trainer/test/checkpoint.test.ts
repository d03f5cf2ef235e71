import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosineWarmRestarts, linearWarmup, serializeCheckpoint } from '@adamw/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Mlp, Trainer, readCheckpointMeta, type Dtype, type EpochInfo, type OptimizerSpec, type StepInfo } from '../src/index.js';
import { loadCheckpointFile, saveCheckpointFile, writeFileAtomic } from '../src/node.js';
import { blobs, snapshot } from './helpers.js';

const data = blobs(150, 6, 3, 4);
const validation = blobs(40, 6, 3, 99);

interface Setup {
  dtype: Dtype;
  optimizer: OptimizerSpec;
  clipGlobalNorm?: number | undefined;
}

function make(setup: Setup): Trainer {
  const model = new Mlp({ layers: [6, 9, 3], activation: 'gelu', dtype: setup.dtype }, { seed: 11 });
  return new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: setup.optimizer,
    batchSize: 16, // 150 rows: 9 full batches and one of 6
    schedule: linearWarmup(5, cosineWarmRestarts({ period: 12, periodMultiplier: 2, min: 0.1 })),
    seed: 5,
    ...(setup.clipGlobalNorm === undefined ? {} : { clipGlobalNorm: setup.clipGlobalNorm }),
  });
}

const setups: [string, Setup][] = [
  [
    'AdamW + AMSGrad, float32, clipped',
    { dtype: 'float32', optimizer: { kind: 'adamw', options: { lr: 0.02, weightDecay: 0.1, amsgrad: true } }, clipGlobalNorm: 0.5 },
  ],
  ['Adam with L2, float64', { dtype: 'float64', optimizer: { kind: 'adam', options: { lr: 0.01, weightDecay: 1e-3 } } }],
  [
    'SGDW with Nesterov momentum, float32',
    { dtype: 'float32', optimizer: { kind: 'sgdw', options: { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-2 } } },
  ],
];

const EPOCHS = 4;

function straight(setup: Setup) {
  const t = make(setup);
  const steps: StepInfo[] = [];
  const epochs: EpochInfo[] = [];
  t.fit(data, { epochs: EPOCHS, validation, onStep: (s) => void steps.push(s), onEpoch: (e) => void epochs.push(e) });
  return { params: snapshot(t.model.params), states: t.optimizer.states, steps, epochs };
}

describe('checkpoint and resume', () => {
  for (const [label, setup] of setups) {
    // Stop mid-epoch (step 13 of 40), at an epoch boundary (step 20) and on the very first step.
    for (const stopAt of [13, 20, 1]) {
      it(`${label}: stopping after step ${stopAt}, saving and resuming in a new trainer is bit-identical`, () => {
        const reference = straight(setup);
        const first = make(setup);
        const steps: StepInfo[] = [];
        const epochs: EpochInfo[] = [];
        const r = first.fit(data, { epochs: EPOCHS, validation, onStep: (s) => (steps.push(s), s.step < stopAt), onEpoch: (e) => void epochs.push(e) });
        expect(r.stopped).toBe(true);
        const bytes = first.checkpoint();
        expect(readCheckpointMeta(bytes).progress.step).toBe(stopAt);

        const second = make(setup);
        second.restore(bytes);
        expect(second.position).toEqual(first.position);
        second.fit(data, { epochs: EPOCHS, validation, onStep: (s) => void steps.push(s), onEpoch: (e) => void epochs.push(e) });
        expect(snapshot(second.model.params)).toEqual(reference.params);
        expect(steps).toEqual(reference.steps);
        expect(epochs).toEqual(reference.epochs);
        for (const [name, s] of Object.entries(reference.states)) {
          expect(second.optimizer.states[name]).toEqual(s);
        }
      });
    }
  }

  it('a run that only continues (no checkpoint) also matches: fit(2) then fit(4) equals fit(4)', () => {
    const setup = setups[0]![1];
    const reference = straight(setup);
    const t = make(setup);
    t.fit(data, { epochs: 2 });
    t.fit(data, { epochs: EPOCHS });
    expect(snapshot(t.model.params)).toEqual(reference.params);
  });

  it('rejects a checkpoint of another model, optimizer or corrupt bytes, leaving the trainer unchanged', () => {
    const setup = setups[0]![1];
    const source = make(setup);
    source.fit(data, { epochs: 1 });
    const bytes = source.checkpoint();

    const other = new Trainer(new Mlp({ layers: [6, 8, 3], activation: 'gelu', dtype: 'float32' }, { seed: 1 }), {
      loss: 'softmax-cross-entropy',
      optimizer: setup.optimizer,
      batchSize: 16,
    });
    const before = snapshot(other.model.params);
    expect(() => other.restore(bytes)).toThrow(/checkpoint is of model .*"layers":\[6,9,3\].*this trainer's model is .*"layers":\[6,8,3\]/);
    expect(snapshot(other.model.params)).toEqual(before);

    const sgd = make(setups[2]![1]);
    const sgdBefore = snapshot(sgd.model.params);
    expect(() => sgd.restore(bytes)).toThrow(/'adamw' optimizer state, but this trainer's optimizer is 'sgdw'/);
    expect(snapshot(sgd.model.params)).toEqual(sgdBefore);
    expect(sgd.position).toEqual({ epoch: 0, batchInEpoch: 0, step: 0 });

    const f64 = make({ ...setup, dtype: 'float64' });
    expect(() => f64.restore(bytes)).toThrow(/"dtype":"float32".*"dtype":"float64"/);

    const noAms = make({ ...setup, optimizer: { kind: 'adamw', options: { lr: 0.02 } } });
    // A checkpoint without vMax cannot feed AMSGrad.
    const plain = make({ ...setup, optimizer: { kind: 'adamw', options: { lr: 0.02 } } }).checkpoint();
    expect(() => make(setup).restore(plain)).toThrow(/has no vMax/);
    expect(() => noAms.restore(bytes)).not.toThrow();

    // A valid archive of @adamw/core that a trainer did not write.
    const foreign = serializeCheckpoint({ params: { ...source.model.params }, states: source.optimizer.states });
    expect(() => make(setup).restore(foreign)).toThrow(/not a trainer checkpoint/);

    const corrupt = bytes.slice();
    corrupt[corrupt.length - 20]! ^= 0xff;
    expect(() => make(setup).restore(corrupt)).toThrow(/checksum mismatch/);
  });

  it('refuses to resume a half-finished epoch with other data or another batch size', () => {
    const setup = setups[1]![1];
    const t = make(setup);
    t.fit(data, { epochs: 1, onStep: (s) => s.step < 3 });
    expect(() => t.fit(blobs(100, 6, 3, 1), { epochs: 1 })).toThrow(/stopped 3 batches into an epoch over 150 rows/);
    const bytes = t.checkpoint();
    const other = new Trainer(new Mlp({ layers: [6, 9, 3], activation: 'gelu', dtype: 'float64' }, { seed: 11 }), {
      loss: 'softmax-cross-entropy',
      optimizer: setup.optimizer,
      batchSize: 32,
      seed: 5,
    });
    expect(() => other.restore(bytes)).toThrow(/stopped inside an epoch with batchSize 16; this trainer has 32/);
  });
});

describe('@adamw/trainer/node checkpoint files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adamw-trainer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves and loads a checkpoint file; the resumed run matches the straight one', async () => {
    const setup = setups[0]![1];
    const reference = straight(setup);
    const first = make(setup);
    first.fit(data, { epochs: EPOCHS, onStep: (s) => s.step < 17 });
    const path = join(dir, 'run.ckpt');
    await saveCheckpointFile(first, path);
    const second = make(setup);
    await loadCheckpointFile(second, path);
    second.fit(data, { epochs: EPOCHS });
    expect(snapshot(second.model.params)).toEqual(reference.params);
  });

  it('writeFileAtomic replaces the file whole and leaves no temporary file behind', async () => {
    const path = join(dir, 'atomic.bin');
    writeFileSync(path, 'old contents');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'x.bin'), new Uint8Array(1))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
