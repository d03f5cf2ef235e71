import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw } from '../src/index.js';
import { randomValues, scaledDeviation, uniqueName, useBackend, valuesOf } from './helpers.js';

/**
 * A backend that computes like the cpu backend but has another name, so that
 * `'auto'` treats it as a GPU backend; it counts every read of tensor data.
 */
class CountingBackend extends MathBackendCPU {
  reads = 0;
  override readSync(dataId: object) {
    this.reads++;
    return super.readSync(dataId);
  }
  override read(dataId: object) {
    this.reads++;
    return super.read(dataId);
  }
}

const FAKE = 'fakegpu';
let fake: CountingBackend;

beforeAll(async () => {
  fake = new CountingBackend();
  tf.registerBackend(FAKE, () => fake, 0);
  for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: FAKE });
  await useBackend('cpu');
});

function step(optimizer: ReturnType<typeof adamw>, vars: tf.Variable[], index: number) {
  const grads = vars.map((v, k) => ({ name: v.name, tensor: tf.tensor(randomValues(v.size, 50 * index + k, 0.4), v.shape) }));
  optimizer.applyGradients(grads);
  tf.dispose(grads.map((g) => g.tensor));
}

function makeVars(): tf.Variable[] {
  const prefix = uniqueName('auto');
  return [
    tf.variable(tf.tensor(randomValues(60, 1), [12, 5]), true, `${prefix}/kernel`),
    tf.variable(tf.tensor(randomValues(5, 2), [5]), true, `${prefix}/bias`),
  ];
}

describe("path 'auto'", () => {
  it('moves the state between host arrays and tf variables when the backend changes', async () => {
    await useBackend('cpu');
    const vars = makeVars();
    const reference = makeVars();
    const optimizer = adamw({ lr: 0.05, amsgrad: true });
    const forced = adamw({ lr: 0.05, amsgrad: true, path: 'arrays' });
    const held = () => tf.memory().numTensors;
    for (let i = 0; i < 12; i++) {
      const backend = i >= 4 && i < 8 ? FAKE : 'cpu';
      await tf.setBackend(backend);
      const expected = backend === FAKE ? 'ops' : 'arrays';
      expect(optimizer.activePath).toBe(expected);
      const before = held();
      step(optimizer, vars, i);
      // Entering the ops path makes m, v and vMax variables for both model variables; leaving it disposes them.
      const change = held() - before;
      expect(change).toBe(i === 4 ? 6 : i === 8 ? -6 : 0);
      await tf.setBackend('cpu');
      step(forced, reference, i);
    }
    await tf.setBackend('cpu');
    expect(optimizer.iterations).toBe(12);
    for (let k = 0; k < vars.length; k++) {
      const d = scaledDeviation(valuesOf(vars[k]!), valuesOf(reference[k]!));
      expect(d).toBeLessThan(1e-6);
    }
    tf.dispose([...vars, ...reference]);
    optimizer.dispose();
  });

  it('reads nothing back on a GPU-like backend, and one boolean with nonFinite checks', async () => {
    await tf.setBackend(FAKE);
    const vars = makeVars();
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.tensor(randomValues(v.size, 9), v.shape) }));
    for (const [nonFinite, readsPerStep] of [
      ['propagate', 0],
      ['skip', 1],
      ['throw', 1],
    ] as const) {
      const optimizer = adamw({ nonFinite, clipGlobalNorm: 1, schedule: { type: 'cosineAnnealing', totalSteps: 10 } });
      optimizer.applyGradients(grads);
      fake.reads = 0;
      for (let i = 0; i < 5; i++) optimizer.applyGradients(grads);
      expect(fake.reads).toBe(5 * readsPerStep);
      optimizer.dispose();
    }
    tf.dispose([...vars, ...grads.map((g) => g.tensor)]);
    await tf.setBackend('cpu');
  });
});
