// The worker-thread step of @adamw/core: pools and the arrays they step share
// no hidden state. Several pools, models that alternate on one pool, in-place
// steps in between and failed calls must all leave every model where the
// plain in-place step would.
import { adamwStepInPlace, initAdamW, type AdamWOptions, type AdamWState, type FloatArray } from '@adamw/core';
import { createParallelAdamW, initSharedAdamW, shareFloatArray, type ParallelAdamW } from '@adamw/core/parallel';
import { afterAll, describe, expect, it } from 'vitest';
import { prng } from '../src/index.js';

const pools: ParallelAdamW[] = [];
afterAll(async () => {
  for (const pool of pools) await pool.close();
});

/** A model: parameters and AdamW state in shared memory, and the gradients of each step. */
interface Model {
  params: FloatArray;
  state: AdamWState;
  options: AdamWOptions;
  grads: FloatArray[];
}

function model(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, n: number, options: AdamWOptions, seed: number, shared: boolean): Model {
  const random = prng(seed);
  const values = (): FloatArray => Ctor.from(Array.from({ length: n }, () => random() - 0.5));
  const start = values();
  const params = shared ? shareFloatArray(start) : start;
  const state = shared ? initSharedAdamW(params, options) : initAdamW(params, options);
  const grads = Array.from({ length: 6 }, () => {
    const g = values();
    return shared ? shareFloatArray(g) : g;
  });
  return { params, state, options, grads };
}

const SPECS = [
  [Float32Array, 50_000, { lr: 1e-2, weightDecay: 0.1 }],
  [Float64Array, 30_001, { lr: 3e-3, amsgrad: true, convention: 'keras' }],
  [Float32Array, 20_003, { lr: 1e-3, maximize: true, decay: 'l2', weightDecay: 0.01 }],
] as const;

function models(shared: boolean): Model[] {
  return SPECS.map(([Ctor, n, options], k) => model(Ctor, n, options as AdamWOptions, 100 + k, shared));
}

const bits = (m: Model) => ({
  params: Buffer.from(m.params.buffer, m.params.byteOffset, m.params.byteLength).toString('base64'),
  m: Buffer.from(m.state.m.buffer, m.state.m.byteOffset, m.state.m.byteLength).toString('base64'),
  step: m.state.step,
});

/** Every model stepped through all its gradients by the plain in-place step. */
function reference() {
  return models(false).map((m) => {
    for (const g of m.grads) adamwStepInPlace(m.params, g, m.state, m.options);
    return bits(m);
  });
}

async function pool(): Promise<ParallelAdamW> {
  // Small shards so that every step of these models really is split across threads.
  const p = await createParallelAdamW({ workers: 1, minLengthPerThread: 4096 });
  pools.push(p);
  return p;
}

describe('parallel AdamW', () => {
  it('two pools stepping three models in turn (a pool per step, alternating) equal the in-place step', async () => {
    const [a, b] = [await pool(), await pool()];
    const ms = models(true);
    for (let t = 0; t < 6; t++) {
      ms.forEach((m, k) => ((t + k) % 2 === 0 ? a : b).step(m.params, m.grads[t]!, m.state, m.options));
    }
    expect(ms.map(bits)).toEqual(reference());
  });

  it('one pool alternating between models, with in-place steps of other models in between, equals the in-place step', async () => {
    const p = await pool();
    const ms = models(true);
    const plain = models(false);
    for (let t = 0; t < 6; t++) {
      for (let k = 0; k < ms.length; k++) {
        p.step(ms[k]!.params, ms[k]!.grads[t]!, ms[k]!.state, ms[k]!.options);
        adamwStepInPlace(plain[k]!.params, plain[k]!.grads[t]!, plain[k]!.state, plain[k]!.options);
      }
    }
    const expected = reference();
    expect(ms.map(bits)).toEqual(expected);
    expect(plain.map(bits)).toEqual(expected);
  });

  it('a refused call leaves nothing behind: later steps are still exact', async () => {
    const p = await pool();
    const ms = models(true);
    const m0 = ms[0]!;
    p.step(m0.params, m0.grads[0]!, m0.state, m0.options);
    const before = bits(m0);
    // Memory that is not shared, a gradient of another length, an unknown option.
    expect(() => p.step(m0.params, new Float32Array(m0.params.length), m0.state, m0.options)).toThrow(/SharedArrayBuffer/);
    expect(() => p.step(m0.params, shareFloatArray(new Float32Array(3)), m0.state, m0.options)).toThrow(/grads has length 3/);
    expect(() => p.step(m0.params, m0.grads[1]!, m0.state, { ...m0.options, learningRate: 1 } as AdamWOptions)).toThrow(/learningRate/);
    expect(bits(m0)).toEqual(before);
    for (let t = 1; t < 6; t++) for (const m of ms) p.step(m.params, m.grads[t]!, m.state, m.options);
    // ms[1] and ms[2] missed step 0: compare them against a reference that skips it too.
    const expected = models(false).map((m, k) => {
      for (const [t, g] of m.grads.entries()) if (k === 0 || t > 0) adamwStepInPlace(m.params, g, m.state, m.options);
      return bits(m);
    });
    expect(ms.map(bits)).toEqual(expected);
  });

  it('closing one pool does not affect another', async () => {
    const [a, b] = [await pool(), await pool()];
    const ms = models(true);
    await a.close();
    expect(() => a.step(ms[0]!.params, ms[0]!.grads[0]!, ms[0]!.state, ms[0]!.options)).toThrow(/closed/);
    for (let t = 0; t < 6; t++) for (const m of ms) b.step(m.params, m.grads[t]!, m.state, m.options);
    expect(ms.map(bits)).toEqual(reference());
  });
});
