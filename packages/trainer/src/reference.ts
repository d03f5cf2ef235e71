import { erf } from './erf.js';
import type { Activation, LossKind } from './types.js';

/**
 * A plain, unoptimised MLP forward and backward pass over nested number
 * arrays in float64: the readable definition that the fast {@link Mlp} is
 * tested against. Not exported from the package.
 *
 * Layer i: zᵢ = aᵢ₋₁·Wᵢᵀ + bᵢ, aᵢ = f(zᵢ) for every layer but the last
 * (a₋₁ = x). Backward: δ_last = dL/dz_last; dWᵢ = δᵢᵀ·aᵢ₋₁; dbᵢ = Σ_rows δᵢ;
 * δᵢ₋₁ = (δᵢ·Wᵢ) ⊙ f′(zᵢ₋₁).
 */
export interface ReferenceLayer {
  /** [out][in] */
  weight: number[][];
  /** [out] */
  bias: number[];
}

function f(act: Activation, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'gelu':
      return 0.5 * z * (1 + erf(z / Math.SQRT2));
  }
}

function fPrime(act: Activation, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'tanh':
      return 1 - Math.tanh(z) ** 2;
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-z));
      return s * (1 - s);
    }
    case 'gelu':
      return 0.5 * (1 + erf(z / Math.SQRT2)) + (z * Math.exp(-(z * z) / 2)) / Math.sqrt(2 * Math.PI);
  }
}

/** Loss and gradients (same layout as the layers) of one batch. */
export function referenceLossAndGradients(
  layers: ReferenceLayer[],
  activation: Activation,
  loss: LossKind,
  x: number[][],
  y: number[] | number[][],
): { loss: number; grads: ReferenceLayer[]; outputs: number[][] } {
  const rows = x.length;
  const zs: number[][][] = [];
  const as: number[][][] = [x];
  for (let l = 0; l < layers.length; l++) {
    const { weight, bias } = layers[l]!;
    const input = as[l]!;
    const z = input.map((row) => weight.map((w, o) => bias[o]! + w.reduce((s, wi, i) => s + wi * row[i]!, 0)));
    zs.push(z);
    as.push(l === layers.length - 1 ? z : z.map((row) => row.map((v) => f(activation, v))));
  }
  const out = zs[zs.length - 1]!;
  let value = 0;
  let delta: number[][];
  if (loss === 'softmax-cross-entropy') {
    const labels = y as number[];
    delta = out.map((row, r) => {
      const max = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      value += Math.log(sum) + max - row[labels[r]!]!;
      return exps.map((e, j) => (e / sum - (j === labels[r] ? 1 : 0)) / rows);
    });
    value /= rows;
  } else {
    const targets = y as number[][];
    const n = rows * out[0]!.length;
    delta = out.map((row, r) =>
      row.map((v, j) => {
        const d = v - targets[r]![j]!;
        value += d * d;
        return (2 * d) / n;
      }),
    );
    value /= n;
  }
  const grads: ReferenceLayer[] = layers.map((layer) => ({
    weight: layer.weight.map((w) => w.map(() => 0)),
    bias: layer.bias.map(() => 0),
  }));
  for (let l = layers.length - 1; l >= 0; l--) {
    const input = as[l]!;
    const g = grads[l]!;
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < g.bias.length; o++) {
        g.bias[o]! += delta[r]![o]!;
        for (let i = 0; i < input[r]!.length; i++) g.weight[o]![i]! += delta[r]![o]! * input[r]![i]!;
      }
    }
    if (l > 0) {
      const w = layers[l]!.weight;
      delta = delta.map((d, r) => w[0]!.map((_, i) => d.reduce((s, dv, o) => s + dv * w[o]![i]!, 0) * fPrime(activation, zs[l - 1]![r]![i]!)));
    }
  }
  return { loss: value, grads, outputs: out };
}
