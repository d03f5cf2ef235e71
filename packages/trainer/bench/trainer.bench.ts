/**
 * Training steps per second of @adamw/trainer against torch on the CPU, the
 * library a user would pick instead: MLPs 784-128-10 (batch 64) and
 * 784-512-512-10 (batch 256), ReLU, softmax cross-entropy, one AdamW update
 * per step, float32. torch's figures come from bench/torch_baseline.py,
 * which this bench runs first when /usr/bin/python3 has torch (so that both
 * are measured back to back on the same machine); otherwise it reads the
 * committed docs/data/bench/trainer-torch.json and says how old it is.
 * Both sides report the best of several timed windows, with one thread and
 * with two (torch.set_num_threads(2); here one matmul worker thread beside
 * the calling thread, `createMatmulWorkers({ workers: 1 })`).
 *
 * Writes docs/data/bench/trainer.json and prints a table.
 *
 *   pnpm --filter @adamw/trainer bench [-- --quick] [-- --no-torch]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Mlp, Prng, Trainer, type Dtype, type MatmulWorkers } from '../src/index.js';
import { createMatmulWorkers } from '../src/node.js';
import { KernelMemory } from '../src/simd/kernels.js';

const OUT = fileURLToPath(new URL('../../../docs/data/bench/trainer.json', import.meta.url));
const TORCH_JSON = fileURLToPath(new URL('../../../docs/data/bench/trainer-torch.json', import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL('./torch_baseline.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const QUICK = process.argv.includes('--quick');
const NO_TORCH = process.argv.includes('--no-torch');

const MODELS = [
  { name: 'mlp-784-128-10', layers: [784, 128, 10], batch: 64, goal: 0.3 },
  { name: 'mlp-784-512-512-10', layers: [784, 512, 512, 10], batch: 256, goal: 0.5 },
] as const;

interface TorchRow {
  model: string;
  threads: number;
  stepsPerSecond: number;
  medianStepsPerSecond: number;
  stepsPerCpuSecond?: number;
}
interface TorchReport {
  generated: string;
  environment: { torch: string; cpu: string; loadAverage: number[] };
  results: TorchRow[];
}

const log = (message: string) => process.stderr.write(`${message}\n`);
const load = () => loadavg().map((x) => Number(x.toFixed(2)));

/** torch's figures: measured now when torch is here, else the committed file. */
function torchFigures(): { report: TorchReport; measuredNow: boolean } {
  if (!NO_TORCH && existsSync(PYTHON)) {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status === 0) {
      log('torch (bench/torch_baseline.py)...');
      const run = spawnSync(PYTHON, [TORCH_SCRIPT, '--out', TORCH_JSON, ...(QUICK ? ['--quick'] : [])], {
        encoding: 'utf8',
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      if (run.status !== 0) throw new Error(`bench/torch_baseline.py failed with status ${run.status}`);
      return { report: JSON.parse(readFileSync(TORCH_JSON, 'utf8')) as TorchReport, measuredNow: true };
    }
  }
  if (!existsSync(TORCH_JSON)) throw new Error(`no torch here and no ${TORCH_JSON}: run bench/torch_baseline.py where torch is installed`);
  return { report: JSON.parse(readFileSync(TORCH_JSON, 'utf8')) as TorchReport, measuredNow: false };
}

/**
 * The best and the median steps per second over `rounds` windows of about
 * `seconds`, and the best steps per second of this process's CPU time (as
 * the torch script measures them).
 */
function stepsPerSecond(step: () => void, seconds: number, rounds: number): { best: number; median: number; bestCpu: number; perWindow: number } {
  for (let i = 0; i < 20; i++) step();
  let t0 = performance.now();
  for (let i = 0; i < 10; i++) step();
  const perStep = (performance.now() - t0) / 10 / 1000;
  const n = Math.max(5, Math.floor(seconds / perStep));
  const rates: number[] = [];
  let bestCpu = 0;
  for (let r = 0; r < rounds; r++) {
    t0 = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) step();
    rates.push(n / ((performance.now() - t0) / 1000));
    const used = process.cpuUsage(cpu);
    bestCpu = Math.max(bestCpu, n / Math.max((used.user + used.system) / 1e6, 1e-9));
  }
  rates.sort((a, b) => a - b);
  return { best: rates[rates.length - 1]!, median: rates[Math.floor(rates.length / 2)]!, bestCpu, perWindow: n };
}

/** One training step of a model as the bench times it: Trainer.trainBatch on a fixed batch. */
function trainerStep(layers: readonly number[], batch: number, dtype: Dtype, kernel: 'simd' | 'scalar', workers?: MatmulWorkers): () => void {
  const model = new Mlp({ layers, activation: 'relu', dtype, kernel, ...(workers === undefined ? {} : { workers }) }, { seed: 1 });
  const trainer = new Trainer(model, {
    loss: 'softmax-cross-entropy',
    optimizer: { kind: 'adamw', options: { lr: 1e-3, weightDecay: 1e-2 } },
    batchSize: batch,
  });
  const rng = new Prng(2);
  const x = new (dtype === 'float32' ? Float32Array : Float64Array)(batch * layers[0]!);
  for (let i = 0; i < x.length; i++) x[i] = rng.nextFloat();
  const labels = Int32Array.from({ length: batch }, () => rng.nextBelow(layers[layers.length - 1]!));
  return () => void trainer.trainBatch(x, labels, batch);
}

