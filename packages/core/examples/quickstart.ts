// Minimises f(x) = Σ (x_i − i)² with AdamW from @adamw/core and prints the progress.
import { adamwStepInPlace, initAdamW } from '@adamw/core';

const params = new Float32Array(4);
const grads = new Float32Array(4);
const state = initAdamW(params);
for (let step = 1; step <= 2000; step++) {
  let loss = 0;
  for (let i = 0; i < params.length; i++) {
    const diff = params[i]! - i;
    loss += diff * diff;
    grads[i] = 2 * diff;
  }
  adamwStepInPlace(params, grads, state, { lr: 0.05, weightDecay: 0 });
  if (step % 500 === 0) console.log(`step ${step}: loss ${loss.toExponential(3)}`);
}
console.log('params', Array.from(params, (x) => x.toFixed(3)).join(' '));
