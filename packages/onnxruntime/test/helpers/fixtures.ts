import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

/** A tensor as stored in a fixture. */
export interface Stored {
  shape: number[];
  data: number[];
}

/** `adamw-onnxruntime-fixture/1`, written by fixtures/generate.py. */
export interface TorchFixture {
  format: 'adamw-onnxruntime-fixture/1';
  name: string;
  description: string;
  dtype: 'float32' | 'float64';
  opset: number;
  operators: string[];
  onnx: string;
  params: Record<string, Stored>;
  data: { x: Stored; y: Stored };
  batches: number[][];
  optimizer: Record<string, unknown> & { noDecay: string[]; scheduleMultipliers: number[] };
  expected: { firstGrads: Record<string, Stored>; losses: number[]; params: Record<string, Stored> };
}

export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.json.gz'))
    .map((f) => f.replace(/\.json\.gz$/, ''))
    .sort();
}

export function loadFixture(name: string): TorchFixture {
  return JSON.parse(gunzipSync(readFileSync(`${FIXTURES_DIR}${name}.json.gz`)).toString('utf8')) as TorchFixture;
}

/** The feeds of one batch: rows of x (float, or int64 token ids) and int64 labels y. */
export function batchFeeds(f: TorchFixture, rows: readonly number[]): Record<string, ort.Tensor> {
  const { x, y } = f.data;
  const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = rows.flatMap((r) => x.data.slice(r * width, (r + 1) * width));
  const dims = [rows.length, ...x.shape.slice(1)];
  const tokens = f.operators.includes('Gather');
  const xt = tokens
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(v)),
        dims,
      )
    : new ort.Tensor(f.dtype, f.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values), dims);
  const yt = new ort.Tensor(
    'int64',
    BigInt64Array.from(rows, (r) => BigInt(y.data[r]!)),
    [rows.length],
  );
  return { x: xt, y: yt };
}

/** Largest |a − e| / max(|e|, floor). */
export function relDeviation(actual: ArrayLike<number>, expected: ArrayLike<number>, floor: number): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), floor);
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  }
  return worst;
}
