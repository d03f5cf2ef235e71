import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, LOSSES, Mlp, type Activation, type LossKind } from '../src/index.js';
import { referenceLossAndGradients, type ReferenceLayer } from '../src/reference.js';
import { labels, rand } from './helpers.js';

function toReference(model: Mlp): ReferenceLayer[] {
  const layers: ReferenceLayer[] = [];
  for (let i = 0; i < model.depth; i++) {
    const [out, inp] = [model.layers[i + 1]!, model.layers[i]!];
    const w = model.params[`lins.${i}.weight`]!;
    layers.push({
      weight: Array.from({ length: out }, (_, o) => Array.from(w.subarray(o * inp, (o + 1) * inp))),
      bias: Array.from(model.params[`lins.${i}.bias`]!),
    });
  }
  return layers;
}

describe('the fast Mlp against the plain reference', () => {
  for (const activation of ACTIVATIONS as Activation[]) {
    for (const loss of LOSSES as LossKind[]) {
      // Widths that are not multiples of the 4×4 block, and a batch of 9 rows.
      it(`${activation}, ${loss}: loss, outputs and every gradient (float64)`, () => {
        const layers = [13, 11, 6, 7];
        const model = new Mlp({ layers, activation, dtype: 'float64' }, { seed: 5 });
        const rows = 9;
        const x = rand(rows * 13, 8, 2);
        const y = loss === 'mse' ? rand(rows * 7, 9) : labels(rows, 7, 9);
        const xs = Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * 13, (r + 1) * 13)));
        const ys = loss === 'mse' ? Array.from({ length: rows }, (_, r) => Array.from((y as Float64Array).subarray(r * 7, (r + 1) * 7))) : Array.from(y);
        const ref = referenceLossAndGradients(toReference(model), activation, loss, xs, ys);
        const value = model.lossAndGradients(x, y, rows, loss);
        expect(Math.abs(value - ref.loss)).toBeLessThan(1e-14 * Math.max(1, ref.loss));
        const out = model.predict(x, rows);
        ref.outputs.flat().forEach((v, i) => expect(Math.abs(out[i]! - v)).toBeLessThan(1e-13));
        ref.grads.forEach((g, l) => {
          const gw = model.grads[`lins.${l}.weight`]!;
          g.weight.flat().forEach((v, i) => expect(Math.abs(gw[i]! - v), `lins.${l}.weight[${i}]`).toBeLessThan(1e-14));
          const gb = model.grads[`lins.${l}.bias`]!;
          g.bias.forEach((v, i) => expect(Math.abs(gb[i]! - v), `lins.${l}.bias[${i}]`).toBeLessThan(1e-14));
        });
      });
    }
  }

  it('float32 models agree with the float64 reference to float32 precision', () => {
    const model = new Mlp({ layers: [20, 12, 5], activation: 'gelu', dtype: 'float32' }, { seed: 2 });
    const x64 = rand(10 * 20, 4);
    const x = Float32Array.from(x64);
    const y = labels(10, 5, 3);
    const xs = Array.from({ length: 10 }, (_, r) => Array.from(x.subarray(r * 20, (r + 1) * 20)));
    const ref = referenceLossAndGradients(toReference(model), 'gelu', 'softmax-cross-entropy', xs, Array.from(y));
    const value = model.lossAndGradients(x, y, 10, 'softmax-cross-entropy');
    expect(Math.abs(value - ref.loss) / ref.loss).toBeLessThan(1e-6);
    const gw = model.grads['lins.0.weight']!;
    ref.grads[0]!.weight.flat().forEach((v, i) => expect(Math.abs(gw[i]! - v)).toBeLessThan(1e-6 * Math.max(1e-2, Math.abs(v)) + 1e-8));
  });
});
