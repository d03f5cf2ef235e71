import { adamwStepNamed, clipByGlobalNormInPlace, initAdamWNamed, noDecayRule, type AdamWState } from '@adamw/core';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildTraining, createOrtTrainer, type OrtTrainer } from '../src/index.js';
import { decodeModel } from '../src/proto/codec.js';
import { readFloatTensor } from '../src/proto/tensor.js';
import { classifierBatch, classifierModel } from './helpers/mlp.js';

const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function snapshot(t: OrtTrainer) {
  const copy = <T extends Float32Array | Float64Array>(a: T): T => a.slice() as T;
  return {
    params: Object.fromEntries(Object.entries(t.parameters).map(([k, v]) => [k, copy(v)])),
    states: Object.fromEntries(Object.entries(t.states).map(([k, s]) => [k, { step: s.step, m: copy(s.m), v: copy(s.v), vMax: s.vMax && copy(s.vMax) }])),
    stepCount: t.stepCount,
  };
}

describe('createOrtTrainer', () => {
  it('computes exactly what a separate run of the training model followed by core AdamW computes (exclude, schedule, clipping)', async () => {
    const model = classifierModel();
    const optimizer = { lr: 0.05, weightDecay: 0.1, beta2: 0.99 };
    const schedule = (t: number): number => 1 / (1 + t);
    const trainer = await createOrtTrainer({ model, optimizer, exclude: ['fc1.bias', /fc2\.bias/], schedule, clipGlobalNorm: 0.5, ort, sessionOptions });
    // reference: the training model in its own session, gradients clipped, core's named step
    const training = buildTraining(model);
    const session = await ort.InferenceSession.create(training.model, sessionOptions);
    const params = Object.fromEntries(training.parameters.map((p) => [p.name, p.initial.slice() as Float32Array]));
    const rules = [noDecayRule([(n: string) => n === 'fc1.bias', /fc2\.bias/])];
    const states = initAdamWNamed(params, optimizer, rules);
    const W1 = trainer.parameters['fc1.weight'];
    const G1 = trainer.gradients['fc1.weight'];
    for (let step = 0; step < 4; step++) {
      const batch = classifierBatch(6, step);
      const loss = await trainer.step(batch);
      const feeds: Record<string, ort.Tensor> = { ...batch };
      for (const p of training.parameters) feeds[p.name] = new ort.Tensor('float32', params[p.name]!, p.dims);
      const out = await session.run(feeds);
      expect(loss).toBe(out['loss']!.data[0]);
      const grads = Object.fromEntries(training.parameters.map((p) => [p.name, out[p.grad]!.data as Float32Array]));
      clipByGlobalNormInPlace(grads, 0.5);
      for (const p of training.parameters) expect(trainer.gradients[p.name]).toEqual(grads[p.name]);
      adamwStepNamed(params, grads, states, { ...optimizer, scheduleMultiplier: schedule(step) }, rules);
      for (const p of training.parameters) expect(trainer.parameters[p.name]).toEqual(params[p.name]);
    }
    // the arrays ONNX Runtime reads and writes are the same objects throughout
    expect(trainer.parameters['fc1.weight']).toBe(W1);
    expect(trainer.gradients['fc1.weight']).toBe(G1);
    expect(trainer.stepCount).toBe(4);
    await session.release();
    await trainer.release();
  });

  it('excludes biases from weight decay by default; exclude: [] decays everything', async () => {
    const model = classifierModel();
    const optimizer = { lr: 0.05, weightDecay: 0.5 };
    const byDefault = await createOrtTrainer({ model, optimizer, ort, sessionOptions });
    const explicit = await createOrtTrainer({ model, optimizer, exclude: ['fc1.bias', 'fc2.bias'], ort, sessionOptions });
    const none = await createOrtTrainer({ model, optimizer, exclude: [], ort, sessionOptions });
    for (const t of [byDefault, explicit, none]) await t.step(classifierBatch(6, 0));
    expect(snapshot(byDefault)).toEqual(snapshot(explicit));
    expect(byDefault.parameters['fc1.weight']).toEqual(none.parameters['fc1.weight']);
    expect(byDefault.parameters['fc1.bias']).not.toEqual(none.parameters['fc1.bias']);
    for (const t of [byDefault, explicit, none]) await t.release();
  });

  it('learns: the loss on a fixed batch falls, and evaluate changes nothing', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), optimizer: { lr: 0.05 }, ort, sessionOptions });
    const batch = classifierBatch(32, 99);
    const before = await trainer.evaluate(batch);
    const snap = snapshot(trainer);
    expect(await trainer.evaluate(batch)).toBe(before);
    expect(snapshot(trainer)).toEqual(snap);
    for (let i = 0; i < 40; i++) await trainer.step(classifierBatch(32, i));
    const after = await trainer.evaluate(batch);
    expect(after).toBeLessThan(before * 0.7);
    await trainer.release();
  });

  it('trains a float64 model in Float64Arrays', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel('float64'), ort, sessionOptions });
    expect(trainer.parameters['fc1.weight']).toBeInstanceOf(Float64Array);
    const loss = await trainer.step(classifierBatch(5, 1, 'float64'));
    expect(Number.isFinite(loss)).toBe(true);
    expect(trainer.states['fc1.weight']!.m).toBeInstanceOf(Float64Array);
    await trainer.release();
  });

  it('exports the forward model with the trained weights, loadable by a plain session', async () => {
    const model = classifierModel();
    const trainer = await createOrtTrainer({ model, optimizer: { lr: 0.02 }, ort, sessionOptions });
    for (let i = 0; i < 3; i++) await trainer.step(classifierBatch(8, i));
    const exported = trainer.exportModel();
    const m = decodeModel(exported);
    for (const init of m.graph!.initializer ?? []) expect(readFloatTensor(init)).toEqual(trainer.parameters[init.name!]);
    const plain = await ort.InferenceSession.create(exported, sessionOptions);
    const batch = classifierBatch(10, 50);
    const out = await plain.run(batch);
    expect(out['loss']!.data[0]).toBeCloseTo(await trainer.evaluate(batch), 6);
    // the forward model given to the trainer is untouched
    expect(decodeModel(model).graph!.initializer![0]).toEqual(decodeModel(classifierModel()).graph!.initializer![0]);
    await plain.release();
    await trainer.release();
  });

  it('keeps parameters, gradients and states in one arena, where the SIMD step updates them without copies', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), optimizer: { amsgrad: true }, ort, sessionOptions });
    const arrays = [...Object.values(trainer.parameters), ...Object.values(trainer.gradients)];
    for (const s of Object.values(trainer.states)) arrays.push(s.m, s.v, s.vMax!);
    const buffer = arrays[0]!.buffer;
    expect(arrays.every((a) => a.buffer === buffer)).toBe(true);
    expect(buffer.byteLength).toBeGreaterThan(arrays.reduce((n, a) => n + a.byteLength, 0));
    // no two arrays overlap
    const spans = arrays.map((a) => [a.byteOffset, a.byteOffset + a.byteLength] as const).sort((x, y) => x[0] - y[0]);
    expect(spans.every(([start], k) => k === 0 || start >= spans[k - 1]![1])).toBe(true);
    // and the model's own initial values were copied, not adopted
    expect(trainer.training.parameters.every((p) => p.initial !== trainer.parameters[p.name])).toBe(true);
    await trainer.step(classifierBatch(6, 1));
    expect(trainer.training.parameters.some((p) => p.initial.some((x, i) => x !== trainer.parameters[p.name]![i]))).toBe(true);
    await trainer.release();
  });

  it('resumes from a checkpoint bit for bit', async () => {
    const model = classifierModel();
    const options = { model, optimizer: { lr: 0.03, amsgrad: true, weightDecay: 0.05 }, schedule: (t: number) => 0.5 + 0.1 * t, ort, sessionOptions };
    const a = await createOrtTrainer(options);
    for (let i = 0; i < 3; i++) await a.step(classifierBatch(8, i));
    const saved = a.saveCheckpoint();
    for (let i = 3; i < 6; i++) await a.step(classifierBatch(8, i));

    const b = await createOrtTrainer(options);
    b.loadCheckpoint(saved);
    expect(b.stepCount).toBe(3);
    const lossesB: number[] = [];
    for (let i = 3; i < 6; i++) lossesB.push(await b.step(classifierBatch(8, i)));
    expect(snapshot(b)).toEqual(snapshot(a));
    // the loaded values went into the arrays ONNX Runtime reads and AdamW updates
    const W = b.parameters['fc1.weight'];
    const M = b.states['fc1.weight']!.m;
    b.loadCheckpoint(saved);
    expect(b.parameters['fc1.weight']).toBe(W);
    expect(b.states['fc1.weight']!.m).toBe(M);
    expect(b.stepCount).toBe(3);
    expect(b.states['fc1.weight']!.step).toBe(3);
    await a.release();
    await b.release();
  });

  it('rejects a corrupt or foreign checkpoint and changes nothing', async () => {
    const a = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    await a.step(classifierBatch(4, 0));
    const saved = a.saveCheckpoint();
    const b = await createOrtTrainer({ model: classifierModel('float32', 9), ort, sessionOptions });
    const before = snapshot(b);
    const corrupt = saved.slice();
    corrupt[corrupt.length - 40] = corrupt[corrupt.length - 40]! ^ 0xff;
    expect(() => b.loadCheckpoint(corrupt)).toThrow(/checksum|corrupt/i);
    const ams = await createOrtTrainer({ model: classifierModel(), optimizer: { amsgrad: true }, ort, sessionOptions });
    expect(() => ams.loadCheckpoint(saved)).toThrow(/has no vMax, which amsgrad needs/);
    const other = await createOrtTrainer({ model: classifierModel(), trainable: ['fc1.weight'], ort, sessionOptions });
    expect(() => other.loadCheckpoint(saved)).toThrow(/do not match this model: unknown fc1.bias, fc2.weight, fc2.bias/);
    expect(() => b.loadCheckpoint(new Uint8Array(10))).toThrow();
    expect(snapshot(b)).toEqual(before);
    for (const t of [a, b, ams, other]) await t.release();
  });
});

