// Measures @adamw/tfjs against tf.train.adam on tfjs's cpu and wasm backends:
// the time of one optimizer step at 1M and 8M parameters (the same fixed
// gradients every step, so only the optimizer is timed; AdamW on its default
// path, with inPlace: false, and forced onto tensor ops) and the training
// throughput of an MNIST-sized MLP (784-128-10) with model.fit on synthetic
// data. Prints a table and writes docs/data/bench/tfjs.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { Bench, type Task } from 'tinybench';
import { adamw } from '../src/index.js';

const OUTPUT = fileURLToPath(new URL('../../../docs/data/bench/tfjs.json', import.meta.url));
const BACKENDS = ['cpu', 'wasm'] as const;
const SIZES = [1_000_000, 8_000_000];
const FIT_SAMPLES = 2048;
const FIT_BATCH = 64;

tf.env().set('PROD', true);

type Backend = (typeof BACKENDS)[number];
type OptimizerKind = 'adamw' | 'adamw-copy' | 'adamw-ops' | 'adam';

interface StepResult {
  backend: Backend;
  params: number;
  optimizer: OptimizerKind;
  /** The path the AdamW optimizer took (`tf.train.adam` has only tensor ops). */
  path: 'arrays' | 'ops';
  /** Median time of one step: the ratios use it, as it shrugs off GC pauses and a busy machine. */
  medianMs: number;
  meanMs: number;
  rmePercent: number;
  samples: number;
}

interface FitResult {
  backend: Backend;
  optimizer: 'adamw' | 'adam';
  /** From the median epoch time. */
  samplesPerSecond: number;
  medianMsPerEpoch: number;
  rmePercent: number;
}

function makeOptimizer(kind: OptimizerKind): tf.Optimizer {
  if (kind === 'adam') return tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  if (kind === 'adamw-copy') return adamw({ lr: 1e-3, weightDecay: 1e-2, inPlace: false });
  return adamw({ lr: 1e-3, weightDecay: 1e-2, path: kind === 'adamw' ? 'auto' : 'ops' });
}

function stats(task: Task) {
  const r = task.result;
  if (r === undefined || r.error !== undefined) throw r?.error ?? new Error(`task ${task.name} did not run`);
  return { medianMs: r.latency.p50 ?? r.latency.mean, meanMs: r.latency.mean, rmePercent: r.latency.rme, samples: r.latency.samples.length };
}

let nameCounter = 0;

/** A kernel and a bias that together hold `size` parameters, and fixed gradients for them. */
function makeModelVariables(size: number) {
  const prefix = `bench${nameCounter++}`;
  const width = 1000;
  const rows = size / width - 1;
  // Made inside tidy so that each variable owns its data alone, as layers' variables do.
  const kernel = tf.tidy(() => tf.variable(tf.randomNormal([rows, width], 0, 0.05, 'float32', 1), true, `${prefix}/kernel`));
  const bias = tf.tidy(() => tf.variable(tf.zeros([width]), true, `${prefix}/bias`));
  const grads = [
    { name: kernel.name, tensor: tf.randomNormal([rows, width], 0, 1e-3, 'float32', 2) },
    { name: bias.name, tensor: tf.randomNormal([width], 0, 1e-3, 'float32', 3) },
  ];
  return { variables: [kernel, bias], grads };
}

