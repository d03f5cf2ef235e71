import { cosineWarmRestarts, createNamedOptimizer, normalizedWeightDecay } from '@adamw/core';

// Linear regression y = x·w + b on 256 noisy points, trained in batches of 32
// with the paper's recipe: cosine warm restarts (AdamWR), decay scaled by the
// schedule, normalized weight decay, and no decay on the bias.
const trainSize = 256;
const batchSize = 32;
const epochs = 30;
const trueW = [2, -3, 0.5];
let seed = 1;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
const xs = Array.from({ length: trainSize }, () => trueW.map(() => random()));
const ys = xs.map((x) => x.reduce((s, xi, i) => s + xi * trueW[i]!, 0) + 1 + 0.05 * random());

const params = { weight: new Float64Array(3), bias: new Float64Array(1) };
const grads = { weight: new Float64Array(3), bias: new Float64Array(1) };
const stepsPerEpoch = trainSize / batchSize;
const weightDecay = normalizedWeightDecay({ lambdaNorm: 0.02, batchSize, trainSize, epochs });
const optimizer = createNamedOptimizer(
  {
    options: { lr: 0.05, weightDecay, decayScale: 'schedule' }, // θ ← θ·(1 − η·λ), as in the paper
    // Restart after 5 epochs, then after 10 more, then 20 (T_mult = 2).
    schedule: cosineWarmRestarts({ period: 5 * stepsPerEpoch, periodMultiplier: 2 }),
    clipGlobalNorm: 10,
    // exclude defaults to the biases and normalization weights: 'bias' gets no decay.
  },
  params,
);

function meanSquaredError(): number {
  return xs.reduce((s, x, n) => s + (x.reduce((a, xi, i) => a + xi * params.weight[i]!, params.bias[0]!) - ys[n]!) ** 2, 0) / trainSize;
}

const before = meanSquaredError();
for (let epoch = 0; epoch < epochs; epoch++) {
  for (let start = 0; start < trainSize; start += batchSize) {
    grads.weight.fill(0);
    grads.bias.fill(0);
    for (let n = start; n < start + batchSize; n++) {
      const x = xs[n]!;
      const error = x.reduce((a, xi, i) => a + xi * params.weight[i]!, params.bias[0]!) - ys[n]!;
      x.forEach((xi, i) => (grads.weight[i]! += (2 * error * xi) / batchSize));
      grads.bias[0]! += (2 * error) / batchSize;
    }
    optimizer.step(params, grads); // clip, η = schedule(t), then AdamW per name
  }
}
console.log(`weight decay λ = ${weightDecay.toExponential(2)}, ${optimizer.stepCount} updates`);
console.log(`mse ${before.toFixed(3)} -> ${meanSquaredError().toFixed(4)}`);
console.log(`weight ${Array.from(params.weight, (w) => w.toFixed(2)).join(' ')}, bias ${params.bias[0]!.toFixed(2)}`);
