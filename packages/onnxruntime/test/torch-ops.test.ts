import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTraining, createOrtTrainer, type TrainingModel } from '../src/index.js';
import { FIXTURES_DIR, relDeviation } from './helpers/fixtures.js';

interface StoredTensor {
  shape: number[];
  dtype: 'float32' | 'int64' | 'bool';
  data: number[];
}

/** `adamw-onnxruntime-ops/1`, written by fixtures/generate_ops.py. */
interface OpsFixture {
  format: 'adamw-onnxruntime-ops/1';
  generator: { torch: string; onnx: string; script: string };
  cases: {
    name: string;
    description: string;
    opset: number;
    operators: string[];
    onnx: string;
    feeds: Record<string, StoredTensor>;
    expected: { loss: number; grads: Record<string, StoredTensor>; buffers: Record<string, StoredTensor> };
  }[];
}

const fixture = JSON.parse(gunzipSync(readFileSync(`${FIXTURES_DIR}ops/torch-ops.json.gz`)).toString('utf8')) as OpsFixture;

function tensor(t: StoredTensor): ort.Tensor {
  if (t.dtype === 'int64')
    return new ort.Tensor(
      'int64',
      BigInt64Array.from(t.data, (v) => BigInt(v)),
      t.shape,
    );
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(t.data), t.shape);
  return new ort.Tensor('float32', Float32Array.from(t.data), t.shape);
}

/** Relative deviations with values below the floor compared against it (float32 against torch's float32). */
const FLOOR = 1e-3;
const TOLERANCE = { loss: 1e-5, grads: 1e-4, buffers: 1e-5 };
const measured: Record<string, { loss: number; grads: number; buffers?: number }> = {};

describe('gradient rules against torch autograd (torch 1.13 exports of single operators and blocks)', () => {
  it("covers the operators of today's models", () => {
    expect(fixture.format).toBe('adamw-onnxruntime-ops/1');
    expect(fixture.generator.torch).toMatch(/^1\.13/);
    const ops = new Set(fixture.cases.flatMap((c) => c.operators));
    for (const op of [
      'LayerNormalization',
      'BatchNormalization',
      'Erf',
      'Softplus',
      'Slice',
      'Split',
      'Where',
      'Expand',
      'Tile',
      'Cast',
      'Clip',
      'Min',
      'Max',
      'ReduceMax',
      'ReduceSumSquare',
      'Gather',
      'MatMul',
      'Softmax',
      'Transpose',
      'Reshape',
      'Shape',
      'ConstantOfShape',
      'Range',
      'Equal',
      'Less',
      'Not',
      'Loop',
      'Trilu',
      'Gelu',
    ]) {
      expect(ops, op).toContain(op);
    }
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const model = new Uint8Array(Buffer.from(c.onnx, 'base64'));
    const names = Object.keys(c.expected.grads);
    const training: TrainingModel = buildTraining(model, { trainable: names });
    const session = await ort.InferenceSession.create(training.model, { intraOpNumThreads: 1 });
    const feeds: Record<string, ort.Tensor> = {};
    for (const [n, t] of Object.entries(c.feeds)) feeds[n] = tensor(t);
    for (const p of training.parameters) feeds[p.name] = new ort.Tensor('float32', p.initial as Float32Array, p.dims);
    const out = await session.run(feeds);
    await session.release();
    const loss = relDeviation([Number(out[training.loss]!.data[0])], [c.expected.loss], FLOOR);
    let grads = 0;
    for (const p of training.parameters) {
      const d = relDeviation(out[p.grad]!.data as Float32Array, c.expected.grads[p.name]!.data, FLOOR);
      expect(d, `gradient of ${p.name}`).toBeLessThanOrEqual(TOLERANCE.grads);
      grads = Math.max(grads, d);
    }
    expect(loss, 'loss').toBeLessThanOrEqual(TOLERANCE.loss);
    measured[c.name] = { loss, grads };

    const buffers = Object.entries(c.expected.buffers);
    if (buffers.length > 0) {
      // One step of the trainer folds the batch statistics into the running statistics as torch's forward did.
      const trainer = await createOrtTrainer({ model, trainable: names, optimizer: { lr: 1e-3 }, ort, sessionOptions: { intraOpNumThreads: 1 } });
      await trainer.step(Object.fromEntries(Object.entries(c.feeds).map(([n, t]) => [n, tensor(t)])));
      let worst = 0;
      expect(Object.keys(trainer.runningStatistics).sort()).toEqual(buffers.map(([n]) => n).sort());
      for (const [n, t] of buffers) worst = Math.max(worst, relDeviation(trainer.runningStatistics[n]!, t.data, FLOOR));
      expect(worst, 'running statistics').toBeLessThanOrEqual(TOLERANCE.buffers);
      measured[c.name]!.buffers = worst;
      await trainer.release();
    }
  });

  afterAll(() => {
    const lines = Object.entries(measured).map(
      ([n, m]) =>
        `${n}: grads ${m.grads.toExponential(1)}, loss ${m.loss.toExponential(1)}${m.buffers === undefined ? '' : `, running statistics ${m.buffers.toExponential(1)}`}`,
    );
    if (process.env.ADAMW_REPORT) console.log(lines.join('\n'));
  });
});
