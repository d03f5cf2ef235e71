import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw } from '../src/index.js';
import { uniqueName, useBackend, valuesOf, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

describe('gradients with NaN or Infinity', () => {
  for (const path of ['arrays', 'ops'] as const) {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      async function setup(nonFinite: 'skip' | 'throw' | 'propagate') {
        const prefix = uniqueName('nf');
        const a = tf.variable(tf.tensor([1, -2, 3]), true, `${prefix}/kernel`);
        const b = tf.variable(tf.tensor([0.5]), true, `${prefix}/bias`);
        const optimizer = adamw({ path, nonFinite, lr: 0.1, amsgrad: true });
        const good = { [a.name]: tf.tensor([0.1, 0.2, 0.3]), [b.name]: tf.tensor([1]) };
        optimizer.applyGradients(good);
        const poisoned = { [a.name]: tf.tensor([0.1, 0.2, 0.3]), [b.name]: tf.tensor([bad]) };
        const before = { a: valuesOf(a), b: valuesOf(b), weights: await weightsOf(optimizer), iterations: optimizer.iterations };
        const expectUnchanged = async () => {
          expect(Array.from(a.dataSync())).toEqual(Array.from(before.a));
          expect(Array.from(b.dataSync())).toEqual(Array.from(before.b));
          expect(await weightsOf(optimizer)).toEqual(before.weights);
          expect(optimizer.iterations).toBe(before.iterations);
        };
        const cleanup = () => tf.dispose([a, b, ...Object.values(good), ...Object.values(poisoned)]);
        return { a, b, optimizer, good, poisoned, expectUnchanged, cleanup };
      }

      it(`'skip' leaves variables, moments and iterations untouched (${path}, ${bad})`, async () => {
        const s = await setup('skip');
        s.optimizer.applyGradients(s.poisoned);
        await s.expectUnchanged();
        // The next good step proceeds as step 2.
        s.optimizer.applyGradients(s.good);
        expect(s.optimizer.iterations).toBe(2);
        expect((await weightsOf(s.optimizer))[`${s.a.name}/step`]).toEqual([2, 0]); // [count mod 2^31, count / 2^31]
        s.cleanup();
      });

      it(`'throw' names the variable and changes nothing (${path}, ${bad})`, async () => {
        const s = await setup('throw');
        expect(() => s.optimizer.applyGradients(s.poisoned)).toThrow(new RegExp(`gradient of '${s.b.name}' has ${bad} at index 0`));
        await s.expectUnchanged();
        s.cleanup();
      });

      it(`'propagate' lets it into the variable, as torch does (${path}, ${bad})`, async () => {
        const s = await setup('propagate');
        s.optimizer.applyGradients(s.poisoned);
        expect(Number.isNaN(s.b.dataSync()[0])).toBe(true);
        expect(Number.isFinite(s.a.dataSync()[0])).toBe(true);
        s.cleanup();
      });
    }
  }
});
