import { adamwStepInPlace, adamwStepNamed, initAdamW, initAdamWNamed, noDecayRule, type AdamWOptions } from '@adamw/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw, type TfjsAdamWOptions } from '../src/index.js';
import { randomValues, uniqueName, useBackend, valuesOf, weightsOf } from './helpers.js';

const SHAPES: Record<string, number[]> = { kernel: [4, 3], bias: [3], 'norm/gamma': [3] };

/** Variables under a fresh prefix with deterministic values, plus their names. */
function makeVariables(seed: number): Record<string, tf.Variable> {
  const prefix = uniqueName('model');
  const out: Record<string, tf.Variable> = {};
  let k = 0;
  for (const [suffix, shape] of Object.entries(SHAPES)) {
    const size = shape.reduce((a, b) => a * b, 1);
    out[suffix] = tf.variable(tf.tensor(randomValues(size, seed + k++), shape), true, `${prefix}/${suffix}`);
  }
  return out;
}

function gradients(step: number, scale = 0.5): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let k = 0;
  for (const [suffix, shape] of Object.entries(SHAPES))
    out[suffix] = randomValues(
      shape.reduce((a, b) => a * b, 1),
      100 * step + k++,
      scale,
    );
  return out;
}

const CASES: [string, TfjsAdamWOptions, AdamWOptions, ((t: number) => number)?][] = [
  ['defaults', {}, {}],
  ['amsgrad, strong decay', { amsgrad: true, lr: 0.05, weightDecay: 0.3 }, { amsgrad: true, lr: 0.05, weightDecay: 0.3 }],
  ['l2 and maximize', { decay: 'l2', maximize: true, lr: 0.01 }, { decay: 'l2', maximize: true, lr: 0.01 }],
  ['keras convention', { convention: 'keras', lr: 0.02 }, { convention: 'keras', lr: 0.02 }],
  ['optax with epsRoot', { convention: 'optax', epsRoot: 1e-10, amsgrad: true }, { convention: 'optax', epsRoot: 1e-10, amsgrad: true }],
  ['huggingface', { convention: 'huggingface', lr: 0.03, weightDecay: 0.1 }, { convention: 'huggingface', lr: 0.03, weightDecay: 0.1 }],
  [
    'schedule config with schedule-scaled decay',
    { lr: 0.1, decayScale: 'schedule', schedule: { type: 'linearWarmup', warmupSteps: 2, after: { type: 'cosineAnnealing', totalSteps: 4 } } },
    { lr: 0.1, decayScale: 'schedule' },
    (t) => (t < 2 ? (t + 1) / 2 : 0.5 * (1 + Math.cos((Math.PI * (t - 2)) / 4))),
  ],
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`the arrays path on the ${backend} backend`, () => {
    beforeAll(() => useBackend(backend));

    for (const [label, options, coreOptions, schedule] of CASES) {
      it(`computes exactly what @adamw/core computes (${label})`, () => {
        const vars = makeVariables(1);
        const optimizer = adamw({ ...options, path: 'arrays' });
        const params: Record<string, Float32Array> = {};
        for (const [k, v] of Object.entries(vars)) params[k] = valuesOf(v);
        const states = initAdamWNamed(params, coreOptions);
        for (let step = 0; step < 6; step++) {
          const g = gradients(step);
          // Alternate the two forms applyGradients accepts.
          const named = Object.entries(g).map(([k, data]) => ({ name: vars[k]!.name, tensor: tf.tensor(data, SHAPES[k]) }));
          if (step % 2 === 0) optimizer.applyGradients(named);
          else optimizer.applyGradients(Object.fromEntries(named.map((n) => [n.name, n.tensor])));
          tf.dispose(named.map((n) => n.tensor));
          adamwStepNamed(params, g, states, { ...coreOptions, scheduleMultiplier: schedule ? schedule(step) : 1 }, [noDecayRule()]);
          for (const k of Object.keys(SHAPES)) expect(Array.from(vars[k]!.dataSync())).toEqual(Array.from(params[k]!));
        }
        expect(optimizer.iterations).toBe(6);
        tf.dispose(Object.values(vars));
      });
    }
  });
}

