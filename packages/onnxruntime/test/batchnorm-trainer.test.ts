import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTraining, createOrtTrainer, readInitializers } from '../src/index.js';
import { FIXTURES_DIR } from './helpers/fixtures.js';
import { classifierModel } from './helpers/mlp.js';
import { random, randoms } from './helpers/onnx.js';

/** loss = Σ BatchNorm2d(x) ⊙ r, exported by torch in training mode (opset 15), from the operator fixtures. */
const fixture = JSON.parse(gunzipSync(readFileSync(`${FIXTURES_DIR}ops/torch-ops.json.gz`)).toString('utf8')) as {
  cases: { name: string; onnx: string; feeds: Record<string, { shape: number[]; data: number[] }> }[];
};
const bn = fixture.cases.find((c) => c.name === 'batchnorm2d-opset15')!;
const model = new Uint8Array(Buffer.from(bn.onnx, 'base64'));
const [N, C, H, W] = bn.feeds.x!.shape as [number, number, number, number];
const r = Float32Array.from(bn.feeds.r!.data);
const EPS = 1e-5;
const MOMENTUM = 0.1;

function batch(seed: number): Float32Array {
  const rand = random(seed);
  return Float32Array.from(randoms(rand, N * C * H * W, -1, 3));
}
const feeds = (x: Float32Array) => ({ x: new ort.Tensor('float32', x, [N, C, H, W]), r: new ort.Tensor('float32', r, [N, C, H, W]) });

/** Per-channel mean and unbiased variance of x, in double precision. */
function channelStats(x: Float32Array): { mean: number[]; variance: number[] } {
  const n = N * H * W;
  const mean = new Array<number>(C).fill(0);
  const sq = new Array<number>(C).fill(0);
  for (let i = 0; i < x.length; i++) mean[Math.floor(i / (H * W)) % C]! += x[i]! / n;
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / (H * W)) % C;
    sq[c]! += (x[i]! - mean[c]!) ** 2;
  }
  return { mean, variance: sq.map((s) => s / (n - 1)) };
}

const trainable = ['m.weight', 'm.bias'];

describe('BatchNormalization running statistics in the trainer', () => {
  it('are outputs of the training model: the batch mean and the unbiased variance of every training-mode node', () => {
    const t = buildTraining(model, { trainable });
    expect(t.batchStatistics).toEqual([expect.objectContaining({ runningMean: 'm.running_mean', runningVar: 'm.running_var', momentum: MOMENTUM })]);
  });

  it("follow torch's update over several steps (momentum 0.1, unbiased variance), and export with the model", async () => {
    const trainer = await createOrtTrainer({ model, trainable, ort, sessionOptions: { intraOpNumThreads: 1 } });
    const initial = readInitializers(model, ['m.running_mean', 'm.running_var']);
    const mean = Array.from(initial['m.running_mean']!);
    const variance = Array.from(initial['m.running_var']!);
    for (let step = 0; step < 3; step++) {
      const x = batch(step + 1);
      await trainer.step(feeds(x));
      const s = channelStats(x);
      for (let c = 0; c < C; c++) {
        mean[c] = (1 - MOMENTUM) * mean[c]! + MOMENTUM * s.mean[c]!;
        variance[c] = (1 - MOMENTUM) * variance[c]! + MOMENTUM * s.variance[c]!;
      }
    }
    for (let c = 0; c < C; c++) {
      expect(trainer.runningStatistics['m.running_mean']![c]).toBeCloseTo(mean[c]!, 5);
      expect(trainer.runningStatistics['m.running_var']![c]).toBeCloseTo(variance[c]!, 5);
    }
    const exported = readInitializers(trainer.exportModel(), ['m.running_mean', 'm.running_var']);
    expect(exported['m.running_mean']).toEqual(trainer.runningStatistics['m.running_mean']);
    expect(exported['m.running_var']).toEqual(trainer.runningStatistics['m.running_var']);
    await trainer.release();
  });

  it('evaluate and exportModel({ batchNorm: "eval" }) normalise with them, as torch\'s module.eval()', async () => {
    const trainer = await createOrtTrainer({ model, trainable, ort });
    await trainer.step(feeds(batch(1)));
    const x = batch(9);
    const rm = trainer.runningStatistics['m.running_mean']!;
    const rv = trainer.runningStatistics['m.running_var']!;
    const w = trainer.parameters['m.weight']!;
    const b = trainer.parameters['m.bias']!;
    let expected = 0;
    for (let i = 0; i < x.length; i++) {
      const c = Math.floor(i / (H * W)) % C;
      expected += (((x[i]! - rm[c]!) / Math.sqrt(rv[c]! + EPS)) * w[c]! + b[c]!) * r[i]!;
    }
    expect(await trainer.evaluate(feeds(x))).toBeCloseTo(expected, 3);
    const session = await ort.InferenceSession.create(trainer.exportModel({ batchNorm: 'eval' }));
    expect(Number((await session.run(feeds(x)))['loss']!.data[0])).toBeCloseTo(expected, 3);
    await session.release();
    // Training-mode export (the default) still normalises with the batch's own statistics.
    const kept = await ort.InferenceSession.create(trainer.exportModel());
    expect(Number((await kept.run(feeds(x)))['loss']!.data[0])).not.toBeCloseTo(expected, 1);
    await kept.release();
    await trainer.release();
  });

  it('are checkpointed: a resumed run is the run that was never interrupted, bit for bit', async () => {
    const a = await createOrtTrainer({ model, trainable, ort });
    await a.step(feeds(batch(1)));
    const saved = a.saveCheckpoint();
    await a.step(feeds(batch(2)));
    const b = await createOrtTrainer({ model, trainable, ort });
    b.loadCheckpoint(saved);
    await b.step(feeds(batch(2)));
    for (const name of ['m.running_mean', 'm.running_var']) expect(b.runningStatistics[name]).toEqual(a.runningStatistics[name]);
    for (const name of trainable) expect(b.parameters[name]).toEqual(a.parameters[name]);
    // A checkpoint of a model without them is refused, naming what is missing, and changes nothing.
    const other = await createOrtTrainer({ model: classifierModel(), ort });
    const before = Array.from(b.runningStatistics['m.running_mean']!);
    expect(() => b.loadCheckpoint(other.saveCheckpoint())).toThrow(/running statistics do not match this model: missing m\.running_mean, m\.running_var/);
    expect(Array.from(b.runningStatistics['m.running_mean']!)).toEqual(before);
    for (const t of [a, b, other]) await t.release();
  });

  it('do not move on a skipped step (nonFinite: "skip")', async () => {
    const trainer = await createOrtTrainer({ model, trainable, ort, optimizer: { nonFinite: 'skip' } });
    const before = Array.from(trainer.runningStatistics['m.running_mean']!);
    const x = batch(1);
    x[0] = Number.NaN;
    await trainer.step(feeds(x));
    expect(trainer.stepCount).toBe(0);
    expect(Array.from(trainer.runningStatistics['m.running_mean']!)).toEqual(before);
    await trainer.release();
  });
});
