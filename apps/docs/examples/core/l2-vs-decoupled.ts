import { adamwStepInPlace, initAdamW, type AdamWOptions } from '@adamw/core';

// Two weights start at 1. Their gradients are pure noise (the loss does not
// care about them), of very different sizes: ±0.001 for the first, ±10 for the
// second. Only the regularizer should move them.
function train(options: AdamWOptions): Float64Array {
  const params = new Float64Array([1, 1]);
  const state = initAdamW(params);
  for (let step = 0; step < 1000; step++) {
    const sign = step % 2 === 0 ? 1 : -1;
    const grads = new Float64Array([0.001 * sign, 10 * sign]);
    adamwStepInPlace(params, grads, state, { lr: 0.01, weightDecay: 0.1, ...options });
  }
  return params;
}

// Adam + L2: λθ joins the gradient and is divided by √v̂, so the weight with
// large gradients is barely regularized while the other is driven to zero.
const l2 = train({ decay: 'l2' });
// AdamW: both weights shrink by the same factor (1 − α·λ) per step.
const decoupled = train({ decay: 'decoupled' });

console.log(`adam+l2    small-gradient weight ${l2[0]!.toFixed(3)}, large-gradient weight ${l2[1]!.toFixed(3)}`);
console.log(`decoupled  small-gradient weight ${decoupled[0]!.toFixed(3)}, large-gradient weight ${decoupled[1]!.toFixed(3)}`);
