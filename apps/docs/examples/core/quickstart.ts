import { adamwStepInPlace, initAdamW } from '@adamw/core';

// Fit w to minimise Σ (wᵢ − i)² with AdamW, starting from zero.
const params = new Float32Array(4);
const grads = new Float32Array(4);
const state = initAdamW(params);
const loss = () => params.reduce((sum, w, i) => sum + (w - i) ** 2, 0);

const before = loss();
for (let step = 0; step < 3000; step++) {
  params.forEach((w, i) => (grads[i] = 2 * (w - i)));
  adamwStepInPlace(params, grads, state, { lr: 0.01, weightDecay: 1e-4 });
}
console.log(`loss ${before.toFixed(3)} -> ${loss().toExponential(2)}`);
console.log(`params ${Array.from(params, (w) => w.toFixed(2)).join(' ')}`);
