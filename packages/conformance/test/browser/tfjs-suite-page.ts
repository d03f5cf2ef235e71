// The page of the tfjs browser suite: @adamw/tfjs on a GPU backend of tfjs
// (webgl or webgpu), checked against what is known to be right — the
// arrays path on the cpu backend, an uninterrupted run, tfjs's own tensor
// count. It returns what it measured; the test decides.
import { AdamWOptimizer, adamw, checksummed, type TfjsAdamWOptions } from '@adamw/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededValues } from '@adamw/test-utils/random';
import { expose } from '../../src/browser/in-page';

type GpuBackend = 'webgl' | 'webgpu';

async function use(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`the tfjs ${backend} backend did not initialise`);
  await tf.ready();
}

/** Deterministic pseudo-random float32 values in [-scale, scale). */
function lcg(n: number, seed: number, scale = 1): Float32Array {
  return seededValues(n, seed, scale, Float32Array);
}

/**
 * Counts the backend's synchronous reads (`dataSync`, `arraySync` and every
 * other blocking read end in `readSync`) while `inside()` says so.
 */
function countSyncReads(inside: () => boolean): { reads: () => number; restore: () => void } {
  const backend = tf.backend();
  const original = backend.readSync;
  let reads = 0;
  backend.readSync = function (this: tf.KernelBackend, dataId: object) {
    if (inside()) reads++;
    return original.call(this, dataId);
  };
  return { reads: () => reads, restore: () => void (backend.readSync = original) };
}

/** Wraps `optimizer.applyGradients` so that `inside()` is true while it runs. */
function markSteps(optimizer: AdamWOptimizer): { inside: () => boolean; steps: () => number } {
  const original = optimizer.applyGradients.bind(optimizer);
  let depth = 0;
  let steps = 0;
  optimizer.applyGradients = (grads) => {
    depth++;
    steps++;
    try {
      original(grads);
    } finally {
      depth--;
    }
  };
  return { inside: () => depth > 0, steps: () => steps };
}

// ---------------------------------------------------------------------------
// The ops path on the GPU against the arrays path (@adamw/core's kernel) on cpu

const SHAPES: Record<string, number[]> = { kernel: [48, 20], bias: [20] };
const STEPS = 40;
let counter = 0;

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** max |a − b| over max |b|: deviation on the array's own scale. */
function scaled(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

async function trainVariables(backend: string, options: TfjsAdamWOptions) {
  await use(backend);
  const prefix = `suite${counter++}`;
  const variables = Object.entries(SHAPES).map(([k, shape], i) => tf.variable(tf.tensor(lcg(sizeOf(shape), 7 + i), shape), true, `${prefix}/${k}`));
  const optimizer = adamw(options);
  const marks = markSteps(optimizer);
  const sync = countSyncReads(marks.inside);
  try {
    for (let step = 0; step < STEPS; step++) {
      const grads = Object.values(SHAPES).map((shape, i) => ({
        name: variables[i]!.name,
        tensor: tf.tensor(lcg(sizeOf(shape), 1000 * step + i, step % 7 === 3 ? 5 : 0.3), shape),
      }));
      optimizer.applyGradients(grads);
      tf.dispose(grads.map((g) => g.tensor));
    }
  } finally {
    sync.restore();
  }
  const values = await Promise.all(variables.map(async (v) => Array.from(await v.data())));
  const moments: Record<string, number[]> = {};
  for (const w of await optimizer.getWeights()) moments[w.name.slice(w.name.indexOf('/') + 1)] = Array.from(await w.tensor.data());
  const path = optimizer.activePath;
  optimizer.dispose();
  tf.dispose(variables);
  return { values, moments, path, syncReads: sync.reads() };
}

async function pathsAgree(input: { backend: GpuBackend; cases: [string, TfjsAdamWOptions][] }) {
  const out: { label: string; path: string; syncReads: number; params: number; moments: number; countsEqual: boolean; sameAsCpuOps: boolean }[] = [];
  for (const [label, options] of input.cases) {
    const reference = await trainVariables('cpu', { ...options, path: 'arrays' });
    const cpuOps = await trainVariables('cpu', { ...options, path: 'ops' });
    const gpu = await trainVariables(input.backend, options);
    let params = 0;
    gpu.values.forEach((v, i) => (params = Math.max(params, scaled(v, reference.values[i]!))));
    let moments = 0;
    let countsEqual = Object.keys(gpu.moments).join() === Object.keys(reference.moments).join();
    for (const [k, ref] of Object.entries(reference.moments)) {
      const got = gpu.moments[k] ?? [];
      if (k === 'iter' || k.endsWith('/step')) countsEqual &&= got.join() === ref.join();
      else moments = Math.max(moments, scaled(got, ref));
    }
    // Whether the GPU computed what the same tensor ops compute on the cpu backend, bit for bit.
    const sameAsCpuOps = JSON.stringify([gpu.values, gpu.moments]) === JSON.stringify([cpuOps.values, cpuOps.moments]);
    out.push({ label, path: gpu.path, syncReads: gpu.syncReads, params, moments, countsEqual, sameAsCpuOps });
  }
  return out;
}

// ---------------------------------------------------------------------------
// compile + fit + save to IndexedDB through checksummed + reload

function buildModel(): tfl.Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ units: 16, inputShape: [8], activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return model;
}

/** tfjs's own IndexedDB handler for a URL, without the checksums. */
function indexedDB(url: string): tf.io.IOHandler {
  const [handler] = tf.io.getLoadHandlers(url);
  if (handler === undefined) throw new Error(`no tfjs handler for ${url}`);
  return handler;
}

const FIT = { batchSize: 16, shuffle: false, verbose: 0 as const };

