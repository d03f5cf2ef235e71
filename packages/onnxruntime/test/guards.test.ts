// The ONNX Runtime trainer against careless and hostile use: checkpoints of
// another shape, labels out of range, empty batches, a model buffer the
// caller reuses, unknown export modes and parameter names that are not
// ordinary object keys.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { createOrtTrainer, type OrtTrainer } from '../src/index.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';
import { makeModel, random, randoms } from './helpers/onnx.js';

const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function snapshot(t: OrtTrainer) {
  const bits = (a: Float32Array | Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return {
    params: Object.fromEntries(Object.entries(t.parameters).map(([k, v]) => [k, bits(v)])),
    states: Object.fromEntries(Object.entries(t.states).map(([k, s]) => [k, { step: s.step, m: bits(s.m), v: bits(s.v) }])),
    stepCount: t.stepCount,
  };
}

/** z = x·W (transB 0, W [6, 4]) or x·Wᵀ (transB 1, W [4, 6]); loss = mean(z²). */
function squareModel(transB: 0 | 1, name = 'W'): Uint8Array {
  const rand = random(7);
  return makeModel({
    nodes: [
      { op: 'Gemm', inputs: ['x', name], outputs: ['z'], attrs: { transB } },
      { op: 'Mul', inputs: ['z', 'z'], outputs: ['z2'] },
      { op: 'ReduceMean', inputs: ['z2'], outputs: ['loss'], attrs: { keepdims: 0 } },
    ],
    inputs: [{ name: 'x', type: 'float32', dims: ['batch', 6] }],
    initializers: [{ name, type: 'float32', dims: transB === 1 ? [4, 6] : [6, 4], values: randoms(rand, 24, -0.5, 0.5) }],
    outputs: [{ name: 'loss', type: 'float32', dims: [] }],
  });
}

/** The 4-8-3 classifier with the loss node's ignore_index removed (ONNX's default: no label is ignored). */
function classifierWithoutIgnoreIndex(): Uint8Array {
  const rand = random(3);
  return makeModel({
    nodes: [
      { op: 'Gemm', inputs: ['x', 'fc.weight', 'fc.bias'], outputs: ['z'], attrs: { transB: 1 } },
      { op: 'SoftmaxCrossEntropyLoss', inputs: ['z', 'y'], outputs: ['loss'], attrs: { reduction: 'mean' } },
    ],
    inputs: [
      { name: 'x', type: 'float32', dims: ['batch', 4] },
      { name: 'y', type: 'int64', dims: ['batch'] },
    ],
    initializers: [
      { name: 'fc.weight', type: 'float32', dims: [3, 4], values: randoms(rand, 12, -0.5, 0.5) },
      { name: 'fc.bias', type: 'float32', dims: [3], values: randoms(rand, 3, -0.1, 0.1) },
    ],
    outputs: [{ name: 'loss', type: 'float32', dims: [] }],
  });
}

function withLabels(batch: { x: ort.Tensor; y: ort.Tensor }, labels: number[]): { x: ort.Tensor; y: ort.Tensor } {
  return { x: batch.x, y: new ort.Tensor('int64', BigInt64Array.from(labels.map(BigInt)), [labels.length]) };
}

describe('checkpoints of another shape', () => {
  it('a checkpoint of a [4, 6] W is refused by a trainer whose W is [6, 4] (same length), naming both shapes; nothing changes', async () => {
    const a = await createOrtTrainer({ model: squareModel(1), ort, sessionOptions });
    const b = await createOrtTrainer({ model: squareModel(0), ort, sessionOptions });
    const x = new ort.Tensor('float32', Float32Array.from(randoms(random(1), 12, -1, 1)), [2, 6]);
    await a.step({ x });
    await b.step({ x });
    const before = snapshot(b);
    expect(() => b.loadCheckpoint(a.saveCheckpoint())).toThrow(/checkpoint parameter 'W' has shape \[4, 6\], but the model's is \[6, 4\]/);
    expect(snapshot(b)).toEqual(before);
    // The same shape still loads.
    const c = await createOrtTrainer({ model: squareModel(1), ort, sessionOptions });
    c.loadCheckpoint(a.saveCheckpoint());
    expect(snapshot(c)).toEqual(snapshot(a));
    for (const t of [a, b, c]) await t.release();
  });
});

describe('labels out of range', () => {
  it('a label outside [0, classes) is refused before running, as torch refuses it; the ignore_index label is accepted', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    await trainer.step(classifierBatch(4, 0));
    const before = snapshot(trainer);
    const batch = classifierBatch(4, 1);
    await expect(trainer.step(withLabels(batch, [0, 1, -1, 2]))).rejects.toThrow(
      /feed 'y' holds -1 at index 2; SoftmaxCrossEntropyLoss needs labels in \[0, 3\) or its ignore_index -100/,
    );
    await expect(trainer.step(withLabels(batch, [0, 3, 1, 2]))).rejects.toThrow(/feed 'y' holds 3 at index 1/);
    await expect(trainer.evaluate(withLabels(batch, [0, 3, 1, 2]))).rejects.toThrow(/feed 'y' holds 3 at index 1/);
    expect(snapshot(trainer)).toEqual(before);
    await trainer.step(withLabels(batch, [0, -100, 1, 2]));
    expect(trainer.stepCount).toBe(2);
    await trainer.release();
  });

  it('without ignore_index no negative label is accepted', async () => {
    const trainer = await createOrtTrainer({ model: classifierWithoutIgnoreIndex(), ort, sessionOptions });
    const before = snapshot(trainer);
    const batch = classifierBatch(3, 2);
    for (const bad of [-1, -100]) {
      await expect(trainer.step(withLabels(batch, [0, bad, 1]))).rejects.toThrow(
        new RegExp(`feed 'y' holds ${bad} at index 1; SoftmaxCrossEntropyLoss needs labels in \\[0, 3\\) \\(it has no ignore_index\\)`),
      );
    }
    expect(snapshot(trainer)).toEqual(before);
    await trainer.release();
  });
});

describe('empty batches', () => {
  it('a batch of 0 rows is refused with a message naming the feed, before ONNX Runtime runs', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    const before = snapshot(trainer);
    const empty = { x: new ort.Tensor('float32', new Float32Array(0), [0, 4]), y: new ort.Tensor('int64', new BigInt64Array(0), [0]) };
    await expect(trainer.step(empty)).rejects.toThrow(/feed 'x' has shape \[0, 4\], which holds no values; a step needs a batch of at least one row/);
    await expect(trainer.evaluate(empty)).rejects.toThrow(/feed 'x' has shape \[0, 4\], which holds no values/);
    expect(snapshot(trainer)).toEqual(before);
    await trainer.release();
  });
});