describe('a failed step leaves parameters and state unchanged and says why', () => {
  const bad = async (trainer: OrtTrainer, feeds: Record<string, ort.Tensor>, message: RegExp) => {
    const before = snapshot(trainer);
    await expect(trainer.step(feeds)).rejects.toThrow(message);
    expect(snapshot(trainer)).toEqual(before);
  };

  it('bad feeds: missing, unknown, a parameter, wrong type, wrong shape, inconsistent batch', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    await trainer.step(classifierBatch(4, 0));
    const { x, y } = classifierBatch(4, 1);
    await bad(trainer, { x }, /feed 'y' is missing/);
    await bad(trainer, { x, y, z: x }, /feed 'z' is not an input of the model \(inputs: x, y\)/);
    await bad(trainer, { x, y, 'fc1.bias': x }, /feed 'fc1.bias' is a trained parameter/);
    await bad(trainer, { x: new ort.Tensor('float64', new Float64Array(16), [4, 4]), y }, /feed 'x' is float64, but the model declares float32/);
    await bad(
      trainer,
      { x: new ort.Tensor('float32', new Float32Array(20), [4, 5]), y },
      /feed 'x' has shape \[4, 5\], but the model declares \[batch, 4\] \(axis 1 must be 4\)/,
    );
    await bad(trainer, { x: new ort.Tensor('float32', new Float32Array(16), [4, 4, 1]), y }, /feed 'x' has shape \[4, 4, 1\]/);
    await bad(trainer, { x, y: new ort.Tensor('int64', new BigInt64Array(3), [3]) }, /feed 'y' has batch = 3 \(axis 0\) but feed 'x' has batch = 4/);
    await bad(
      trainer,
      { x, y: new ort.Tensor('int64', BigInt64Array.from([0n, 1n, 7n, 2n]), [4]) },
      /feed 'y' holds 7 at index 2; SoftmaxCrossEntropyLoss needs labels in \[0, 3\)/,
    );
    await expect(trainer.step(null as never)).rejects.toThrow(/feeds must be an object/);
    await trainer.release();
  });

  it("a non-finite loss with nonFinite: 'throw'", async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), optimizer: { nonFinite: 'throw' }, ort, sessionOptions });
    await trainer.step(classifierBatch(4, 0));
    const { y } = classifierBatch(4, 1);
    const nan = new Float32Array(16).fill(0.1);
    nan[5] = Number.NaN;
    await bad(trainer, { x: new ort.Tensor('float32', nan, [4, 4]), y }, /the loss is NaN; nonFinite: 'throw' leaves parameters and state unchanged/);
    await trainer.release();
  });

  it("nonFinite: 'skip' skips the step, 'propagate' lets NaN through as torch does", async () => {
    const nan = new Float32Array(16).fill(0.1);
    nan[0] = Number.POSITIVE_INFINITY;
    const { y } = classifierBatch(4, 1);
    const skip = await createOrtTrainer({ model: classifierModel(), optimizer: { nonFinite: 'skip' }, ort, sessionOptions });
    const before = snapshot(skip);
    const loss = await skip.step({ x: new ort.Tensor('float32', nan, [4, 4]), y });
    expect(Number.isFinite(loss)).toBe(false);
    expect(snapshot(skip)).toEqual(before);
    await skip.step(classifierBatch(4, 2));
    expect(skip.stepCount).toBe(1);
    const propagate = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    await propagate.step({ x: new ort.Tensor('float32', nan, [4, 4]), y });
    expect(Number.isNaN(propagate.parameters['fc1.weight']![0])).toBe(true);
    await skip.release();
    await propagate.release();
  });

  it('a second step while one is running is refused', async () => {
    const trainer = await createOrtTrainer({ model: classifierModel(), ort, sessionOptions });
    const first = trainer.step(classifierBatch(4, 0));
    await expect(trainer.step(classifierBatch(4, 1))).rejects.toThrow(/while another step or evaluation is running/);
    expect(() => trainer.saveCheckpoint()).toThrow(/while a step or evaluation is running/);
    await first;
    expect(trainer.stepCount).toBe(1);
    await trainer.release();
  });

  it('bad trainer options', async () => {
    const model = classifierModel();
    await expect(createOrtTrainer({ model, optimizer: { lr: -1 }, ort })).rejects.toThrow(/option lr must be/);
    await expect(createOrtTrainer({ model, optimizer: { learningRate: 1 } as never, ort })).rejects.toThrow(/learningRate/);
    await expect(createOrtTrainer({ model, clipGlobalNorm: 0, ort })).rejects.toThrow(/clipGlobalNorm must be a positive finite number/);
    await expect(createOrtTrainer({ model, epochs: 3, ort } as never)).rejects.toThrow(/unknown trainer option 'epochs'/);
    await expect(createOrtTrainer({ model: [1, 2] as never, ort })).rejects.toThrow(/options.model must be the ONNX model as a Uint8Array/);
  });

  it('uses the ort module it is given', async () => {
    let created = 0;
    const spy = {
      Tensor: ort.Tensor,
      InferenceSession: {
        create: (bytes: Uint8Array, o?: ort.InferenceSession.SessionOptions) => {
          created += 1;
          return ort.InferenceSession.create(bytes, o);
        },
      },
    };
    const trainer = await createOrtTrainer({ model: classifierModel(), ort: spy as never });
    await trainer.evaluate(classifierBatch(3, 0));
    expect(created).toBe(2);
    await trainer.release();
  });
});

export type { AdamWState };
