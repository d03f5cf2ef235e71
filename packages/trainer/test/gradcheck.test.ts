import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES, Mlp, type Activation, type LossKind } from '../src/index.js';
import { labels, rand } from './helpers.js';

/**
 * Central finite differences in float64: dL/dθᵢ ≈ (L(θ + hεᵢ) − L(θ − hεᵢ)) / 2h,
 * with error O(h²) plus rounding of order 1e-16/h.
 */
function numericGradient(model: Mlp, name: string, index: number, x: Float64Array, y: ArrayLike<number>, rows: number, loss: LossKind): number {
  const p = model.params[name]!;
  const keep = p[index]!;
  const h = 1e-5;
  p[index] = keep + h;
  const up = model.loss(x, y, rows, loss);
  p[index] = keep - h;
  const down = model.loss(x, y, rows, loss);
  p[index] = keep;
  return (up - down) / (2 * h);
}

function batch(loss: LossKind, rows: number, inSize: number, outSize: number, seed: number): { x: Float64Array; y: ArrayLike<number> } {
  const x = rand(rows * inSize, seed, 1.5);
  const y = loss === 'mse' ? rand(rows * outSize, seed + 1) : labels(rows, outSize, seed + 1);
  return { x, y };
}

describe('gradients agree with finite differences (float64)', () => {
  for (const activation of ACTIVATIONS as Activation[]) {
    for (const loss of LOSSES as LossKind[]) {
      it(`${activation} with ${loss}, layers 5-7-6-4`, () => {
        const model = new Mlp({ layers: [5, 7, 6, 4], activation, dtype: 'float64' }, { seed: 3 });
        const rows = 6;
        const { x, y } = batch(loss, rows, 5, 4, 11);
        model.lossAndGradients(x, y, rows, loss);
        let checked = 0;
        for (const [name, g] of Object.entries(model.grads)) {
          const analytic = g.slice();
          for (let i = 0; i < analytic.length; i++) {
            const numeric = numericGradient(model, name, i, x, y, rows, loss);
            // ReLU has kinks; a parameter whose ±h moves a unit across 0 gives a one-sided difference, so
            // for ReLU the bound is absolute and loose, and most entries still agree to 1e-8.
            const tol = activation === 'relu' ? 1e-6 : 1e-8;
            expect(Math.abs(numeric - analytic[i]!), `${name}[${i}]`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(analytic[i]!)));
            checked++;
          }
        }
        expect(checked).toBe(model.parameterCount);
      });
    }
  }

  it('each loss alone: dL/dz of softmax cross-entropy and MSE', () => {
    // A single linear layer makes the output z = x·Wᵀ + b, so dL/db is exactly the summed dL/dz.
    for (const loss of LOSSES as LossKind[]) {
      const model = new Mlp({ layers: [3, 5], dtype: 'float64' }, { seed: 9 });
      const { x, y } = batch(loss, 4, 3, 5, 21);
      model.lossAndGradients(x, y, 4, loss);
      const g = model.grads['lins.0.bias']!.slice();
      for (let i = 0; i < g.length; i++) {
        expect(Math.abs(numericGradient(model, 'lins.0.bias', i, x, y, 4, loss) - g[i]!)).toBeLessThan(1e-9);
      }
    }
  });
});
