import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './workspace.js';

/** The torch trajectory the smoke tests train on: a small float32 MLP with its ONNX export. */
export const SMOKE_FIXTURE = 'packages/conformance/fixtures/trajectories/iris-sigmoid-ce-amsgrad-f32.json.gz';

interface Trajectory {
  model: { layers: number[]; activation: string; loss: string };
  params: Record<string, { shape: number[]; data: number[] }>;
  onnx: string;
  data: { x: { shape: number[]; data: number[] }; y: { data: number[] } };
  batches: number[][];
  optimizer: Record<string, unknown>;
  expected: { losses: number[] };
}

/** What the trainer and onnxruntime smoke scripts read: the model, its first batch and torch's loss on it. */
export interface SmokeFixture {
  json: {
    layers: number[];
    activation: string;
    params: Record<string, number[]>;
    x: number[];
    y: number[];
    optimizer: Record<string, unknown>;
    expectedLoss: number;
  };
  /** torch.onnx.export of forward and loss (inputs x, y; output loss). */
  onnx: Uint8Array;
}

let cached: SmokeFixture | undefined;

/** The first batch of {@link SMOKE_FIXTURE}, ready to write into a consumer project. */
export function smokeFixture(): SmokeFixture {
  if (cached) return cached;
  const t = JSON.parse(gunzipSync(readFileSync(join(ROOT, SMOKE_FIXTURE))).toString('utf8')) as Trajectory;
  const width = t.data.x.shape[1]!;
  const rows = t.batches[0]!;
  const { noDecay: _noDecay, scheduleMultipliers: _multipliers, ...optimizer } = t.optimizer;
  cached = {
    json: {
      layers: t.model.layers,
      activation: t.model.activation,
      params: Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, v.data])),
      x: rows.flatMap((r) => t.data.x.data.slice(r * width, (r + 1) * width)),
      y: rows.map((r) => t.data.y.data[r]!),
      optimizer,
      expectedLoss: t.expected.losses[0]!,
    },
    onnx: Buffer.from(t.onnx, 'base64'),
  };
  return cached;
}
