// Per-step time of training an MNIST-sized MLP (784-256-10) with
// @adamw/onnxruntime, split into ONNX Runtime's forward + backward run and
// the AdamW update, at batch 128 (the reference point) and larger batches;
// and the training throughput of the same model with @adamw/tfjs on tfjs's
// cpu backend. Prints a table and writes docs/data/bench/onnxruntime.json.
//
// The data is synthetic (uniform pixels, random labels): the time of a step
// does not depend on the values. ONNX Runtime runs on one intra-op thread,
// like tfjs's cpu backend, so the throughput comparison is like for like.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adamwStepNamed, initAdamWNamed } from '@adamw/core';
import { adamw } from '@adamw/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { Bench, type Task } from 'tinybench';
import { buildTraining, createOrtTrainer, type OrtTrainer } from '../src/index.js';
import { mnistMlp, uniform } from './mnist-mlp.js';

const OUTPUT = fileURLToPath(new URL('../../../docs/data/bench/onnxruntime.json', import.meta.url));
const BATCHES = [128, 512, 2048];
const GOAL = 0.05;
const optimizer = { lr: 1e-3, weightDecay: 1e-2 };
const sessionOptions: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

const rand = uniform(7);
function batchOf(n: number) {
  const pixels = Float32Array.from({ length: n * 784 }, () => rand(0, 1));
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand(0, 10)));
  return {
    pixels,
    labels,
    feeds: {
      x: new ort.Tensor('float32', pixels, [n, 784]),
      y: new ort.Tensor(
        'int64',
        BigInt64Array.from(labels, (v) => BigInt(v)),
        [n],
      ),
    },
  };
}
const batches = new Map(BATCHES.map((n) => [n, batchOf(n)]));

const { model } = mnistMlp();
const trainer: OrtTrainer = await createOrtTrainer({ model, optimizer, ort, sessionOptions });

// ONNX Runtime alone: the same training model, parameters and preallocated gradient outputs.
const training = buildTraining(model);
const session = await ort.InferenceSession.create(training.model, sessionOptions);
const params = Object.fromEntries(training.parameters.map((p) => [p.name, p.initial]));
const paramFeeds: Record<string, ort.Tensor> = {};
const fetches: Record<string, ort.Tensor> = { loss: new ort.Tensor('float32', new Float32Array(1), []) };
const grads: Record<string, Float32Array> = {};
for (const p of training.parameters) {
  paramFeeds[p.name] = new ort.Tensor('float32', params[p.name]!, p.dims);
  grads[p.name] = new Float32Array(p.initial.length);
  fetches[p.grad] = new ort.Tensor('float32', grads[p.name]!, p.dims);
}
await session.run({ ...batches.get(128)!.feeds, ...paramFeeds }, fetches);
const states = initAdamWNamed(params, optimizer);