async function valuesOf(model: tfl.LayersModel): Promise<number[][]> {
  return Promise.all(model.getWeights().map(async (w) => Array.from(await w.data())));
}

async function fitSaveReload(input: { backend: GpuBackend; options: TfjsAdamWOptions; epochs: [number, number] }) {
  await use(input.backend);
  const [before, after] = input.epochs;
  const start = tf.memory().numTensors;
  const x = tf.tensor(lcg(64 * 8, 11), [64, 8]);
  const labels = Array.from(lcg(64, 12), (r) => Math.floor((r + 1) * 1.5));
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32'));

  // The uninterrupted run.
  const whole = buildModel();
  whole.compile({ optimizer: adamw(input.options), loss: 'categoricalCrossentropy' });
  const wholeLosses = (await whole.fit(x, y, { ...FIT, epochs: before + after })).history.loss as number[];
  const wholeValues = await valuesOf(whole);
  (whole.optimizer as AdamWOptimizer).dispose();
  whole.dispose();

  // The interrupted one: fit, save, fit on; the saved copy reloaded and fit on.
  const model = buildModel();
  const optimizer = adamw(input.options);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const marks = markSteps(optimizer);
  const sync = countSyncReads(marks.inside);
  const perBatch: number[] = [];
  const beforeFit = tf.memory().numTensors;
  const first = await model.fit(x, y, { ...FIT, epochs: before, callbacks: { onBatchEnd: async () => void perBatch.push(tf.memory().numTensors) } });
  sync.restore();
  const stepsWatched = marks.steps();
  const afterFirstFit = tf.memory().numTensors;
  const url = `indexeddb://adamw-suite-${input.backend}`;
  await model.save(checksummed(url), { includeOptimizer: true });
  const stored = await indexedDB(url).load!();
  const record = stored.userDefinedMetadata?.adamwCheckpoint ?? null;
  const optimizerSpecs = (stored.weightSpecs ?? []).filter((s) => s.group === 'optimizer').map((s) => s.name);

  const afterSave = tf.memory().numTensors;
  const continued = (await model.fit(x, y, { ...FIT, epochs: after })).history.loss as number[];
  const afterContinued = tf.memory().numTensors;
  const continuedValues = await valuesOf(model);

  const restored = await tfl.loadLayersModel(checksummed(url));
  const restoredOptimizer = restored.optimizer as AdamWOptimizer;
  const restoredIsAdamW = restoredOptimizer instanceof AdamWOptimizer;
  const restoredIterations = restoredOptimizer.iterations;
  const resumed = (await restored.fit(x, y, { ...FIT, epochs: after })).history.loss as number[];
  const resumedValues = await valuesOf(restored);

  // A damaged copy of the checkpoint is refused.
  const bytes = new Uint8Array((stored.weightData as ArrayBuffer).slice(0));
  bytes[bytes.length - 3]! ^= 0x10;
  await indexedDB(`${url}-damaged`).save!({ ...stored, weightData: bytes.buffer });
  const damaged = await tfl.loadLayersModel(checksummed(`${url}-damaged`)).then(
    () => 'loaded',
    (e: Error) => e.message,
  );

  restoredOptimizer.dispose();
  restored.dispose();
  optimizer.dispose();
  const afterOptimizerDispose = tf.memory().numTensors;
  model.dispose();
  tf.dispose([x, y]);
  const end = tf.memory().numTensors;
  await tf.io.removeModel(url);
  await tf.io.removeModel(`${url}-damaged`);

  return {
    path: optimizer.activePath,
    steps: stepsWatched,
    syncReadsInSteps: sync.reads(),
    losses: { whole: wholeLosses, first: first.history.loss as number[], continued, resumed },
    values: { whole: wholeValues, continued: continuedValues, resumed: resumedValues },
    restoredIsAdamW,
    restoredIterations,
    record,
    optimizerSpecs,
    damaged,
    tensors: { start, beforeFit, perBatch, afterFirstFit, afterSave, afterContinued, afterOptimizerDispose, end },
    batchesPerEpoch: Math.ceil(64 / FIT.batchSize),
    variables: model.trainableWeights.length,
    moments: (input.options.amsgrad ? 3 : 2) * model.trainableWeights.length,
  };
}

// ---------------------------------------------------------------------------
// nonFinite on the GPU: the one boolean read back, the step skipped or refused

async function nonFinite(input: { backend: GpuBackend }) {
  await use(input.backend);
  const w = tf.variable(tf.tensor(lcg(6, 3), [2, 3]), true, `nf${counter++}/kernel`);
  const before = Array.from(await w.data());
  const bad = new Float32Array(6).fill(0.1);
  bad[4] = Number.NaN;
  const grads = [{ name: w.name, tensor: tf.tensor(bad, [2, 3]) }];
  const skip = adamw({ nonFinite: 'skip' });
  skip.applyGradients(grads);
  const afterSkip = Array.from(await w.data());
  const throwing = adamw({ nonFinite: 'throw' });
  let thrown = '';
  try {
    throwing.applyGradients(grads);
  } catch (e) {
    thrown = (e as Error).message;
  }
  const afterThrow = Array.from(await w.data());
  const propagate = adamw({});
  propagate.applyGradients(grads);
  const afterPropagate = Array.from(await w.data());
  const iterations = [skip.iterations, throwing.iterations, propagate.iterations];
  for (const o of [skip, throwing, propagate]) o.dispose();
  tf.dispose([w, grads[0]!.tensor]);
  return { before, afterSkip, thrown, afterThrow, afterPropagate, iterations };
}

export const api = expose({ pathsAgree, fitSaveReload, nonFinite });
export type TfjsSuiteApi = typeof api;
