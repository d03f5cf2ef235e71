import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamw, type TfjsAdamWOptions } from '../src/index.js';
import { randomValues, scaledDeviation, uniqueName, useBackend, valuesOf, weightsOf } from './helpers.js';

beforeAll(() => useBackend('cpu'));

const SHAPES = { kernel: [40, 25], bias: [25] } as const;
const STEPS = 60;

/**
 * Bound on max |Δ| / max |value| per array between the two paths after 60
 * steps. The ops path rounds to float32 after every op where the core
 * kernel fuses a multiply-add into one rounding (and clipping sums squares
 * in float32 instead of float64), so the two differ by a few float32 ulps
 * (2⁻²⁴ ≈ 6e-8) that accumulate slowly.
 */
const PATH_TOLERANCE = 1e-6;

const CASES: [string, TfjsAdamWOptions][] = [
  ['defaults', {}],
  ['amsgrad, strong decay', { amsgrad: true, lr: 0.05, weightDecay: 0.3 }],
  ['l2 and maximize', { decay: 'l2', maximize: true, lr: 0.01, weightDecay: 0.05 }],
  ['keras convention', { convention: 'keras', lr: 0.02 }],
  ['optax, amsgrad, epsRoot', { convention: 'optax', amsgrad: true, epsRoot: 1e-10 }],
  ['huggingface without bias correction', { convention: 'huggingface', biasCorrection: false, weightDecay: 0.1 }],
  ['cosine schedule, schedule-scaled decay', { lr: 0.05, decayScale: 'schedule', schedule: { type: 'cosineAnnealing', totalSteps: STEPS } }],
  ['global norm clipping', { lr: 0.02, clipGlobalNorm: 1 }],
  ['large eps, betas', { eps: 1e-3, beta1: 0.5, beta2: 0.9, lr: 0.1 }],
];

function makeVariables(): Record<string, tf.Variable> {
  const prefix = uniqueName('net');
  return Object.fromEntries(
    Object.entries(SHAPES).map(([k, shape], i) => [
      k,
      tf.variable(tf.tensor(randomValues(shape[0] * (shape[1] ?? 1), 7 + i), [...shape]), true, `${prefix}/${k}`),
    ]),
  );
}

/** Runs the same gradients through an optimizer on its own variables. */
async function train(options: TfjsAdamWOptions, path: 'arrays' | 'ops') {
  const vars = makeVariables();
  const optimizer = adamw({ ...options, path });
  for (let step = 0; step < STEPS; step++) {
    const grads = Object.entries(SHAPES).map(([k, shape], i) => ({
      name: vars[k]!.name,
      tensor: tf.tensor(randomValues(shape[0] * (shape[1] ?? 1), 1000 * step + i, step % 7 === 3 ? 5 : 0.3), [...shape]),
    }));
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const weights = await weightsOf(optimizer);
  const values = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, valuesOf(v)]));
  const moments = Object.fromEntries(Object.entries(weights).map(([k, w]) => [k.slice(k.indexOf('/') + 1), w]));
  tf.dispose(Object.values(vars));
  optimizer.dispose();
  return { values, moments, iterations: optimizer.iterations };
}

describe('the arrays path and the ops path', () => {
  const measured: Record<string, { params: number; moments: number }> = {};

  for (const [label, options] of CASES) {
    it(`agree to float32 rounding (${label})`, async () => {
      const a = await train(options, 'arrays');
      const b = await train(options, 'ops');
      let params = 0;
      for (const k of Object.keys(SHAPES)) params = Math.max(params, scaledDeviation(b.values[k]!, a.values[k]!));
      let moments = 0;
      expect(Object.keys(b.moments)).toEqual(Object.keys(a.moments));
      for (const k of Object.keys(a.moments)) {
        if (k.endsWith('/step') || k === 'iter') expect(b.moments[k]).toEqual(a.moments[k]);
        else moments = Math.max(moments, scaledDeviation(b.moments[k]!, a.moments[k]!));
      }
      measured[label] = { params, moments };
      expect(params).toBeLessThan(PATH_TOLERANCE);
      expect(moments).toBeLessThan(PATH_TOLERANCE);
    });
  }

  // Two implementations must differ in some last bit: a silent fallback to one path would not.
  it('differ somewhere (two implementations, not one)', () => {
    const worst = Math.max(...Object.values(measured).map((m) => m.params));
    console.log('max |Δ| / max |value|, arrays vs ops path, by case:', JSON.stringify(measured));
    expect(worst).toBeGreaterThan(0);
  });
});
