import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Mlp, Trainer, type Activation, type LossKind } from '../src/index.js';

/** The torch trajectory fixtures of the conformance package (format adamw-trajectory/1). */
const DIR = fileURLToPath(new URL('../../conformance/fixtures/trajectories/', import.meta.url));

interface Stored {
  shape: number[];
  data: number[];
}
interface Fixture {
  name: string;
  dtype: 'float32' | 'float64';
  model: { layers: number[]; activation: Activation; loss: LossKind };
  params: Record<string, Stored>;
  data: { x: Stored; y: Stored };
  batches: number[][];
  optimizer: Record<string, unknown> & { noDecay: string[]; scheduleMultipliers: number[] };
  expected: { losses: number[]; params: Record<string, Stored> };
}

function load(file: string): Fixture {
  const bytes = readFileSync(DIR + file);
  return JSON.parse((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as Fixture;
}

/** Largest |a − e| / max(|e|, floor). */
function relative(actual: ArrayLike<number>, expected: readonly number[], floor: number): number {
  let worst = 0;
  expected.forEach((e, i) => {
    worst = Math.max(worst, Math.abs(actual[i]! - e) / Math.max(Math.abs(e), floor));
  });
  return worst;
}

// What this trainer reaches against torch 1.13 (see the README): float64 to
// rounding, float32 to the different summation order of torch's BLAS.
const BOUNDS = {
  float64: { loss: 1e-13, params: 1e-12 },
  float32: { loss: 2e-6, params: 5e-5 },
};

const files = readdirSync(DIR)
  .filter((f) => /\.json(\.gz)?$/.test(f))
  .sort();

describe('torch trajectories', () => {
  it('the fixtures are present', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of files) {
    it(`reproduces ${file.replace(/\.json(\.gz)?$/, '')}`, () => {
      const f = load(file);
      const Ctor = f.dtype === 'float32' ? Float32Array : Float64Array;
      const params = Object.fromEntries(Object.entries(f.params).map(([k, t]) => [k, t.data]));
      const model = new Mlp({ layers: f.model.layers, activation: f.model.activation, dtype: f.dtype }, { params });
      const { noDecay, scheduleMultipliers, ...options } = f.optimizer;
      const excluded = new Set(noDecay);
      const trainer = new Trainer(model, {
        loss: f.model.loss,
        optimizer: { kind: 'adamw', options },
        batchSize: 1,
        schedule: (t) => scheduleMultipliers[t]!,
        exclude: [(name: string) => excluded.has(name)],
      });
      const inSize = f.model.layers[0]!;
      const ySize = f.model.loss === 'mse' ? f.model.layers[f.model.layers.length - 1]! : 1;
      const losses = f.batches.map((rows) => {
        const x = new Ctor(rows.length * inSize);
        const y = new (f.model.loss === 'mse' ? Ctor : Int32Array)(rows.length * ySize);
        rows.forEach((r, i) => {
          for (let k = 0; k < inSize; k++) x[i * inSize + k] = f.data.x.data[r * inSize + k]!;
          for (let k = 0; k < ySize; k++) y[i * ySize + k] = f.data.y.data[r * ySize + k]!;
        });
        return trainer.trainBatch(x, y, rows.length).loss;
      });
      const bound = BOUNDS[f.dtype];
      expect(relative(losses, f.expected.losses, 1e-3)).toBeLessThan(bound.loss);
      for (const [name, t] of Object.entries(f.expected.params)) {
        expect(relative(model.params[name]!, t.data, 1e-2), name).toBeLessThan(bound.params);
      }
    });
  }
});
