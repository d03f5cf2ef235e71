import { readFileSync } from 'node:fs';
import type { AdamWOptions } from '@adamw/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTraining, createOrtTrainer } from '../src/index.js';
import { batchFeeds, fixtureNames, FIXTURES_DIR, loadFixture, relDeviation } from './helpers/fixtures.js';

/**
 * Bounds on the relative deviation from torch (values below the floor are
 * compared absolutely against the floor). float32 bounds leave room for
 * the different summation orders of ONNX Runtime's and torch's kernels;
 * float64 agrees to rounding.
 */
const TOLERANCE = {
  float32: { grads: 1e-4, loss: 1e-5, params: 1e-3 },
  float64: { grads: 1e-12, loss: 1e-12, params: 1e-10 },
};

describe('models exported by PyTorch train as torch trains them', () => {
  const names = fixtureNames();
  it('has the three committed fixtures', () => {
    expect(names).toEqual(['cnn-digits-f32', 'embedding-meanpool-f64', 'mlp-gelu-nll-f32']);
  });

  it.each(names)('%s: first-batch gradients, per-step losses and final parameters match torch', async (name) => {
    const f = loadFixture(name);
    const { noDecay, scheduleMultipliers, ...optimizer } = f.optimizer;
    const trainer = await createOrtTrainer({
      model: new Uint8Array(Buffer.from(f.onnx, 'base64')),
      optimizer: optimizer as AdamWOptions,
      exclude: noDecay,
      schedule: (t) => scheduleMultipliers[t]!,
      ort,
      sessionOptions: { intraOpNumThreads: 1 },
    });
    const tol = TOLERANCE[f.dtype];
    expect(Object.keys(trainer.parameters).sort()).toEqual(Object.keys(f.params).sort());
    for (const [n, t] of Object.entries(f.params)) expect(Array.from(trainer.parameters[n]!)).toEqual(t.data);

    const losses: number[] = [];
    for (const rows of f.batches) {
      losses.push(await trainer.step(batchFeeds(f, rows)));
      if (losses.length === 1) {
        for (const [n, g] of Object.entries(f.expected.firstGrads)) {
          expect(relDeviation(trainer.gradients[n]!, g.data, 1e-3), `gradient of ${n}`).toBeLessThanOrEqual(tol.grads);
        }
      }
    }
    expect(relDeviation(losses, f.expected.losses, 1e-3)).toBeLessThanOrEqual(tol.loss);
    for (const [n, p] of Object.entries(f.expected.params)) {
      expect(relDeviation(trainer.parameters[n]!, p.data, 1e-2), `parameter ${n}`).toBeLessThanOrEqual(tol.params);
    }
    await trainer.release();
  });
});

describe('a torch-exported model with training-mode Dropout', () => {
  it('takes its gradients through the mask the same run drew (replayed by hand)', async () => {
    const t = buildTraining(readFileSync(`${FIXTURES_DIR}dropout-mlp.onnx`));
    expect(t.parameters.map((p) => p.name)).toEqual(['a.weight', 'a.bias', 'b.weight', 'b.bias']);
    expect(t.dropoutMasks).toHaveLength(1);
    const session = await ort.InferenceSession.create(t.model);
    const p = Object.fromEntries(t.parameters.map((q) => [q.name, q.initial as Float32Array]));
    const x = Float32Array.from([0.5, -1.2, 0.3, 0.8, -0.4, 1.1]);
    const label = 2;
    const feeds: Record<string, ort.Tensor> = {
      x: new ort.Tensor('float32', x, [1, 6]),
      y: new ort.Tensor('int64', BigInt64Array.from([BigInt(label)]), [1]),
    };
    for (const q of t.parameters) feeds[q.name] = new ort.Tensor('float32', p[q.name]!, q.dims);
    // every run draws a new mask; take one that dropped something (0.7¹⁶ ≈ 0.3% of runs drop nothing)
    let out = await session.run(feeds);
    for (let tries = 0; tries < 20 && (out[t.dropoutMasks[0]!]!.data as Uint8Array).every((m) => m === 1); tries++) out = await session.run(feeds);
    const mask = out[t.dropoutMasks[0]!]!.data as Uint8Array;
    expect(mask.length).toBe(16);
    expect(mask.some((m) => m === 0)).toBe(true);
    // forward by hand with that mask: h = relu(a·x + b) · mask / 0.7, z = b·h + b₀
    const h = Array.from({ length: 16 }, (_, j) => {
      let s = p['a.bias']![j]!;
      for (let k = 0; k < 6; k++) s += p['a.weight']![j * 6 + k]! * x[k]!;
      return mask[j] ? Math.max(s, 0) / 0.7 : 0;
    });
    const z = Array.from({ length: 3 }, (_, c) => p['b.bias']![c]! + h.reduce((acc, hj, j) => acc + p['b.weight']![c * 16 + j]! * hj, 0));
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const sum = e.reduce((a, b) => a + b, 0);
    expect(out['loss']!.data[0]).toBeCloseTo(Math.log(sum) + zmax - z[label]!, 5);
    const dz = e.map((v, c) => v / sum - (c === label ? 1 : 0));
    const dbw = out['b.weight_grad']!.data as Float32Array;
    for (let c = 0; c < 3; c++) for (let j = 0; j < 16; j++) expect(dbw[c * 16 + j]).toBeCloseTo(dz[c]! * h[j]!, 5);
    // a dropped hidden unit passes no gradient back to its weights
    const dab = out['a.bias_grad']!.data as Float32Array;
    for (let j = 0; j < 16; j++) if (!mask[j]) expect(dab[j]).toBe(0);
    await session.release();
  });
});
