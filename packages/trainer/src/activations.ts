import { erf } from './erf.js';
import type { Activation, FloatArray } from './types.js';

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π)

/**
 * Applies `activation` elementwise: `out[i] = f(pre[i])` for the first `n`
 * elements. `out` may be `pre` itself.
 *
 * - relu(x) = max(x, 0)
 * - tanh(x)
 * - sigmoid(x) = 1 / (1 + e^(−x))
 * - gelu(x) = x·Φ(x) = ½·x·(1 + erf(x/√2)), the exact form (not the tanh approximation)
 */
export function activate(activation: Activation, pre: FloatArray, out: FloatArray, n: number): void {
  switch (activation) {
    case 'relu':
      for (let i = 0; i < n; i++) {
        const x = pre[i]!;
        // NaN stays NaN, as in torch (a comparison would turn it into 0).
        out[i] = x > 0 || x !== x ? x : 0;
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(pre[i]!);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-pre[i]!));
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = pre[i]!;
        out[i] = 0.5 * x * (1 + erf(x * INV_SQRT2));
      }
      return;
  }
}

/**
 * Multiplies the gradient `delta` with respect to an activation's output by
 * the activation's derivative, in place: `delta[i] *= f′(pre[i])`. `post`
 * holds f(pre), which tanh and sigmoid use (f′ = 1 − y², y·(1 − y)).
 *
 * relu′(0) is taken as 0, as torch does.
 */
export function activationBackward(activation: Activation, pre: FloatArray, post: FloatArray, delta: FloatArray, n: number): void {
  switch (activation) {
    case 'relu':
      // Written as `<= 0` so that a NaN input passes its gradient through, as torch's threshold_backward does.
      for (let i = 0; i < n; i++) if (pre[i]! <= 0) delta[i] = 0;
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const y = post[i]!;
        delta[i] = delta[i]! * (1 - y * y);
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const y = post[i]!;
        delta[i] = delta[i]! * ((1 - y) * y);
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const x = pre[i]!;
        const cdf = 0.5 * (1 + erf(x * INV_SQRT2));
        const pdf = Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
        delta[i] = delta[i]! * (cdf + x * pdf);
      }
      return;
  }
}