describe('the arrays path on the cpu backend', () => {
  beforeAll(() => useBackend('cpu'));

  it('clips the global norm as torch does, without touching the caller’s gradients', () => {
    const vars = makeVariables(2);
    const optimizer = adamw({ path: 'arrays', clipGlobalNorm: 0.5 });
    const params: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(vars)) params[k] = valuesOf(v);
    const states = initAdamWNamed(params);
    const g = gradients(0, 3);
    const tensors = Object.entries(g).map(([k, data]) => ({ name: vars[k]!.name, tensor: tf.tensor(data, SHAPES[k]) }));
    optimizer.applyGradients(tensors);
    for (const t of tensors) expect(Array.from(t.tensor.dataSync())).toEqual(Array.from(g[t.name.split('/').slice(1).join('/')]!));
    let sum = 0;
    for (const a of Object.values(g)) for (const x of a) sum += x * x;
    const factor = 0.5 / (Math.sqrt(sum) + 1e-6);
    expect(factor).toBeLessThan(1);
    const clipped = Object.fromEntries(Object.entries(g).map(([k, a]) => [k, a.map((x) => x * Math.fround(factor))]));
    adamwStepNamed(params, clipped, states, {}, [noDecayRule()]);
    for (const k of Object.keys(SHAPES)) expect(Array.from(vars[k]!.dataSync())).toEqual(Array.from(params[k]!));
    tf.dispose([...Object.values(vars), ...tensors.map((t) => t.tensor)]);
  });

  it('updates an unshared variable in its own cpu array, and copies a shared one', () => {
    const name = uniqueName('inplace');
    // Made inside tidy so that the initial tensor is gone and the variable owns its data alone.
    const v = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3]), true, name));
    const optimizer = adamw({ path: 'arrays', lr: 0.1 });
    const g = tf.tensor([1, 1, 1]);
    // The first update gives the variable an array of the optimizer's (the one it was made from may be the caller's).
    optimizer.applyGradients({ [name]: g });
    const backing = v.dataSync();
    const first = backing[0];
    optimizer.applyGradients({ [name]: g });
    // Same array object, new values: no copy was made.
    expect(v.dataSync()).toBe(backing);
    expect(backing[0]).not.toBe(first);
    const snapshot = v.clone();
    const before = Array.from(snapshot.dataSync());
    optimizer.applyGradients({ [name]: g });
    expect(Array.from(snapshot.dataSync())).toEqual(before);
    expect(Array.from(v.dataSync())).not.toEqual(before);
    tf.dispose([v, g, snapshot]);
  });

  it('never writes into a buffer another tensor views', () => {
    // A variable made from a slice of a live tensor is a view into that tensor's buffer.
    const whole = tf.tensor([1, 2, 3, 4, 5, 6]);
    const name = uniqueName('view');
    const v = tf.tidy(() => tf.variable(tf.slice(whole, [2], [3]), true, name));
    expect(v.dataSync().buffer).toBe(whole.dataSync().buffer);
    const g = tf.tensor([1, 1, 1]);
    adamw({ path: 'arrays', lr: 0.1 }).applyGradients({ [name]: g });
    expect(Array.from(whole.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(v.dataSync()[0]).not.toBe(3);
    tf.dispose([whole, v, g]);
  });

  it('reads a gradient that shares memory with a variable before updating that variable in place', () => {
    const a = tf.tidy(() => tf.variable(tf.tensor([1, -2, 3]), true, uniqueName('self')));
    const b = tf.tidy(() => tf.variable(tf.tensor([0.5, 0.25, -1]), true, uniqueName('other')));
    const expectedA = valuesOf(a);
    const expectedB = valuesOf(b);
    const gA = valuesOf(b);
    const gB = valuesOf(a);
    // Each variable is the other's gradient: both must see the values from before the step.
    // (A large eps makes the first step depend on the gradient's size, not only its sign.)
    const options = { lr: 0.1, eps: 1 };
    adamw({ path: 'arrays', ...options }).applyGradients([
      { name: a.name, tensor: b },
      { name: b.name, tensor: a },
    ]);
    adamwStepInPlace(expectedA, gA, initAdamW(expectedA), options);
    adamwStepInPlace(expectedB, gB, initAdamW(expectedB), options);
    expect(Array.from(a.dataSync())).toEqual(Array.from(expectedA));
    expect(Array.from(b.dataSync())).toEqual(Array.from(expectedB));
    tf.dispose([a, b]);
  });

  it('with inPlace: false, writes a new tensor, so slices of the variable keep their values', () => {
    const name = uniqueName('slices');
    const v = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3, 4]), true, name));
    const g = tf.tensor([1, 1, 1, 1]);
    const kept = tf.slice(v, [0], [2]);
    adamw({ path: 'arrays', lr: 0.1, inPlace: false }).applyGradients({ [name]: g });
    expect(Array.from(kept.dataSync())).toEqual([1, 2]);
    expect(v.dataSync()[0]).not.toBe(1);
    // tfjs's cpu slice is an uncounted view: the default in-place update shows through it.
    const seen = tf.slice(v, [0], [2]);
    const before = Array.from(seen.dataSync());
    adamw({ path: 'arrays', lr: 0.1 }).applyGradients({ [name]: g });
    expect(Array.from(seen.dataSync())).not.toEqual(before);
    tf.dispose([v, g, kept, seen]);
  });

  it('keeps state per variable name whatever order and subset a step receives', () => {
    const vars = makeVariables(3);
    const reference = makeVariables(3);
    const a = adamw({ path: 'arrays', lr: 0.05 });
    const b = adamw({ path: 'arrays', lr: 0.05 });
    const keys = Object.keys(SHAPES);
    const subsets = [keys, [...keys].reverse(), [keys[1]!], [keys[2]!, keys[0]!], keys];
    subsets.forEach((subset, step) => {
      const g = gradients(step);
      a.applyGradients(subset.map((k) => ({ name: vars[k]!.name, tensor: tf.tensor(g[k]!, SHAPES[k]) })));
      // One optimizer per variable: what per-name state must reproduce.
      for (const k of subset) b.applyGradients({ [reference[k]!.name]: tf.tensor(g[k]!, SHAPES[k]) });
    });
    for (const k of keys) expect(Array.from(vars[k]!.dataSync())).toEqual(Array.from(reference[k]!.dataSync()));
    tf.dispose([...Object.values(vars), ...Object.values(reference)]);
  });

  it('works with minimize, with and without a variable list', () => {
    const w = tf.variable(tf.tensor([3, -2]), true, uniqueName('w'));
    const optimizer = adamw({ lr: 0.1, weightDecay: 0 });
    const loss = (): tf.Scalar => tf.sum(tf.square(w));
    const first = optimizer.minimize(loss, true, [w])!;
    for (let i = 0; i < 100; i++) optimizer.minimize(loss);
    const last = optimizer.minimize(loss, true)!;
    expect(last.dataSync()[0]).toBeLessThan(first.dataSync()[0]! / 100);
    expect(optimizer.iterations).toBe(102);
    tf.dispose([w, first, last]);
  });
});

