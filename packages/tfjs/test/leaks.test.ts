import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw, type TfjsAdamWOptions } from '../src/index.js';
import { randomValues, uniqueName, useBackend } from './helpers.js';

const VARIANTS: [string, TfjsAdamWOptions][] = [
  ['defaults', {}],
  ['amsgrad, clipping, skip', { amsgrad: true, clipGlobalNorm: 0.1, nonFinite: 'skip' }],
  ['l2, throw, schedule', { decay: 'l2', nonFinite: 'throw', schedule: { type: 'cosineAnnealing', totalSteps: 5 } }],
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`tensor memory on the ${backend} backend`, () => {
    beforeAll(() => useBackend(backend));

    for (const path of ['arrays', 'ops'] as const) {
      for (const [label, options] of VARIANTS) {
        it(`stays constant across steps and returns to its baseline after dispose (${path}, ${label})`, async () => {
          const prefix = uniqueName('leak');
          const w = tf.variable(tf.tensor(randomValues(12, 1), [3, 4]), true, `${prefix}/kernel`);
          const b = tf.variable(tf.tensor(randomValues(4, 2), [4]), true, `${prefix}/bias`);
          const x = tf.tensor(randomValues(6, 3), [2, 3]);
          const loss = (): tf.Scalar => tf.sum(tf.square(tf.add(tf.matMul(x, w), b)));
          const baseline = tf.memory().numTensors;
          const optimizer = adamw({ ...options, path });
          optimizer.minimize(loss, false, [w, b]);
          const afterFirst = tf.memory().numTensors;
          const moments = options.amsgrad ? 3 : 2;
          expect(afterFirst - baseline).toBe(path === 'ops' ? 2 * moments : 0);
          for (let i = 0; i < 8; i++) {
            optimizer.minimize(loss, false, [w, b]);
            expect(tf.memory().numTensors).toBe(afterFirst);
          }
          // getWeights lends tensors until its next call: repeated calls hold the same number.
          await optimizer.getWeights();
          const lending = tf.memory().numTensors;
          await optimizer.getWeights();
          expect(tf.memory().numTensors).toBe(lending);
          optimizer.minimize(loss, false, [w, b]);
          expect(optimizer.iterations).toBe(10);
          optimizer.dispose();
          expect(tf.memory().numTensors).toBe(baseline);
          tf.dispose([w, b, x]);
        });
      }
    }
  });
}
