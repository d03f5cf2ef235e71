// Step time of each whole-model conformance fixture's model with
// @adamw/onnxruntime (onnxruntime-node, one intra-op thread) against torch
// CPU's time for the same step, read from the JSON that torch_baseline.py
// wrote beside the fixtures (torch on one thread). One step: ONNX Runtime's
// forward + backward run and the AdamW update, on the fixture's first
// trajectory batch. Goal: within 2x of torch on every model.
//
// Prints a table and writes docs/data/bench/onnxruntime-models.json.
//
//   pnpm --filter @adamw/onnxruntime bench:models [--samples N]
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { createOrtTrainer, type OrtTrainer } from '../src/index.js';

const FIXTURES = fileURLToPath(new URL('../../conformance/fixtures/onnx/', import.meta.url));
const BASELINE = join(FIXTURES, 'torch-step-times.baseline.json');
const OUTPUT = fileURLToPath(new URL('../../../docs/data/bench/onnxruntime-models.json', import.meta.url));
const GOAL = 2;
const WARMUP = 10;
const THREADS = 1;

interface Feed {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int64' | 'bool';
  data: (number | boolean)[];
}
interface Fixture {
  name: string;
  onnx: string;
  trainable?: string[];
  trajectory: { optimizer: Record<string, unknown> & { noDecay?: string[] }; steps: Record<string, Feed>[] };
}
interface TorchTimes {
  torch: string;
  threads: number;
  cpu: string;
  measuredAt: string;
  models: Record<string, { medianMs: number; minMs: number; batch: number }>;
}

function tensorOf(f: Feed): ort.Tensor {
  if (f.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(f.data as number[], BigInt), f.shape);
  if (f.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(f.data, Number), f.shape);
  const Float = f.dtype === 'float32' ? Float32Array : Float64Array;
  return new ort.Tensor(f.dtype, Float.from(f.data as number[]), f.shape);
}

async function trainerFor(f: Fixture): Promise<OrtTrainer> {
  const { noDecay = [], scheduleMultipliers: _schedule, ...optimizer } = f.trajectory.optimizer;
  const trainable = f.trainable;
  return createOrtTrainer({
    model: new Uint8Array(Buffer.from(f.onnx, 'base64')),
    optimizer,
    // Exact names: a string pattern matches every name containing it.
    exclude: (name: string) => noDecay.includes(name),
    ...(trainable ? { trainable: (name: string) => trainable.includes(name) } : {}),
    ort,
    sessionOptions: { intraOpNumThreads: THREADS, interOpNumThreads: 1 },
  });
}

async function stepTimes(trainer: OrtTrainer, feeds: Record<string, ort.Tensor>, samples: number): Promise<{ medianMs: number; minMs: number }> {
  for (let i = 0; i < WARMUP; i++) await trainer.step(feeds);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await trainer.step(feeds);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(samples / 2)]!, minMs: times[0]! };
}

const { values } = parseArgs({ options: { samples: { type: 'string', default: '200' } } });
const samples = Number(values.samples);
const torch = JSON.parse(readFileSync(BASELINE, 'utf8')) as TorchTimes;
const files = readdirSync(FIXTURES)
  .filter((n) => n.endsWith('.json.gz'))
  .sort();
const runAt = new Date();
const torchAt = new Date(torch.measuredAt);
const ageHours = (runAt.getTime() - torchAt.getTime()) / 3.6e6;
const newerFixtures = files.filter((n) => statSync(join(FIXTURES, n)).mtime > torchAt);
const cpu = cpus()[0]?.model ?? 'unknown';

const notes: string[] = [`torch ${torch.torch} baseline measured ${torch.measuredAt}, ${ageHours.toFixed(1)} h before this run, on ${torch.cpu}`];
if (torch.cpu !== cpu)
  notes.push(`the torch baseline comes from another CPU (${torch.cpu}; this run: ${cpu}): rerun bench/torch_baseline.py here for a like-for-like ratio`);
if (torch.threads !== THREADS) notes.push(`the torch baseline used ${torch.threads} threads, this run ${THREADS}`);
if (newerFixtures.length > 0) notes.push(`the torch baseline is older than the fixture files ${newerFixtures.join(', ')}: rerun bench/torch_baseline.py`);

