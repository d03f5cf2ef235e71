import { adamwStepInPlace, clipByGlobalNormInPlace, globalNorm, initAdamW, linearWarmup, sgdwStepInPlace, initSGDW } from '@adamw/core';
import { describe, expect, it, vi } from 'vitest';
import { Mlp, Trainer, type StepInfo } from '../src/index.js';
import { blobs, rand, snapshot } from './helpers.js';

const data = blobs(120, 5, 3, 2);

function trainer(extra: Partial<ConstructorParameters<typeof Trainer>[1]> = {}, dtype: 'float32' | 'float64' = 'float64'): Trainer {
  const model = new Mlp({ layers: [5, 8, 3], activation: 'tanh', dtype }, { seed: 4 });
  return new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: { kind: 'adamw', options: { lr: 0.05, weightDecay: 0.1 } },
    batchSize: 20,
    ...extra,
  });
}

describe('training', () => {
  it('learns a separable problem: accuracy rises from chance to above 95%', () => {
    const t = trainer();
    const before = t.evaluate(data);
    const { epochs } = t.fit(data, { epochs: 15, validation: blobs(60, 5, 3, 77) });
    expect(before.accuracy!).toBeLessThan(0.6);
    expect(epochs.at(-1)!.validation!.accuracy!).toBeGreaterThan(0.95);
    expect(epochs.at(-1)!.trainLoss).toBeLessThan(epochs[0]!.trainLoss / 3);
  });

  it('each step equals a manual forward/backward plus core AdamW step on the same batch', () => {
    const t = trainer({ shuffle: false, exclude: [] });
    const manual = new Mlp({ layers: [5, 8, 3], activation: 'tanh', dtype: 'float64' }, { seed: 4 });
    const states = Object.fromEntries(Object.entries(manual.params).map(([k, p]) => [k, initAdamW(p)]));
    t.fit(data, { epochs: 1, onStep: (s) => s.step < 3 });
    for (let b = 0; b < 3; b++) {
      const x = data.x.slice(b * 20 * 5, (b + 1) * 20 * 5);
      const y = data.y.slice(b * 20, (b + 1) * 20);
      manual.lossAndGradients(x, y, 20, 'softmax-cross-entropy');
      for (const [k, p] of Object.entries(manual.params)) adamwStepInPlace(p, manual.grads[k]!, states[k]!, { lr: 0.05, weightDecay: 0.1 });
    }
    expect(snapshot(t.model.params)).toEqual(snapshot(manual.params));
  });

  it('the same seed gives the same run; another seed shuffles differently', () => {
    const run = (seed: number) => {
      const t = trainer({ seed });
      t.fit(data, { epochs: 2 });
      return snapshot(t.model.params);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('visits every row once per epoch, with a partial last batch unless dropLast', () => {
    const rows: number[] = [];
    trainer({ batchSize: 50 }).fit(data, { epochs: 1, onStep: (s) => void rows.push(s.rows) });
    expect(rows).toEqual([50, 50, 20]);
    const dropped: number[] = [];
    trainer({ batchSize: 50, dropLast: true }).fit(data, { epochs: 1, onStep: (s) => void dropped.push(s.rows) });
    expect(dropped).toEqual([50, 50]);
  });

  it('evaluate reports the mean loss and accuracy over all rows, whatever the batch size', () => {
    const t = trainer();
    t.fit(data, { epochs: 2 });
    const a = t.evaluate(data, { batchSize: 7 });
    const b = t.evaluate(data, { batchSize: 120 });
    expect(a.accuracy).toBe(b.accuracy);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-14);
    const z = t.model.predict(data.x, 120);
    let correct = 0;
    for (let r = 0; r < 120; r++) {
      const row = Array.from(z.subarray(r * 3, r * 3 + 3));
      if (row.indexOf(Math.max(...row)) === data.y[r]) correct++;
    }
    expect(b.accuracy).toBe(correct / 120);
    expect(b.loss).toBe(t.model.loss(data.x, data.y, 120, 'softmax-cross-entropy'));
  });

  it('trains a regression with MSE and Float32 inputs given as a plain array', () => {
    const model = new Mlp({ layers: [3, 16, 2], activation: 'sigmoid' }, { seed: 1 });
    const x = Array.from(rand(200 * 3, 5));
    // Targets per row r: sin(2·x₀) and x₁·x₂.
    const y = Array.from({ length: 400 }, (_, i) => {
      const r = i >> 1;
      return i % 2 === 0 ? Math.sin(2 * x[r * 3]!) : x[r * 3 + 1]! * x[r * 3 + 2]!;
    });
    const t = new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw', options: { lr: 0.02 } }, batchSize: 25 });
    const before = t.evaluate({ x, y }).loss;
    t.fit({ x, y }, { epochs: 60 });
    const after = t.evaluate({ x, y });
    expect(after.accuracy).toBeUndefined();
    expect(after.loss).toBeLessThan(before / 4);
  });
});

describe('weight decay exclusion', () => {
  // With a schedule of η = 0 the gradient step vanishes, and with decayScale 'schedule' too; use zero gradients instead:
  // identical inputs in both classes give a loss that does not depend on the first layer's parameters when the output
  // weights are zero, so only the decay moves them.
  function zeroGradientRun(noDecay?: (string | RegExp)[]) {
    const model = new Mlp({ layers: [2, 3, 2], activation: 'tanh', dtype: 'float64' }, { seed: 2 });
    model.params['lins.1.weight']!.fill(0);
    model.params['lins.1.bias']!.fill(0);
    const before = snapshot(model.params);
    const t = new Trainer(model, {
      loss: 'softmax-cross-entropy',
      optimizer: { kind: 'adamw', options: { lr: 0.1, weightDecay: 0.5 } },
      batchSize: 2,
      ...(noDecay === undefined ? {} : { exclude: noDecay }),
    });
    // Labels 0 and 1 for the same input: the logits' gradient sums to zero over the batch.
    t.fit({ x: [1, 2, 1, 2], y: [0, 1] }, { epochs: 1 });
    return { before, after: snapshot(model.params) };
  }

  it('by default decays weights and not biases', () => {
    const { before, after } = zeroGradientRun();
    expect(after['lins.0.weight']).toEqual(before['lins.0.weight']!.map((w) => w * (1 - 0.1 * 0.5)));
    expect(after['lins.0.bias']).toEqual(before['lins.0.bias']);
  });

  it('is configurable: [] decays every parameter, a pattern excludes what it matches', () => {
    const all = zeroGradientRun([]);
    expect(all.after['lins.0.bias']).toEqual(all.before['lins.0.bias']!.map((w) => w * (1 - 0.1 * 0.5)));
    const first = zeroGradientRun([/^lins\.0\./]);
    expect(first.after['lins.0.weight']).toEqual(first.before['lins.0.weight']);
    expect(first.after['lins.0.bias']).toEqual(first.before['lins.0.bias']);
  });

  it('also applies to SGDW', () => {
    const model = new Mlp({ layers: [2, 2], dtype: 'float64' }, { seed: 3 });
    const t = new Trainer(model, { loss: 'mse', optimizer: { kind: 'sgdw', options: { lr: 0.1, weightDecay: 0.5 } }, batchSize: 1 });
    const before = snapshot(model.params);
    // Targets equal to the current outputs: zero gradient.
    const x = [0.3, -0.7];
    const y = Array.from(model.predict(Float64Array.from(x), 1));
    t.fit({ x, y }, { epochs: 1 });
    expect(snapshot(model.params)['lins.0.weight']).toEqual(before['lins.0.weight']!.map((w) => w * (1 - 0.05)));
    expect(snapshot(model.params)['lins.0.bias']).toEqual(before['lins.0.bias']);
  });
});

describe('schedules', () => {
  it('passes schedule(t) of the global step as the multiplier of each update', () => {
    const seen: StepInfo[] = [];
    trainer({ schedule: linearWarmup(4) }).fit(data, { epochs: 2, onStep: (s) => void seen.push(s) });
    expect(seen.map((s) => s.multiplier)).toEqual([0.25, 0.5, 0.75, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('scales the update: a multiplier of 0 leaves the parameters unchanged, 0.5 matches core with η = 0.5', () => {
    const t = trainer({ schedule: () => 0 });
    const before = snapshot(t.model.params);
    t.fit(data, { epochs: 1 });
    expect(snapshot(t.model.params)).toEqual(before);

    const half = trainer({ schedule: () => 0.5, shuffle: false, exclude: [] });
    const manual = new Mlp({ layers: [5, 8, 3], activation: 'tanh', dtype: 'float64' }, { seed: 4 });
    half.fit(data, { epochs: 1, onStep: () => false });
    manual.lossAndGradients(data.x.slice(0, 100), data.y.slice(0, 20), 20, 'softmax-cross-entropy');
    for (const [k, p] of Object.entries(manual.params))
      adamwStepInPlace(p, manual.grads[k]!, initAdamW(p), { lr: 0.05, weightDecay: 0.1, scheduleMultiplier: 0.5 });
    expect(snapshot(half.model.params)).toEqual(snapshot(manual.params));
  });

  it('rejects a schedule that returns a negative or non-finite multiplier, before changing anything', () => {
    const t = trainer({ schedule: (s) => (s === 0 ? Number.NaN : 1) });
    const before = snapshot(t.model.params);
    expect(() => t.fit(data, { epochs: 1 })).toThrow(/schedule\(0\) returned NaN/);
    expect(snapshot(t.model.params)).toEqual(before);
  });
});

describe('gradient clipping', () => {
  it('reports the norm before clipping and steps with gradients scaled to clipGlobalNorm', () => {
    const clipped = trainer({ clipGlobalNorm: 0.05, shuffle: false, optimizer: { kind: 'sgd', options: { lr: 0.1 } } });
    const infos: StepInfo[] = [];
    clipped.fit(data, { epochs: 1, onStep: (s) => (infos.push(s), false) });

    const manual = new Mlp({ layers: [5, 8, 3], activation: 'tanh', dtype: 'float64' }, { seed: 4 });
    manual.lossAndGradients(data.x.slice(0, 100), data.y.slice(0, 20), 20, 'softmax-cross-entropy');
    const norm = globalNorm(manual.grads);
    expect(infos[0]!.gradNorm).toBe(norm);
    expect(norm).toBeGreaterThan(0.05);
    clipByGlobalNormInPlace(manual.grads, 0.05);
    expect(globalNorm(manual.grads)).toBeCloseTo(0.05, 6);
    for (const [k, p] of Object.entries(manual.params)) sgdwStepInPlace(p, manual.grads[k]!, initSGDW(p), { lr: 0.1, decay: 'l2' });
    expect(snapshot(clipped.model.params)).toEqual(snapshot(manual.params));
  });

  it('leaves small gradients alone', () => {
    const a = trainer({ clipGlobalNorm: 1e6 });
    const b = trainer();
    a.fit(data, { epochs: 1 });
    b.fit(data, { epochs: 1 });
    expect(snapshot(a.model.params)).toEqual(snapshot(b.model.params));
  });
});

describe('bad input: a clear error naming the problem, nothing changed', () => {
  const cases: [string, (t: Trainer) => unknown, RegExp][] = [
    [
      'x length not a multiple of the input width',
      (t) => t.fit({ x: new Float64Array(11), y: [0, 1] }, { epochs: 1 }),
      /data\.x has 11 values, which is not a positive multiple of the input width 5/,
    ],
    ['fewer labels than rows', (t) => t.fit({ x: new Float64Array(10), y: [0] }, { epochs: 1 }), /data\.y has 1 labels but data\.x has 2 rows/],
    ['label out of range', (t) => t.fit({ x: new Float64Array(10), y: [0, 3] }, { epochs: 1 }), /data\.y\[1\] is 3, but labels must be integers in \[0, 3\)/],
    ['fractional label', (t) => t.fit({ x: new Float64Array(10), y: [0.5, 1] }, { epochs: 1 }), /data\.y\[0\] is 0\.5/],
    ['x not an array', (t) => t.fit({ x: 'abc' as unknown as number[], y: [0] }, { epochs: 1 }), /data\.x must be an array of numbers, got 'abc'/],
    ['negative epochs', (t) => t.fit(data, { epochs: -1 }), /epochs must be an integer >= 0, got -1/],
    ['bad validation set', (t) => t.fit(data, { epochs: 1, validation: { x: [1, 2], y: [0] } }), /validation\.x has 2 values/],
    ['trainBatch with the wrong dtype', (t) => t.trainBatch(new Float32Array(5), [0], 1), /x is a Float32Array but the model's dtype is float64/],
    ['trainBatch with too few targets', (t) => t.trainBatch(new Float64Array(10), [0], 2), /y has 1 labels, expected one per row \(2\)/],
    ['evaluate with a bad batch size', (t) => t.evaluate(data, { batchSize: 0 }), /batchSize must be an integer >= 1, got 0/],
    ['restore of random bytes', (t) => t.restore(new Uint8Array(64)), /not an adamw archive/],
  ];
  for (const [label, call, message] of cases) {
    it(label, () => {
      const t = trainer();
      const before = snapshot(t.model.params);
      expect(() => call(t)).toThrow(message);
      expect(snapshot(t.model.params)).toEqual(before);
      expect(t.position).toEqual({ epoch: 0, batchInEpoch: 0, step: 0 });
    });
  }

  it('rejects bad model and trainer configurations', () => {
    expect(() => new Mlp({ layers: [3, 4], activation: 'swish' as 'relu' })).toThrow(/unknown activation 'swish'; expected one of relu, tanh, sigmoid, gelu/);
    expect(() => new Mlp({ layers: [3] })).toThrow(/at least two widths/);
    expect(() => new Mlp({ layers: [3, 0] })).toThrow(/layers\[1\] must be an integer >= 1, got 0/);
    expect(() => new Mlp({ layers: [3, 2], dtype: 'float16' as 'float32' })).toThrow(/dtype must be 'float32' or 'float64'/);
    expect(() => new Mlp({ layers: [3, 2] }, { params: { 'lins.0.weight': [1, 2, 3, 4, 5, 6] } })).toThrow(/parameter 'lins\.0\.bias' is missing/);
    expect(() => new Mlp({ layers: [3, 2] }, { params: { 'lins.0.weight': [1, 2, 3], 'lins.0.bias': [0, 0] } })).toThrow(
      /'lins\.0\.weight' has 3 values, expected 6 \(shape \[2, 3\]\)/,
    );
    const model = new Mlp({ layers: [3, 2] });
    const base = { loss: 'mse' as const, optimizer: { kind: 'adamw' as const }, batchSize: 4 };
    expect(() => new Trainer(model, { ...base, loss: 'hinge' as 'mse' })).toThrow(/unknown loss 'hinge'/);
    expect(() => new Trainer(model, { ...base, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => new Trainer(model, { ...base, optimizer: { kind: 'lion' as 'adamw' } })).toThrow(/unknown optimizer kind 'lion'/);
    expect(() => new Trainer(model, { ...base, optimizer: { kind: 'adamw', options: { weight_decay: 0.1 } as object } })).toThrow(/weight_decay/);
    expect(() => new Trainer(model, { ...base, optimizer: { kind: 'adamw', options: { lr: -1 } } })).toThrow(/option lr must be/);
    expect(() => new Trainer(model, { ...base, optimizer: { kind: 'adam', options: { decay: 'decoupled' } } })).toThrow(/use kind 'adamw'/);
    expect(() => new Trainer(model, { ...base, schedule: () => 1, optimizer: { kind: 'adamw', options: { scheduleMultiplier: 2 } } })).toThrow(
      /cannot be combined/,
    );
    expect(() => new Trainer(model, { ...base, clipGlobalNorm: 0 })).toThrow(/clipGlobalNorm must be a positive finite number/);
    expect(() => new Trainer(model, { ...base, exclude: 5 as never })).toThrow(/exclude must be a name pattern/);
    expect(() => new Trainer(model, { ...base, clipNorm: 1, clipGlobalNorm: 1 })).toThrow(/clipNorm and clipGlobalNorm are the same option/);
    expect(() => new Trainer(model, { ...base, epochs: 3 } as typeof base)).toThrow(/unknown trainer option 'epochs'/);
  });

  it('keeps the deprecated names noDecay and clipNorm working, with one deprecation warning each', () => {
    const emit = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const model = new Mlp({ layers: [2, 2] }, { seed: 1 });
      const old = new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw' }, batchSize: 2, noDecay: ['weight'], clipNorm: 0.5 });
      expect(old.clipGlobalNorm).toBe(0.5);
      expect(old.optimizer.protocol.excludes('lins.0.weight')).toBe(true);
      expect(old.optimizer.protocol.excludes('lins.0.bias')).toBe(false);
      new Trainer(model, { loss: 'mse', optimizer: { kind: 'adamw' }, batchSize: 2, noDecay: [] });
      const messages = emit.mock.calls.map((c) => String(c[0]));
      expect(messages.filter((m) => m.includes("'noDecay' is deprecated"))).toHaveLength(1);
      expect(messages.filter((m) => m.includes("'clipNorm' is deprecated"))).toHaveLength(1);
    } finally {
      emit.mockRestore();
    }
  });
});

describe('the step protocol', () => {
  it("nonFinite 'skip' reports the skipped update and does not advance the schedule", () => {
    const model = new Mlp({ layers: [2, 2] }, { seed: 1 });
    const steps: number[] = [];
    const t = new Trainer(model, {
      loss: 'mse',
      optimizer: { kind: 'adamw', options: { nonFinite: 'skip' } },
      batchSize: 1,
      shuffle: false,
      schedule: (s) => {
        steps.push(s);
        return 1;
      },
    });
    const before = snapshot(model.params);
    const info = t.trainBatch(new Float32Array([Number.NaN, 1]), new Float32Array([0, 0]), 1);
    expect(info.skipped).toMatch(/is NaN|has NaN/);
    expect(info.step).toBe(0);
    expect(snapshot(model.params)).toEqual(before);
    const next = t.trainBatch(new Float32Array([1, 1]), new Float32Array([0, 0]), 1);
    expect(next.skipped).toBeUndefined();
    expect(next.step).toBe(1);
    expect(steps).toEqual([0, 0]);
  });
});
