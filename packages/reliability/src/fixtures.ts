import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PACKAGE_DIR } from './child.js';

/** The parts of a torch trajectory fixture (`adamw-trajectory/1`) these tests use. */
export interface Trajectory {
  name: string;
  dtype: 'float32' | 'float64';
  model: { layers: number[]; activation: string; loss: 'softmax-cross-entropy' | 'mse' };
  params: Record<string, { shape: number[]; data: number[] }>;
  onnx: string;
  data: { x: { shape: number[]; data: number[] }; y: { shape: number[]; data: number[] } };
  batches: number[][];
}

/** Reads a trajectory fixture of packages/conformance by file name. */
export function trajectory(file: string): Trajectory {
  const path = join(PACKAGE_DIR, '..', 'conformance', 'fixtures', 'trajectories', file);
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as Trajectory;
}

/** One batch of a trajectory: rows gathered, inputs of the fixture's dtype, labels or targets. */
export function batchOf(t: Trajectory, k: number): { x: Float32Array | Float64Array; y: number[]; rows: number } {
  const rows = t.batches[k % t.batches.length]!;
  const width = t.data.x.shape[1]!;
  const yWidth = t.data.y.shape[1] ?? 1;
  const x = rows.flatMap((r) => t.data.x.data.slice(r * width, (r + 1) * width));
  const y = rows.flatMap((r) => t.data.y.data.slice(r * yWidth, (r + 1) * yWidth));
  return { x: t.dtype === 'float32' ? Float32Array.from(x) : Float64Array.from(x), y, rows: rows.length };
}

/** An ONNX model of this package's fixtures folder (written by fixtures/generate.py). */
export function onnxFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(PACKAGE_DIR, 'fixtures', name)));
}