describe('bad input', () => {
  beforeAll(() => useBackend('cpu'));

  type Optimizer = ReturnType<typeof adamw>;

  /** Runs `bad` after one good step and checks that it throws and changes nothing. */
  async function expectUntouched(path: 'arrays' | 'ops', bad: (name: string, optimizer: Optimizer) => void, pattern: RegExp) {
    const name = uniqueName('guard');
    const v = tf.variable(tf.tensor([1, 2, 3]), true, name);
    const optimizer = adamw({ path, lr: 0.1 });
    const g = tf.tensor([0.5, 0.5, 0.5]);
    optimizer.applyGradients({ [name]: g });
    const before = { values: valuesOf(v), weights: await weightsOf(optimizer), iterations: optimizer.iterations };
    expect(() => bad(name, optimizer)).toThrow(pattern);
    expect(Array.from(v.dataSync())).toEqual(Array.from(before.values));
    expect(await weightsOf(optimizer)).toEqual(before.weights);
    expect(optimizer.iterations).toBe(before.iterations);
    tf.dispose([v, g]);
  }

  for (const path of ['arrays', 'ops'] as const) {
    it(`names an unknown variable and changes nothing (${path})`, async () => {
      const g = tf.tensor([1, 1, 1]);
      await expectUntouched(path, (name, o) => o.applyGradients({ [name]: g, 'no/such/variable': g }), /no variable named 'no\/such\/variable'/);
      g.dispose();
    });

    it(`names a variable without a gradient and changes nothing (${path})`, async () => {
      const g = tf.tensor([1, 1, 1]);
      const other = tf.variable(tf.tensor([1]), true, uniqueName('nograd'));
      await expectUntouched(
        path,
        (name, o) =>
          o.applyGradients([
            { name, tensor: g },
            { name: other.name, tensor: undefined as never },
          ]),
        new RegExp(`variable '${other.name}' has no gradient`),
      );
      await expectUntouched(path, (name, o) => o.applyGradients({ [other.name]: null as never, [name]: g }), /has no gradient/);
      tf.dispose([g, other]);
    });

    it(`rejects a gradient of the wrong shape or dtype, or a name twice, and changes nothing (${path})`, async () => {
      const g = tf.tensor([1, 1, 1]);
      const wrongShape = tf.tensor([1, 1]);
      const wrongType = tf.tensor([1, 1, 1], [3], 'int32');
      await expectUntouched(path, (name, o) => o.applyGradients({ [name]: wrongShape }), /shape \[2\] but the variable has shape \[3\]/);
      await expectUntouched(path, (name, o) => o.applyGradients({ [name]: wrongType }), /dtype int32/);
      await expectUntouched(
        path,
        (name, o) =>
          o.applyGradients([
            { name, tensor: g },
            { name, tensor: g },
          ]),
        /appears twice/,
      );
      tf.dispose([g, wrongShape, wrongType]);
    });

    it(`rejects a schedule value out of range and changes nothing (${path})`, () => {
      const name = uniqueName('sched');
      const v = tf.variable(tf.tensor([1, 2]), true, name);
      const g = tf.tensor([1, 1]);
      const optimizer = adamw({ path, schedule: (t) => (t === 0 ? 1 : Number.NaN) });
      optimizer.applyGradients({ [name]: g });
      const before = valuesOf(v);
      expect(() => optimizer.applyGradients({ [name]: g })).toThrow(/schedule\(1\) returned NaN/);
      expect(Array.from(v.dataSync())).toEqual(Array.from(before));
      expect(optimizer.iterations).toBe(1);
      tf.dispose([v, g]);
    });
  }

  it('rejects a non-float variable and a malformed argument', () => {
    const name = uniqueName('int');
    const v = tf.variable(tf.tensor([1, 2], [2], 'int32'), true, name);
    const g = tf.tensor([1, 1], [2], 'int32');
    expect(() => adamw().applyGradients({ [name]: g })).toThrow(/dtype int32; AdamW updates float32 variables/);
    expect(() => adamw().applyGradients(null as never)).toThrow(/NamedTensor\[\] or a NamedTensorMap/);
    expect(() => adamw().applyGradients([{ tensor: g } as never])).toThrow(/entry 0 must be \{ name, tensor \}/);
    tf.dispose([v, g]);
  });
});