describe('the caller reusing its model buffer', () => {
  it('exportModel and evaluate read the model as it was when the trainer was made (a Buffer too)', async () => {
    const bytes = Buffer.from(classifierModel());
    const trainer = await createOrtTrainer({ model: bytes, ort, sessionOptions });
    await trainer.step(classifierBatch(8, 3));
    const expected = await trainer.evaluate(classifierBatch(8, 4));
    bytes.fill(0);
    expect(await trainer.evaluate(classifierBatch(8, 4))).toBe(expected);
    const exported = await ort.InferenceSession.create(trainer.exportModel(), sessionOptions);
    const out = await exported.run(classifierBatch(8, 4));
    expect(out['loss']!.data[0]).toBe(expected);
    await exported.release();
    await trainer.release();
  });
});

describe('exportModel options', () => {
  it("an unknown dropout mode or option is refused, naming the valid ones ('keep', 'eval')", async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    expect(() => trainer.exportModel({ dropout: 'evaluate' as never })).toThrow(/exportModel: dropout must be 'keep' or 'eval', got 'evaluate'/);
    expect(() => trainer.exportModel({ droput: 'eval' } as never)).toThrow(/exportModel: unknown option 'droput'; known options: dropout/);
    expect(() => trainer.exportModel(null as never)).toThrow(/exportModel options must be an object/);
    expect(trainer.exportModel({ dropout: 'eval' })).toBeInstanceOf(Uint8Array);
    await trainer.release();
  });
});

describe('parameter names that are not ordinary keys', () => {
  it("initializers named '__proto__', 'constructor' or 'prototype' are refused when the trainer is made, and no prototype changes", async () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      await expect(createOrtTrainer({ model: squareModel(1, name), ort, sessionOptions })).rejects.toThrow(
        new RegExp(`the model's initializer '${name}' cannot be trained under that name`),
      );
    }
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
  });

  it("names Object.prototype has, such as 'toString' and 'valueOf', train and checkpoint like any other", async () => {
    const a = await createOrtTrainer({ model: squareModel(1, 'toString'), ort, sessionOptions });
    const x = new ort.Tensor('float32', Float32Array.from(randoms(random(2), 12, -1, 1)), [2, 6]);
    await a.step({ x });
    const b = await createOrtTrainer({ model: squareModel(1, 'toString'), ort, sessionOptions });
    b.loadCheckpoint(a.saveCheckpoint());
    expect(snapshot(b)).toEqual(snapshot(a));
    const c = await createOrtTrainer({ model: squareModel(1, 'valueOf'), ort, sessionOptions });
    const before = snapshot(c);
    expect(() => c.loadCheckpoint(a.saveCheckpoint())).toThrow(/missing valueOf; unknown toString/);
    expect(snapshot(c)).toEqual(before);
    for (const t of [a, b, c]) await t.release();
  });
});

describe('options of the wrong type', () => {
  it('exclude: 5 is named as the trainer option it is', async () => {
    await expect(createOrtTrainer({ model: classifierModel(), exclude: 5 as never, ort })).rejects.toThrow(
      /options\.exclude must be a name pattern .*got number 5/,
    );
    await expect(createOrtTrainer({ model: classifierModel(), exclude: ['bias', 5] as never, ort })).rejects.toThrow(
      /options\.exclude\[1\] must be a name pattern/,
    );
  });
});
