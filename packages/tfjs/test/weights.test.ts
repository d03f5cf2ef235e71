import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw, type NamedTensor } from '../src/index.js';
import { randomValues, uniqueName, useBackend, valuesOf, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

function model() {
  const prefix = uniqueName('wts');
  const kernel = tf.variable(tf.tensor(randomValues(6, 1), [2, 3]), true, `${prefix}/kernel`);
  const bias = tf.variable(tf.tensor(randomValues(3, 2), [3]), true, `${prefix}/bias`);
  return { kernel, bias, vars: [kernel, bias] };
}

function grads(vars: tf.Variable[], step: number) {
  return vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(randomValues(v.size, 10 * step + k, 0.3), v.shape) }));
}

function train(optimizer: ReturnType<typeof adamw>, vars: tf.Variable[], from: number, to: number) {
  for (let s = from; s < to; s++) {
    const g = grads(vars, s);
    optimizer.applyGradients(g);
    tf.dispose(g.map((x) => x.tensor));
  }
}

describe('getWeights and setWeights', () => {
  it('copy the state exactly, from one path to the other', async () => {
    const { vars } = model();
    const source = adamw({ path: 'arrays', amsgrad: true, lr: 0.05 });
    train(source, vars, 0, 3);
    const target = adamw({ path: 'ops', amsgrad: true, lr: 0.05 });
    await target.setWeights(await source.getWeights());
    expect(target.iterations).toBe(3);
    expect(await weightsOf(target)).toEqual(await weightsOf(source));
    expect(Object.keys(await weightsOf(source))).toEqual([
      'iter',
      `${vars[0]!.name}/m`,
      `${vars[0]!.name}/v`,
      `${vars[0]!.name}/vMax`,
      `${vars[0]!.name}/step`,
      `${vars[1]!.name}/m`,
      `${vars[1]!.name}/v`,
      `${vars[1]!.name}/vMax`,
      `${vars[1]!.name}/step`,
    ]);
    source.dispose();
    target.dispose();
    tf.dispose(vars);
  });

  it('continue a run exactly when restored into a fresh optimizer', async () => {
    const a = model();
    const b = model();
    const options = { lr: 0.05, schedule: { type: 'cosineAnnealing', totalSteps: 8 } } as const;
    const first = adamw(options);
    train(first, a.vars, 0, 4);
    // Copy the model into b and the optimizer state into a fresh optimizer, under b's variable names.
    b.kernel.assign(a.kernel);
    b.bias.assign(a.bias);
    const renamed = (await first.getWeights()).map((w) => ({
      name: w.name.replace(a.kernel.name, b.kernel.name).replace(a.bias.name, b.bias.name),
      tensor: w.tensor,
    }));
    const second = adamw(options);
    await second.setWeights(renamed);
    train(first, a.vars, 4, 8);
    train(second, b.vars, 4, 8);
    expect(Array.from(b.kernel.dataSync())).toEqual(Array.from(a.kernel.dataSync()));
    expect(Array.from(b.bias.dataSync())).toEqual(Array.from(a.bias.dataSync()));
    expect(second.iterations).toBe(8);
    tf.dispose([...a.vars, ...b.vars]);
  });

  it('reject malformed weights and keep the state they would have replaced', async () => {
    const { vars, kernel } = model();
    const optimizer = adamw({ lr: 0.05 });
    train(optimizer, vars, 0, 2);
    const before = await weightsOf(optimizer);
    const good = await adamw({ lr: 0.05 }).getWeights();
    const iter = tf.scalar(5, 'int32');
    const m = tf.zeros([2, 3]);
    const wrong = tf.zeros([3, 2]);
    const step = tf.scalar(1, 'int32');
    const cases: [NamedTensor[], RegExp][] = [
      [[], /starting with 'iter'/],
      [[{ name: 'm', tensor: m }], /starting with 'iter'/],
      [[{ name: 'iter', tensor: tf.scalar(-1) }], /'iter' must hold one non-negative integer count/],
      [
        [
          { name: 'iter', tensor: iter },
          { name: 'x/momentum', tensor: m },
        ],
        /not an AdamW state tensor/,
      ],
      [
        [
          { name: 'iter', tensor: iter },
          { name: 'x/m', tensor: m },
          { name: 'x/v', tensor: m },
        ],
        /no 'x\/step'/,
      ],
      [
        [
          { name: 'iter', tensor: iter },
          { name: 'x/m', tensor: m },
          { name: 'x/v', tensor: wrong },
          { name: 'x/step', tensor: step },
        ],
        /'x\/v' has shape \[3, 2\]/,
      ],
      [
        [
          { name: 'iter', tensor: iter },
          { name: 'x/vMax', tensor: m },
        ],
        /amsgrad: false/,
      ],
      [
        [
          { name: 'iter', tensor: iter },
          { name: 'x/m', tensor: m },
          { name: 'x/m', tensor: m },
        ],
        /twice/,
      ],
    ];
    expect(good.map((w) => w.name)).toEqual(['iter']);
    for (const [weights, pattern] of cases) {
      await expect(optimizer.setWeights(weights)).rejects.toThrow(pattern);
      expect(await weightsOf(optimizer)).toEqual(before);
      expect(optimizer.iterations).toBe(2);
    }
    // A restored state whose shape does not fit the variable of its name is refused at the next step.
    await optimizer.setWeights([
      { name: 'iter', tensor: iter },
      { name: `${kernel.name}/m`, tensor: wrong },
      { name: `${kernel.name}/v`, tensor: wrong },
      { name: `${kernel.name}/step`, tensor: step },
    ]);
    const values = valuesOf(kernel);
    const g = grads([kernel], 0);
    expect(() => optimizer.applyGradients(g)).toThrow(/restored AdamW state '.*kernel' has shape \[3, 2\] but variable '.*kernel' has shape \[2, 3\]/);
    expect(Array.from(kernel.dataSync())).toEqual(Array.from(values));
    expect(optimizer.iterations).toBe(5);
    tf.dispose([...vars, iter, m, wrong, step, ...g.map((x) => x.tensor)]);
  });
});

describe('step counts past int32', () => {
  it('round-trip iterations and per-variable steps beyond 2^31 exactly', async () => {
    const { vars } = model();
    const source = adamw({ path: 'arrays', lr: 0.01 });
    train(source, vars, 0, 2);
    const saved = await source.getWeights();
    const big = 2 ** 31 + 3;
    const patched = saved.map((w) =>
      w.name === 'iter' || w.name.endsWith('/step') ? { name: w.name, tensor: tf.tensor1d([big % 2 ** 31, Math.floor(big / 2 ** 31)], 'int32') } : w,
    );
    const target = adamw({ path: 'arrays', lr: 0.01 });
    await target.setWeights(patched);
    expect(target.iterations).toBe(big);
    const back = await weightsOf(target);
    expect(back[`${vars[0]!.name}/step`]).toEqual([3, 1]);
    tf.dispose(patched.filter((w) => w.name === 'iter' || w.name.endsWith('/step')).map((w) => w.tensor));
    source.dispose();
    target.dispose();
  });
});