/** GFLOP/s of the three products of the 784 → 512 layer at batch 256 (float32), for the kernels' own record. */
function productRates(): { product: string; shape: string; gflops: number }[] {
  const [M, N, K] = [256, 512, 784];
  const mem = new KernelMemory('float32', KernelMemory.bytesFor('float32', [M * K, N * K, M * N, N * K, M * K]), Math.max(M, N), Math.max(N, K));
  const x = mem.alloc(M * K);
  const w = mem.alloc(N * K);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
  for (let i = 0; i < w.length; i++) w[i] = Math.cos(i);
  const y = mem.alloc(M * N);
  const dw = mem.alloc(N * K);
  const dx = mem.alloc(M * K);
  const products: [string, string, () => void][] = [
    ['forward x·Wᵀ', `${M}×${K} · (${N}×${K})ᵀ`, () => mem.forward(y, x, w, M, N, K)],
    ['weight gradient δᵀ·x', `(${M}×${N})ᵀ · ${M}×${K}`, () => mem.weightGrad(dw, y, x, M, N, K, false)],
    ['input gradient δ·W', `${M}×${N} · ${N}×${K}`, () => mem.inputGrad(dx, y, w, M, N, K)],
  ];
  return products.map(([product, shape, run]) => {
    const { best } = stepsPerSecond(run, QUICK ? 0.2 : 0.5, QUICK ? 3 : 5);
    return { product, shape, gflops: Number(((2 * M * N * K * best) / 1e9).toFixed(1)) };
  });
}

const loadBefore = load();
const torch = torchFigures();
const loadBetween = load();
const seconds = QUICK ? 0.5 : 1.5;
const rounds = QUICK ? 3 : 5;

interface Row {
  model: string;
  batch: number;
  dtype: Dtype;
  kernel: 'simd' | 'scalar';
  threads: number;
  stepsPerSecond: number;
  medianStepsPerSecond: number;
  /** Steps per second of CPU time (all threads): with one thread, the figure that waiting for a core does not lower. */
  stepsPerCpuSecond: number;
  stepsPerWindow: number;
}
const results: Row[] = [];
const workers = await createMatmulWorkers({ workers: 1 });
for (const m of MODELS) {
  const variants: [Dtype, 'simd' | 'scalar', number][] = [
    ['float32', 'simd', 1],
    ['float32', 'simd', 2],
    ['float64', 'simd', 1],
    ['float32', 'scalar', 1],
  ];
  for (const [dtype, kernel, threads] of variants) {
    log(`@adamw/trainer ${m.name} batch ${m.batch}, ${dtype}, ${kernel} kernel, ${threads} thread(s)...`);
    // The scalar loops take about a second per step on the large model: fewer, shorter windows.
    const slow = kernel === 'scalar';
    const step = trainerStep(m.layers, m.batch, dtype, kernel, threads > 1 ? workers : undefined);
    const r = stepsPerSecond(step, slow ? seconds / 2 : seconds, slow ? 2 : rounds);
    results.push({
      model: m.name,
      batch: m.batch,
      dtype,
      kernel,
      threads,
      stepsPerSecond: Number(r.best.toFixed(2)),
      medianStepsPerSecond: Number(r.median.toFixed(2)),
      stepsPerCpuSecond: Number(r.bestCpu.toFixed(2)),
      stepsPerWindow: r.perWindow,
    });
  }
}
await workers.close();
log('products...');
const products = productRates();
const loadAfter = load();

const torchRow = (model: string, threads: number) => torch.report.results.find((r) => r.model === model && r.threads === threads);
const torchRate = (model: string, threads: number) => torchRow(model, threads)?.stepsPerSecond;
const ours = (model: string, threads = 1) =>
  results.find((r) => r.model === model && r.dtype === 'float32' && r.kernel === 'simd' && r.threads === threads)!.stepsPerSecond;