// tfjs: the same model with @adamw/tfjs, one trainOnBatch per step, batch 128.
await tf.setBackend('cpu');
tf.env().set('PROD', true);
const tfModel = tfl.sequential({
  layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
});
tfModel.compile({ optimizer: adamw(optimizer), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
const b128 = batches.get(128)!;
const tfX = tf.tensor2d(b128.pixels, [128, 784]);
const tfY = tf.cast(tf.oneHot(tf.tensor1d(b128.labels, 'int32'), 10), 'float32');

const bench = new Bench({ time: 2500, warmupTime: 400 });
// The update as the trainer runs it, on its own arrays (one AdamW arena), and on ordinary arrays,
// each on the gradients of one real step.
await trainer.step(batches.get(128)!.feeds);
for (const [name, g] of Object.entries(trainer.gradients)) grads[name]!.set(g);
const updateArena = () => adamwStepNamed(trainer.parameters, trainer.gradients, trainer.states, optimizer);
const updateOrdinary = () => adamwStepNamed(params, grads, states, optimizer);
// Both run long enough first for the engine to compile the WebAssembly kernel with its optimizing tier.
for (let i = 0; i < 2000; i++) {
  updateArena();
  updateOrdinary();
}
bench.add('update, ordinary arrays', updateOrdinary);
bench.add('update', updateArena);
for (const n of BATCHES) {
  const { feeds } = batches.get(n)!;
  const runFeeds = { ...feeds, ...paramFeeds };
  bench.add(`step ${n}`, async () => {
    await trainer.step(feeds);
  });
  bench.add(`run ${n}`, async () => {
    await session.run(runFeeds, fetches);
  });
}
bench.add('tfjs 128', async () => {
  await tfModel.trainOnBatch(tfX, tfY);
});
await bench.run();

interface Timing {
  medianMs: number;
  minMs: number;
  meanMs: number;
  rmePercent: number;
  samples: number;
}
const timings = new Map<string, Timing>();
for (const t of bench.tasks as Task[]) {
  const r = t.result as { error?: unknown; latency?: { p50?: number; min: number; mean: number; rme: number; samples: number[] } } | undefined;
  if (!r?.latency) throw (r?.error as Error) ?? new Error(`task ${t.name} has no result`);
  const l = r.latency;
  timings.set(t.name, { medianMs: l.p50 ?? l.mean, minMs: l.min, meanMs: l.mean, rmePercent: l.rme, samples: l.samples.length });
}
const update = timings.get('update')!;
const updateOrdinaryTiming = timings.get('update, ordinary arrays')!;
const perBatch = BATCHES.map((n) => {
  const step = timings.get(`step ${n}`)!;
  const run = timings.get(`run ${n}`)!;
  return {
    batch: n,
    step,
    onnxruntime: run,
    /** (trainer.step − session.run) / trainer.step, from the medians: the AdamW update plus the trainer's bookkeeping. */
    optimizerAndBookkeepingShare: Math.max(0, step.medianMs - run.medianMs) / step.medianMs,
    /** The same from the fastest samples, which a busy machine disturbs least. */
    optimizerAndBookkeepingShareMin: Math.max(0, step.minMs - run.minMs) / step.minMs,
    /** The AdamW update alone / trainer.step (medians). */
    updateShare: update.medianMs / step.medianMs,
    samplesPerSecond: (1000 * n) / step.medianMs,
  };
});
const tfjs = timings.get('tfjs 128')!;
const at128 = perBatch[0]!;
const result = {
  generated: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    onnxruntime: ort.env.versions?.node ?? 'unknown',
    tfjs: tf.version_core,
  },
  setup: {
    model: '784-256-10 MLP, ReLU, softmax cross entropy (Gemm, Relu, Gemm, SoftmaxCrossEntropyLoss)',
    parameters: Object.values(trainer.parameters).reduce((n, p) => n + p.length, 0),
    data: 'synthetic (uniform pixels, random labels)',
    onnxruntime: 'onnxruntime-node CPU execution provider, 1 intra-op thread',
    tfjs: '@tensorflow/tfjs-core cpu backend, @adamw/tfjs optimizer, model.trainOnBatch, batch 128',
  },
  /** The update on the trainer's own arrays (one AdamW arena). */
  adamwUpdate: update,
  /** The same update on ordinary arrays, which the SIMD kernel copies through its memory in chunks. */
  adamwUpdateOrdinaryArrays: updateOrdinaryTiming,
  perBatch,
  goal: { share: GOAL, batch: 128, met: at128.optimizerAndBookkeepingShare < GOAL },
  throughput: {
    batch: 128,
    onnxruntimeSamplesPerSecond: at128.samplesPerSecond,
    tfjsCpuSamplesPerSecond: (1000 * 128) / tfjs.medianMs,
    onnxruntimeOverTfjs: tfjs.medianMs / at128.step.medianMs,
    tfjs,
  },
};
mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, `${JSON.stringify(result, null, 2)}\n`);

const ms = (x: number): string => x.toFixed(3).padStart(9);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`.padStart(8);
console.log(`\n${result.setup.model}, ${result.setup.parameters} parameters; ${result.machine.cpu}, ${result.machine.cores} cores, ONNX Runtime on 1 thread`);
console.log(`AdamW update on the trainer's arrays (one arena): median ${update.medianMs.toFixed(3)} ms, min ${update.minMs.toFixed(3)} ms`);
console.log(`AdamW update on ordinary arrays: median ${updateOrdinaryTiming.medianMs.toFixed(3)} ms, min ${updateOrdinaryTiming.minMs.toFixed(3)} ms\n`);
console.log(' batch   step ms    ORT ms  update+bookkeeping (min-based)   update  samples/s');
for (const b of perBatch) {
  console.log(
    `${String(b.batch).padStart(6)} ${ms(b.step.medianMs)} ${ms(b.onnxruntime.medianMs)} ${pct(b.optimizerAndBookkeepingShare)} (${pct(b.optimizerAndBookkeepingShareMin).trim()})${' '.repeat(12)} ${pct(b.updateShare)} ${b.samplesPerSecond.toFixed(0).padStart(10)}`,
  );
}
console.log(
  `\ngoal: optimizer + bookkeeping < ${100 * GOAL}% of a batch-128 step: ${result.goal.met ? 'met' : 'not met'} (${(100 * at128.optimizerAndBookkeepingShare).toFixed(1)}%)`,
);
console.log(
  `throughput at batch 128: @adamw/onnxruntime ${result.throughput.onnxruntimeSamplesPerSecond.toFixed(0)} samples/s, @adamw/tfjs on tfjs cpu ${result.throughput.tfjsCpuSamplesPerSecond.toFixed(0)} samples/s (${result.throughput.onnxruntimeOverTfjs.toFixed(1)}x)`,
);
console.log(`wrote ${OUTPUT}`);

await trainer.release();
await session.release();