async function benchSteps(backend: Backend): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const size of SIZES) {
    const bench = new Bench({ time: size > 2_000_000 ? 2500 : 1200, iterations: 4, warmupIterations: 2, warmupTime: 0 });
    const cleanup: (() => void)[] = [];
    for (const kind of ['adamw', 'adamw-copy', 'adamw-ops', 'adam'] as const) {
      const { variables, grads } = makeModelVariables(size);
      const optimizer = makeOptimizer(kind);
      bench.add(kind, () => optimizer.applyGradients(grads));
      cleanup.push(() => {
        optimizer.dispose();
        tf.dispose([...variables, ...grads.map((g) => g.tensor)]);
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const kind = task.name as OptimizerKind;
      out.push({ backend, params: size, optimizer: kind, path: kind === 'adamw' || kind === 'adamw-copy' ? 'arrays' : 'ops', ...stats(task) });
    }
    for (const c of cleanup) c();
  }
  return out;
}

function mnistModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [tfl.layers.dense({ units: 128, inputShape: [784], activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
  });
}

async function benchFit(backend: Backend): Promise<FitResult[]> {
  const x = tf.randomUniform([FIT_SAMPLES, 784], 0, 1, 'float32', 4);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([FIT_SAMPLES], 0, 10, 'int32', 5), 10), 'float32'));
  const bench = new Bench({ time: 3000, iterations: 3, warmupIterations: 1, warmupTime: 0 });
  const models: tfl.Sequential[] = [];
  for (const kind of ['adamw', 'adam'] as const) {
    const model = mnistModel();
    model.compile({ optimizer: makeOptimizer(kind), loss: 'categoricalCrossentropy' });
    models.push(model);
    bench.add(kind, async () => {
      await model.fit(x, y, { epochs: 1, batchSize: FIT_BATCH, shuffle: false, verbose: 0 });
    });
  }
  await bench.run();
  const out = bench.tasks.map((task) => {
    const s = stats(task);
    return {
      backend,
      optimizer: task.name as 'adamw' | 'adam',
      samplesPerSecond: FIT_SAMPLES / (s.medianMs / 1000),
      medianMsPerEpoch: s.medianMs,
      rmePercent: s.rmePercent,
    };
  });
  for (const m of models) {
    m.optimizer.dispose();
    m.dispose();
  }
  tf.dispose([x, y]);
  return out;
}

const steps: StepResult[] = [];
const fits: FitResult[] = [];
for (const backend of BACKENDS) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  await tf.ready();
  process.stderr.write(`benchmarking on ${backend}...\n`);
  steps.push(...(await benchSteps(backend)));
  fits.push(...(await benchFit(backend)));
}

const find = (backend: Backend, params: number, optimizer: OptimizerKind) =>
  steps.find((s) => s.backend === backend && s.params === params && s.optimizer === optimizer)!;
const ratios = BACKENDS.flatMap((backend) =>
  SIZES.map((params) => {
    const adam = find(backend, params, 'adam').medianMs;
    return {
      backend,
      params,
      /** Median step time of AdamW (auto path) over tf.train.adam's: below 1 is faster. */
      adamwOverAdam: find(backend, params, 'adamw').medianMs / adam,
      adamwCopyOverAdam: find(backend, params, 'adamw-copy').medianMs / adam,
      adamwOpsOverAdam: find(backend, params, 'adamw-ops').medianMs / adam,
    };
  }),
);
const fitRatios = BACKENDS.map((backend) => {
  const of = (o: 'adamw' | 'adam') => fits.find((f) => f.backend === backend && f.optimizer === o)!.samplesPerSecond;
  return { backend, adamwOverAdamThroughput: of('adamw') / of('adam') };
});

const report = {
  generated: new Date().toISOString(),
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    tfjs: tf.version_core,
  },
  step: steps,
  stepRatios: ratios,
  fit: { model: '784-128-10 MLP, relu + softmax', samples: FIT_SAMPLES, batchSize: FIT_BATCH, results: fits, ratios: fitRatios },
};
mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, `${JSON.stringify(report, null, 2)}\n`);

const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
console.log('\nOne optimizer step (median ms, ± relative margin of error of the mean):');
console.table(
  BACKENDS.flatMap((backend) =>
    SIZES.map((params) => {
      const cell = (o: OptimizerKind) => {
        const s = find(backend, params, o);
        return `${ms(s.medianMs)} ±${s.rmePercent.toFixed(0)}%`;
      };
      const r = ratios.find((x) => x.backend === backend && x.params === params)!;
      return {
        backend,
        params: `${params / 1e6}M`,
        'adamw (arrays)': cell('adamw'),
        'adamw (inPlace: false)': cell('adamw-copy'),
        'adamw (ops)': cell('adamw-ops'),
        'tf.train.adam': cell('adam'),
        'adamw / adam': r.adamwOverAdam.toPrecision(2),
      };
    }),
  ),
);
console.log(`model.fit of a 784-128-10 MLP, ${FIT_SAMPLES} samples, batch ${FIT_BATCH} (samples/s, from the median epoch):`);
console.table(
  BACKENDS.map((backend) => {
    const of = (o: 'adamw' | 'adam') => fits.find((f) => f.backend === backend && f.optimizer === o)!.samplesPerSecond;
    return { backend, adamw: Math.round(of('adamw')), 'tf.train.adam': Math.round(of('adam')), 'adamw / adam': (of('adamw') / of('adam')).toFixed(2) };
  }),
);
console.log(`written to ${OUTPUT}`);
