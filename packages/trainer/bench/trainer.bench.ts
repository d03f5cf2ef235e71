/**
 * Training-step throughput of @adamw/trainer against TensorFlow.js's pure-JS
 * cpu backend on the same model: an MLP 784-128-10 with ReLU, softmax
 * cross-entropy, batches of 64, one optimizer update per step (AdamW here,
 * tfjs's Adam there, as tfjs has no AdamW; the update is a small part of a
 * step either way). Both run on one thread in the same process, measured by
 * tinybench in one run, so the ratio is what this machine shows today.
 *
 * Writes docs/data/bench/trainer.json and prints a table.
 *
 *   pnpm --filter @adamw/trainer bench
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Bench } from 'tinybench';
import { Mlp, Prng, Trainer } from '../src/index.js';

const LAYERS = [784, 128, 10] as const;
const BATCH = 64;
const OUT = fileURLToPath(new URL('../../../docs/data/bench/trainer.json', import.meta.url));

function batch(seed: number): { x: Float32Array; labels: Int32Array } {
  const rng = new Prng(seed);
  const x = Float32Array.from({ length: BATCH * LAYERS[0] }, () => rng.nextFloat());
  const labels = Int32Array.from({ length: BATCH }, () => rng.nextBelow(LAYERS[2]));
  return { x, labels };
}

function trainerStep(dtype: 'float32' | 'float64'): () => void {
  const model = new Mlp({ layers: LAYERS, activation: 'relu', dtype }, { seed: 1 });
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: { kind: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
    batchSize: BATCH,
  });
  const { x, labels } = batch(2);
  const xs = dtype === 'float32' ? x : Float64Array.from(x);
  return () => void trainer.trainBatch(xs, labels, BATCH);
}

/**
 * The same step on tfjs's cpu kernels. The backward pass is written out as
 * tfjs ops (the gradients an autograd tape would produce) because tfjs-core's
 * gradient registry ships only as ESM files with extensionless imports, which
 * Node cannot load without a bundler. That also spares tfjs the tape's
 * bookkeeping, so this is its best case.
 */
async function tfjsStep(): Promise<() => void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const init = (shape: number[], fanIn: number, name: string) =>
    tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', 1), true, name);
  const w0 = init([LAYERS[0], LAYERS[1]], LAYERS[0], 'w0');
  const b0 = init([LAYERS[1]], LAYERS[0], 'b0');
  const w1 = init([LAYERS[1], LAYERS[2]], LAYERS[1], 'w1');
  const b1 = init([LAYERS[2]], LAYERS[1], 'b1');
  const { x, labels } = batch(2);
  const xs = tf.tensor2d(x, [BATCH, LAYERS[0]]);
  const ys = tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), LAYERS[2]), 'float32');
  const optimizer = tf.train.adam(1e-3);
  return () => {
    const { loss, grads } = tf.tidy(() => {
      const pre = tf.add(tf.matMul(xs, w0), b0);
      const hidden = tf.relu(pre);
      const logits = tf.add(tf.matMul(hidden, w1), b1);
      const logProbs = tf.logSoftmax(logits);
      const loss = tf.neg(tf.mean(tf.sum(tf.mul(ys, logProbs), 1)));
      const dLogits = tf.div(tf.sub(tf.exp(logProbs), ys), BATCH);
      const dHidden = tf.mul(tf.matMul(dLogits, w1, false, true), tf.step(pre));
      const grads: { name: string; tensor: tf.Tensor }[] = [
        { name: 'w1', tensor: tf.matMul(hidden, dLogits, true, false) },
        { name: 'b1', tensor: tf.sum(dLogits, 0) },
        { name: 'w0', tensor: tf.matMul(xs, dHidden, true, false) },
        { name: 'b0', tensor: tf.sum(dHidden, 0) },
      ];
      return { loss, grads };
    });
    loss.dataSync();
    optimizer.applyGradients(grads);
    tf.dispose([loss, ...grads.map((g) => g.tensor)]);
  };
}

const bench = new Bench({ time: 3000, warmupTime: 1000 });
bench.add('@adamw/trainer float32', trainerStep('float32'));
bench.add('@adamw/trainer float64', trainerStep('float64'));
bench.add('tfjs-backend-cpu float32', await tfjsStep());
await bench.run();

const results = bench.tasks.map((task) => {
  const r = task.result!;
  if (r.error) throw r.error;
  return {
    name: task.name,
    stepsPerSecond: Number(r.throughput.mean.toFixed(2)),
    meanMs: Number(r.latency.mean.toFixed(3)),
    rmePercent: Number(r.latency.rme.toFixed(2)),
    samples: r.latency.samples.length,
  };
});
const rate = (name: string) => results.find((r) => r.name === name)!.stepsPerSecond;
const ratio = rate('@adamw/trainer float32') / rate('tfjs-backend-cpu float32');

const report = {
  generated: new Date().toISOString(),
  benchmark: 'training steps per second: MLP 784-128-10, ReLU, softmax cross-entropy, batch 64, one update per step',
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    tfjs: tf.version_core,
    note: 'Both run on one thread in one process, measured by tinybench in one run; the ratio is what this machine showed then (it may be shared). tfjs runs the same forward and backward ops on its cpu kernels with its Adam.',
  },
  summary: [
    { metric: '@adamw/trainer float32 / tfjs-backend-cpu, training steps per second', value: Number(ratio.toFixed(2)), unit: '×' },
    { metric: '@adamw/trainer float32 training steps per second', value: rate('@adamw/trainer float32'), unit: 'steps/s' },
    { metric: 'tfjs-backend-cpu training steps per second', value: rate('tfjs-backend-cpu float32'), unit: 'steps/s' },
  ],
  results,
};
mkdirSync(fileURLToPath(new URL('.', `file://${OUT}`)), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);

console.table(results.map((r) => ({ task: r.name, 'steps/s': r.stepsPerSecond, 'mean ms': r.meanMs, 'rme %': r.rmePercent, samples: r.samples })));
console.log(`@adamw/trainer float32 is ${ratio.toFixed(2)}× the steps/s of tfjs-backend-cpu (written to ${OUT})`);