interface Row {
  model: string;
  batch: number;
  ortMedianMs: number | null;
  ortMinMs: number | null;
  torchMedianMs: number | null;
  torchMinMs: number | null;
  ratio: number | null;
  ratioFastest: number | null;
  met: boolean | null;
  error?: string;
}
const rows: Row[] = [];
for (const file of files) {
  const f = JSON.parse(gunzipSync(readFileSync(join(FIXTURES, file))).toString('utf8')) as Fixture;
  const feeds = Object.fromEntries(Object.entries(f.trajectory.steps[0]!).map(([k, v]) => [k, tensorOf(v)]));
  const batch = Object.values(f.trajectory.steps[0]!)[0]!.shape[0]!;
  const t = torch.models[f.name];
  const row: Row = {
    model: f.name,
    batch,
    ortMedianMs: null,
    ortMinMs: null,
    torchMedianMs: t?.medianMs ?? null,
    torchMinMs: t?.minMs ?? null,
    ratio: null,
    ratioFastest: null,
    met: null,
  };
  if (t === undefined) notes.push(`the torch baseline has no time for ${f.name}: rerun bench/torch_baseline.py`);
  let trainer: OrtTrainer | undefined;
  try {
    trainer = await trainerFor(f);
    const o = await stepTimes(trainer, feeds, samples);
    row.ortMedianMs = o.medianMs;
    row.ortMinMs = o.minMs;
    if (t !== undefined) {
      row.ratio = o.medianMs / t.medianMs;
      row.ratioFastest = o.minMs / t.minMs;
      row.met = row.ratio <= GOAL;
    }
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0]!.slice(0, 200);
  } finally {
    await trainer?.release();
  }
  rows.push(row);
}

const ms = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
const ratio = (x: number | null): string => (x === null ? '-' : `${x.toFixed(2)}x`);
console.log(`Step time of the whole-model fixtures, ${THREADS} thread, ${samples} steps each (median / fastest, ms)`);
console.log('model                            batch   @adamw/onnxruntime     torch CPU   ratio (median, fastest)');
for (const r of rows) {
  const ortCol = r.error ? 'cannot train yet' : `${ms(r.ortMedianMs)} / ${ms(r.ortMinMs)}`;
  console.log(
    `${r.model.padEnd(32)} ${String(r.batch).padStart(5)}   ${ortCol.padEnd(20)} ${`${ms(r.torchMedianMs)} / ${ms(r.torchMinMs)}`.padEnd(15)} ${ratio(r.ratio)}, ${ratio(r.ratioFastest)}${r.met === false ? '  (goal 2x missed)' : ''}`,
  );
}
for (const r of rows) if (r.error) console.log(`${r.model}: ${r.error}`);
for (const n of notes) console.log(`note: ${n}`);

const report = {
  package: '@adamw/onnxruntime',
  benchmark: 'bench/fixture-models.ts',
  description:
    'One training step (forward + backward in ONNX Runtime, AdamW update) of each adamw-onnx-training/1 fixture model, against torch CPU on the same step.',
  environment: {
    node: process.version,
    cpu,
    cores: cpus().length,
    onnxruntime: 'onnxruntime-node (CPU provider)',
    threads: THREADS,
    samples,
    runAt: runAt.toISOString(),
  },
  torchBaseline: {
    file: 'packages/conformance/fixtures/onnx/torch-step-times.baseline.json',
    torch: torch.torch,
    cpu: torch.cpu,
    threads: torch.threads,
    measuredAt: torch.measuredAt,
    ageHours: Number(ageHours.toFixed(2)),
    stale: newerFixtures.length > 0,
  },
  notes,
  models: rows,
  summary: rows
    .filter((r) => r.ratio !== null)
    .map((r) => ({ metric: `${r.model}: step time vs torch CPU (median)`, value: r.ratio!, unit: 'x', goal: `<= ${GOAL}x`, met: r.met })),
};
mkdirSync(dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${OUTPUT}`);
