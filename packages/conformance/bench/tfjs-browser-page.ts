// The page of the browser benchmark: one AdamW step against tf.train.adam's
// at 1M parameters, and model.fit of an MNIST-sized MLP, on a GPU backend.
import { adamw } from '@adamw/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expose } from '../src/browser/in-page';

export type BenchOptimizer = 'adamw' | 'adam';

function makeOptimizer(kind: BenchOptimizer): tf.Optimizer {
  return kind === 'adam' ? tf.train.adam(1e-3, 0.9, 0.999, 1e-8) : adamw({ lr: 1e-3, weightDecay: 1e-2 });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Waits until the GPU has finished everything queued so far: reading one value back. */
async function finish(t: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(t, [-1]), [0], [1]));
  await one.data();
  one.dispose();
}

async function use(backend: string): Promise<string> {
  if (!(await tf.setBackend(backend))) throw new Error(`the tfjs ${backend} backend did not initialise`);
  await tf.ready();
  tf.env().set('PROD', true);
  return tf.getBackend();
}

let counter = 0;

/**
 * Milliseconds per optimizer step at `params` parameters (a kernel and a
 * bias, fixed gradients): each round runs `steps` steps and waits for the
 * GPU to finish them; the median round counts. The optimizers take turns
 * round by round, so that a busy machine slows both alike.
 */
async function stepTime(input: { backend: string; params: number; steps: number; rounds: number; optimizers: BenchOptimizer[] }) {
  const backend = await use(input.backend);
  const width = 1000;
  const rows = input.params / width - 1;
  const runs = input.optimizers.map((kind) => {
    const prefix = `bench${counter++}`;
    const kernel = tf.tidy(() => tf.variable(tf.randomNormal([rows, width], 0, 0.05, 'float32', 1), true, `${prefix}/kernel`));
    const bias = tf.tidy(() => tf.variable(tf.zeros([width]), true, `${prefix}/bias`));
    const grads = [
      { name: kernel.name, tensor: tf.randomNormal([rows, width], 0, 1e-3, 'float32', 2) },
      { name: bias.name, tensor: tf.randomNormal([width], 0, 1e-3, 'float32', 3) },
    ];
    return { kind, optimizer: makeOptimizer(kind), kernel, bias, grads, times: [] as number[] };
  });
  // Warm up: compile the shaders and allocate the moments.
  for (const r of runs) {
    for (let i = 0; i < 3; i++) r.optimizer.applyGradients(r.grads);
    await finish(r.kernel);
  }
  const tensorsBefore = tf.memory().numTensors;
  for (let round = 0; round < input.rounds; round++) {
    for (const r of runs) {
      const start = performance.now();
      for (let i = 0; i < input.steps; i++) r.optimizer.applyGradients(r.grads);
      await finish(r.kernel);
      r.times.push((performance.now() - start) / input.steps);
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  const results = runs.map((r) => ({
    optimizer: r.kind,
    medianMs: median(r.times),
    minMs: Math.min(...r.times),
    maxMs: Math.max(...r.times),
    rounds: r.times.length,
  }));
  for (const r of runs) {
    r.optimizer.dispose();
    tf.dispose([r.kernel, r.bias, ...r.grads.map((g) => g.tensor)]);
  }
  return { backend, params: input.params, stepsPerRound: input.steps, results, tensorsStable: tensorsBefore === tensorsAfter };
}

/** Samples per second of model.fit on a 784-128-10 MLP (synthetic MNIST-sized data), from the median epoch. */
async function fitThroughput(input: { backend: string; samples: number; batchSize: number; epochs: number; optimizers: BenchOptimizer[] }) {
  const backend = await use(input.backend);
  const x = tf.randomUniform([input.samples, 784], 0, 1, 'float32', 4);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([input.samples], 0, 10, 'int32', 5), 10), 'float32'));
  const runs = input.optimizers.map((kind) => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 128, inputShape: [784], activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
    });
    model.compile({ optimizer: makeOptimizer(kind), loss: 'categoricalCrossentropy' });
    return { kind, model, times: [] as number[], loss: Number.NaN };
  });
  const fit = { batchSize: input.batchSize, shuffle: false, verbose: 0 as const, epochs: 1 };
  for (const r of runs) await r.model.fit(x, y, fit);
  for (let epoch = 0; epoch < input.epochs; epoch++) {
    for (const r of runs) {
      const start = performance.now();
      const history = await r.model.fit(x, y, fit);
      r.times.push(performance.now() - start);
      r.loss = history.history.loss![0] as number;
    }
  }
  const results = runs.map((r) => {
    const ms = median(r.times);
    return { optimizer: r.kind, samplesPerSecond: input.samples / (ms / 1000), medianMsPerEpoch: ms, epochs: r.times.length, lastLoss: r.loss };
  });
  for (const r of runs) {
    r.model.optimizer.dispose();
    r.model.dispose();
  }
  tf.dispose([x, y]);
  return { backend, samples: input.samples, batchSize: input.batchSize, results };
}

export const api = expose({ stepTime, fitThroughput });
export type BenchApi = typeof api;