const oursCpu = (model: string) => results.find((r) => r.model === model && r.dtype === 'float32' && r.kernel === 'simd' && r.threads === 1)!.stepsPerCpuSecond;
const ratios = MODELS.map((m) => {
  const t1 = torchRate(m.name, 1);
  const t2 = torchRate(m.name, 2);
  const t1cpu = torchRow(m.name, 1)?.stepsPerCpuSecond;
  return {
    model: m.name,
    batch: m.batch,
    oursStepsPerSecond: ours(m.name),
    ours2ThreadsStepsPerSecond: ours(m.name, 2),
    torch1ThreadStepsPerSecond: t1 ?? null,
    torch2ThreadsStepsPerSecond: t2 ?? null,
    ratioTo1Thread: t1 === undefined ? null : Number((ours(m.name) / t1).toFixed(3)),
    ratioTo2Threads: t2 === undefined ? null : Number((ours(m.name, 2) / t2).toFixed(3)),
    oursSpeedup2Threads: Number((ours(m.name, 2) / ours(m.name)).toFixed(3)),
    // On a shared machine: the same ratio per second of CPU time, which waiting for a core does not change.
    ratioTo1ThreadPerCpuSecond: t1cpu === undefined ? null : Number((oursCpu(m.name) / t1cpu).toFixed(3)),
    goal: m.goal,
  };
});

const generated = new Date();
const torchAgeHours = (generated.getTime() - Date.parse(torch.report.generated)) / 3.6e6;
const cpu = cpus()[0]?.model ?? 'unknown';
const torchNote = torch.measuredNow
  ? 'torch was measured by bench/torch_baseline.py in this run, just before this package'
  : `torch's figures are from ${torch.report.generated}, ${torchAgeHours.toFixed(1)} hours before this run` +
    (torch.report.environment.cpu === cpu ? ', on a CPU of the same model' : `, on ${torch.report.environment.cpu} (this run: ${cpu})`) +
    ': the ratios mix two occasions';

const report = {
  generated: generated.toISOString(),
  benchmark: 'training steps per second: MLPs 784-128-10 (batch 64) and 784-512-512-10 (batch 256), ReLU, softmax cross-entropy, one AdamW update per step',
  environment: {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu,
    cores: cpus().length,
    torch: torch.report.environment.torch,
    torchMeasuredInThisRun: torch.measuredNow,
    torchGenerated: torch.report.generated,
    loadAverage: { before: loadBefore, afterTorch: loadBetween, after: loadAfter },
    note: `Best of several timed windows on each side (medians beside them); the machine may be shared, so see the load averages. ${torchNote}.`,
  },
  summary: ratios.flatMap((r) => [
    {
      metric: `${r.model} batch ${r.batch}, float32, 1 thread: @adamw/trainer / torch CPU (1 thread), training steps per second`,
      value: r.ratioTo1Thread ?? Number.NaN,
      unit: '×',
      goal: `≥ ${r.goal}`,
      met: r.ratioTo1Thread === null ? null : r.ratioTo1Thread >= r.goal,
    },
    {
      metric: `${r.model}, float32, 1 thread: the same ratio per second of CPU time (what a shared machine does not lower)`,
      value: r.ratioTo1ThreadPerCpuSecond ?? Number.NaN,
      unit: '×',
      goal: 'report',
      met: null,
    },
    {
      metric: `${r.model}: @adamw/trainer with 2 threads / torch with 2 threads`,
      value: r.ratioTo2Threads ?? Number.NaN,
      unit: '×',
      goal: 'report',
      met: null,
    },
    { metric: `${r.model}: @adamw/trainer steps/s (1 thread)`, value: r.oursStepsPerSecond, unit: 'steps/s', goal: 'report', met: null },
    { metric: `${r.model}: @adamw/trainer steps/s (2 threads: workers: 1)`, value: r.ours2ThreadsStepsPerSecond, unit: 'steps/s', goal: 'report', met: null },
    { metric: `${r.model}: torch steps/s (1 thread)`, value: r.torch1ThreadStepsPerSecond ?? Number.NaN, unit: 'steps/s', goal: 'report', met: null },
    { metric: `${r.model}: torch steps/s (2 threads)`, value: r.torch2ThreadsStepsPerSecond ?? Number.NaN, unit: 'steps/s', goal: 'report', met: null },
  ]),
  ratios,
  results,
  products,
  torch: torch.report,
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);

console.table(
  results.map((r) => ({
    model: r.model,
    batch: r.batch,
    dtype: r.dtype,
    kernel: r.kernel,
    threads: r.threads,
    'steps/s': r.stepsPerSecond,
    median: r.medianStepsPerSecond,
    'per CPU-second': r.stepsPerCpuSecond,
  })),
);
console.table(
  ratios.map((r) => ({
    model: r.model,
    'ours 1 thread': r.oursStepsPerSecond,
    'ours 2 threads': r.ours2ThreadsStepsPerSecond,
    'torch 1 thread': r.torch1ThreadStepsPerSecond,
    'torch 2 threads': r.torch2ThreadsStepsPerSecond,
    'ours / torch (1)': r.ratioTo1Thread,
    '(1) per CPU-second': r.ratioTo1ThreadPerCpuSecond,
    'ours / torch (2)': r.ratioTo2Threads,
    goal: `≥ ${r.goal} (1 thread)`,
  })),
);
console.table(products);
console.log(`load average (1, 5, 15 min): before ${loadBefore.join(' ')}, after torch ${loadBetween.join(' ')}, after ${loadAfter.join(' ')}`);
console.log(`${torchNote}. Written to ${OUT}`);
